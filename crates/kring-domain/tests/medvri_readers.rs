//! CHAT-6: the MEDVRI Kring writes, read back by two readers that share no code with the writer,
//! from hostile content as well as plain. One is pydifact, an EDIFACT parser from PyPI, driven the
//! way `kring-crypto/tests/interop.rs` drives PyNaCl (JSON over stdin and stdout). The other is
//! written here from the syntax rules (ISO 9735) and the segment positions of the 3i
//! specification alone. Both must read what a HIS reads: the BSN, the name parts, the birth date,
//! the date and time written, the address parts and every line of the text.
//! Needs `python3` with pydifact (`make test` installs it).

use kring_domain::medvri::{Medvri, MedvriPatient, Party};
use kring_domain::patient::{Address, Gender};
use kring_domain::Bsn;
use std::io::Write;
use std::process::{Command, Stdio};
use time::macros::{date, datetime};

/// A segment as a reader sees it: the tag, the repetition numbers written after it (`TXT:3`), and
/// the data elements as lists of components, released characters restored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    tag: String,
    numbers: Vec<String>,
    elements: Vec<Vec<String>>,
}

impl Segment {
    /// Component `component` of data element `element`, both counted from 1 as the specification
    /// counts them; empty when the writer left it out.
    fn at(&self, element: usize, component: usize) -> String {
        self.elements.get(element - 1).and_then(|e| e.get(component - 1)).cloned().unwrap_or_default()
    }
}

/// Reads an interchange by ISO 9735 alone. The UNA names the service characters; the release
/// character makes the character after it data; the component separator ends a component, the
/// element separator an element, the terminator a segment; line ends between segments are
/// layout. The first element is the tag, its further components repetition numbers. The bytes
/// are ISO 8859-1 (UNOC): one byte, one character.
fn spec_reader(bytes: &[u8]) -> Vec<Segment> {
    let chars: Vec<char> = bytes.iter().map(|b| char::from(*b)).collect();
    assert!(chars.len() > 9 && chars[..3] == ['U', 'N', 'A'], "an interchange starts with its UNA");
    // UNA: component, element, decimal mark, release, reserved, terminator.
    let (component, element, release, terminator) = (chars[3], chars[4], chars[6], chars[8]);
    let fresh = || vec![vec![String::new()]];
    let mut segments = Vec::new();
    let mut elements: Vec<Vec<String>> = fresh();
    let mut between_segments = true;
    let mut rest = chars[9..].iter().copied();
    while let Some(c) = rest.next() {
        if between_segments && (c == '\r' || c == '\n') {
            continue;
        }
        between_segments = false;
        let value = if c == release {
            Some(rest.next().expect("a character after the release character"))
        } else if c == component {
            elements.last_mut().unwrap().push(String::new());
            None
        } else if c == element {
            elements.push(vec![String::new()]);
            None
        } else if c == terminator {
            let mut segment = std::mem::replace(&mut elements, fresh());
            // Empty trailing components are absent ones (ISO 9735 lets a writer leave them out).
            for components in &mut segment {
                while components.len() > 1 && components.last().is_some_and(String::is_empty) {
                    components.pop();
                }
            }
            let mut tag = segment.remove(0);
            segments.push(Segment { tag: tag.remove(0), numbers: tag, elements: segment });
            between_segments = true;
            None
        } else {
            Some(c)
        };
        if let Some(value) = value {
            elements.last_mut().unwrap().last_mut().unwrap().push(value);
        }
    }
    assert!(between_segments, "nothing may follow the last segment terminator: {elements:?}");
    segments
}

const PYDIFACT: &str = r#"
import json, sys, warnings
# pydifact warns that it has no UN directory for MEDVRI; it parses the syntax all the same.
warnings.simplefilter("ignore")
from pydifact.parser import Parser

class Parser3i(Parser):
    # pydifact reads a tag with repetition numbers (TXT:3, ISO 9735 explicit repetition) as a
    # composite and refuses it: the numbers are split off here, everything else is pydifact's.
    def convert_raw_segment_to_segment(self, raw_segment, directory=""):
        numbers = []
        if isinstance(raw_segment[0], list):
            numbers = raw_segment[0][1:]
            raw_segment[0] = raw_segment[0][0]
        segment = super().convert_raw_segment_to_segment(raw_segment, directory=directory)
        segment.numbers = numbers
        return segment

out = []
for interchange in json.load(sys.stdin):
    segments = []
    for s in Parser3i().parse(bytes.fromhex(interchange).decode("latin-1")):
        if s.tag == "UNA":
            continue
        elements = [e if isinstance(e, list) else [e] for e in s.elements]
        segments.append({"tag": s.tag, "numbers": s.numbers, "elements": elements})
    out.append(segments)
json.dump(out, sys.stdout)
"#;

/// The interchanges as pydifact reads them.
fn pydifact(interchanges: &[&[u8]]) -> Vec<Vec<Segment>> {
    let hex: Vec<String> = interchanges.iter().map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect()).collect();
    let mut python = Command::new("python3")
        .args(["-c", PYDIFACT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    python.stdin.take().unwrap().write_all(serde_json::to_string(&hex).unwrap().as_bytes()).unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(output.status.success(), "pydifact failed (make test installs it): {}", String::from_utf8_lossy(&output.stderr));
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    };
    read.as_array()
        .unwrap()
        .iter()
        .map(|segments| {
            segments
                .as_array()
                .unwrap()
                .iter()
                .map(|s| Segment {
                    tag: s["tag"].as_str().unwrap().to_owned(),
                    numbers: strings(&s["numbers"]),
                    elements: s["elements"].as_array().unwrap().iter().map(strings).collect(),
                })
                .collect()
        })
        .collect()
}

/// What a HIS takes from a MEDVRI, read by the positions of the 3i specification.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HisView {
    /// UNB: syntax, sender, recipient, date `YYMMDD`, time `HHMM`, reference.
    envelope: Vec<String>,
    /// UNH: reference, message type and version.
    message: Vec<String>,
    /// GGA 1 and 3: person, institution.
    sender: Vec<String>,
    /// DET 1 (`YY:MM:DD`) and 2 (`HH:MM`).
    written: Vec<String>,
    /// PID 1: `CCYY`, `MM`, `DD`.
    birth_date: Vec<String>,
    /// PID 2.
    sex: String,
    /// PID 3: married name, prefix, own name, prefix, first name, initials.
    name: Vec<String>,
    /// PID 5 without its `BSN` qualifier; `None` when the qualifier is missing.
    bsn: Option<String>,
    /// PAD 1 (street, number, PO box, city, postcode) and 2 (phone), when there is a PAD.
    address: Option<Vec<String>>,
    /// The TXT lines in order, each with its repetition number.
    text: Vec<(String, String)>,
    /// GGO 1 and 3: person, institution.
    recipient: Vec<String>,
    /// UNT 1 as written, and the segments counted from UNH to UNT.
    unt: (String, usize),
    /// UNZ: messages, reference.
    trailer: Vec<String>,
}

fn his_view(segments: &[Segment]) -> HisView {
    let one = |tag: &str| -> &Segment {
        let found: Vec<&Segment> = segments.iter().filter(|s| s.tag == tag).collect();
        assert_eq!(found.len(), 1, "one {tag} in {segments:#?}");
        found[0]
    };
    let (unb, unh, gga, det, pid, ggo, unt, unz) =
        (one("UNB"), one("UNH"), one("GGA"), one("DET"), one("PID"), one("GGO"), one("UNT"), one("UNZ"));
    let tags: Vec<&str> = segments.iter().map(|s| s.tag.as_str()).collect();
    let first = tags.iter().position(|t| *t == "UNH").unwrap();
    let last = tags.iter().position(|t| *t == "UNT").unwrap();
    HisView {
        envelope: vec![unb.at(1, 1), unb.at(1, 2), unb.at(2, 1), unb.at(3, 1), unb.at(4, 1), unb.at(4, 2), unb.at(5, 1)],
        message: vec![unh.at(1, 1), unh.at(2, 1), unh.at(2, 2), unh.at(2, 3)],
        sender: vec![gga.at(1, 1), gga.at(3, 1)],
        written: vec![det.at(1, 1), det.at(1, 2), det.at(1, 3), det.at(2, 1), det.at(2, 2)],
        birth_date: vec![pid.at(1, 1), pid.at(1, 2), pid.at(1, 3)],
        sex: pid.at(2, 1),
        name: (1..=6).map(|c| pid.at(3, c)).collect(),
        bsn: pid.at(5, 1).strip_prefix("BSN").map(str::to_owned),
        address: segments
            .iter()
            .find(|s| s.tag == "PAD")
            .map(|pad| vec![pad.at(1, 1), pad.at(1, 2), pad.at(1, 3), pad.at(1, 4), pad.at(1, 5), pad.at(2, 1)]),
        text: segments.iter().filter(|s| s.tag == "TXT").map(|s| (s.numbers.join(":"), s.at(1, 1))).collect(),
        recipient: vec![ggo.at(1, 1), ggo.at(3, 1)],
        unt: (unt.at(1, 1), last - first + 1),
        trailer: vec![unz.at(1, 1), unz.at(2, 1)],
    }
}

/// Both readers read the interchange alike; the HIS's view of it.
fn read_by_both(medvri: &Medvri) -> HisView {
    let bytes = medvri.to_bytes().expect("the MEDVRI is written");
    let by_spec = spec_reader(&bytes);
    let by_pydifact = pydifact(&[&bytes]).remove(0);
    assert_eq!(by_pydifact, by_spec, "pydifact and the spec reader read the same segments");
    his_view(&by_spec)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn numbered(lines: &[String]) -> Vec<(String, String)> {
    lines.iter().enumerate().map(|(i, line)| ((i + 1).to_string(), line.clone())).collect()
}

fn hostile() -> Medvri {
    Medvri {
        reference: "K0123456789ABC".into(),
        written_at: datetime!(2026-03-09 08:05),
        sender: Party { id: "01051234".into(), person: " Dr. A+B O'Brien: ?test? ".into(), organisation: "Praktijk A+".into() },
        recipient: Party {
            id: "500012345@lms.lifeline.nl".into(),
            person: "Huisartsenpraktijk 'De Linde'".into(),
            organisation: "Huisartsenpraktijk 'De Linde' +: Zn".into(),
        },
        patient: MedvriPatient {
            bsn: Bsn::parse("999911120").unwrap(),
            family_name: "van ’t Hof-O'Brien+".into(),
            given_names: "Łukasz\nJan".into(),
            birth_date: date!(1901 - 01 - 02),
            gender: Gender::Female,
            address: Some(Address {
                street: "Łódź-straat 12 A".into(),
                postal_code: "3511 AA".into(),
                city: "Ölst+Wijhe:'?".into(),
            }),
            phone: Some("+31 6 1234 5678".into()),
        },
        lines: strings(&[
            "Bloedgroep: A+",
            "a+b:c'd?e",
            "eindigt op ?",
            "Łódź ı İ 😀 Ωμέγα ﬁ Rene\u{301}e",
            "regel\nmet\r\nbreuken",
            &"x".repeat(150),
            "",
            "+",
            "'",
            "?",
            ":",
            "woord ".repeat(30).trim(),
            "  ingesprongen",
        ]),
    }
}

#[test]
fn chat_6_both_readers_read_every_part_of_a_hostile_medvri() {
    let view = read_by_both(&hostile());
    let words = |n: usize| "woord ".repeat(n).trim_end().to_owned();
    let text = [
        "Bloedgroep: A+".to_owned(),
        "a+b:c'd?e".into(),
        "eindigt op ?".into(),
        "Lódz i I _ _____ fi Renée".into(),
        "regel met  breuken".into(),
        "x".repeat(70),
        "x".repeat(70),
        "x".repeat(10),
        " ".into(),
        "+".into(),
        "'".into(),
        "?".into(),
        ":".into(),
        words(11),
        words(11),
        words(8),
        "  ingesprongen".into(),
    ];
    let expected = HisView {
        envelope: strings(&["UNOC", "1", "01051234", "500012345@lms.lifeline.nl", "260309", "0805", "K0123456789ABC"]),
        message: strings(&["K0123456789ABC", "MEDVRI", "1", ""]),
        sender: strings(&["Dr. A+B O'Brien: ?test?", "Praktijk A+"]),
        written: strings(&["26", "03", "09", "08", "05"]),
        birth_date: strings(&["1901", "01", "02"]),
        sex: "V".into(),
        name: strings(&["Hof-O'Brien+", "van 't", "", "", "Lukasz", "L.J."]),
        bsn: Some("999911120".into()),
        address: Some(strings(&["Lódz-straat", "12 A", "", "Ölst+Wijhe:'?", "3511AA", "+31 6 1234 5678"])),
        text: numbered(&text),
        recipient: strings(&["Huisartsenpraktijk 'De Linde'", "Huisartsenpraktijk 'De Linde' +: Zn"]),
        unt: ("24".into(), 24),
        trailer: strings(&["1", "K0123456789ABC"]),
    };
    assert_eq!(view, expected);
}

#[test]
fn chat_6_every_text_line_reconstructs_from_the_txt_segments() {
    let medvri = hostile();
    let view = read_by_both(&medvri);
    assert!(view.text.iter().all(|(_, line)| line.chars().count() <= 70), "TXT is an..70");
    // Wrapping drops only the space a long line is broken at; nothing else is lost or added.
    let read: String = view.text.iter().map(|(_, line)| line.as_str()).collect::<String>().split_whitespace().collect();
    let written: String =
        medvri.lines.iter().map(|line| kring_domain::medvri::latin1(line)).collect::<String>().split_whitespace().collect();
    assert_eq!(read, written);
}

#[test]
fn chat_6_very_long_names_are_cut_to_the_field_lengths_for_both_readers() {
    let mut medvri = hostile();
    medvri.sender.person = "Anne-Marie ".repeat(10);
    medvri.sender.organisation = "Stichting Gezondheidscentra ".repeat(10);
    medvri.patient.family_name = format!("van der {}", "Achternaam".repeat(10));
    medvri.patient.given_names = "Alexandrina Wilhelmina Johanna Maria Sophia".into();
    medvri.patient.address = Some(Address {
        street: "Burgemeester van Walsum-Kortenaerstraat-Oost 123".into(),
        postal_code: "3511 AA".into(),
        city: "Nieuwerkerk aan den IJssel".into(),
    });
    medvri.patient.phone = Some("+31 (0)6 1234 5678 toestel 12".into());
    let view = read_by_both(&medvri);
    assert_eq!(
        view.sender,
        strings(&[
            "Anne-Marie Anne-Marie Anne-Marie Anne-Ma",
            "Stichting Gezondheidscentra Stichting Gezondheidscentra Stichting Gezo"
        ])
    );
    assert_eq!(
        view.name,
        vec!["Achternaam".repeat(3), "van der".into(), String::new(), String::new(), "Alexandrina".into(), "A.W.J.M.".into()]
    );
    assert_eq!(view.bsn.as_deref(), Some("999911120"));
    // A phone number that does not fit is left out, not cut into someone else's number.
    assert_eq!(view.address, Some(strings(&["Burgemeester van Walsum-Korten", "123", "", "Nieuwerkerk aan den", "3511AA", ""])));
}

#[test]
fn chat_6_empty_optional_fields_leave_no_required_element_empty() {
    let medvri = Medvri {
        reference: "K1".into(),
        written_at: datetime!(2026-12-31 23:59),
        sender: Party { id: "KRING".into(), person: String::new(), organisation: String::new() },
        recipient: Party { id: "500012345@lms.lifeline.nl".into(), person: String::new(), organisation: String::new() },
        patient: MedvriPatient {
            bsn: Bsn::parse("999911120").unwrap(),
            family_name: "Jansen".into(),
            given_names: String::new(),
            birth_date: date!(2024 - 02 - 29),
            gender: Gender::Unknown,
            address: None,
            phone: Some("06-12345678".into()),
        },
        lines: vec![],
    };
    let view = read_by_both(&medvri);
    assert_eq!(view.sender, strings(&["Kring", ""]));
    assert_eq!(view.recipient, strings(&["Huisarts", ""]));
    assert_eq!(view.written, strings(&["26", "12", "31", "23", "59"]));
    assert_eq!((view.birth_date, view.sex), (strings(&["2024", "02", "29"]), "O".into()));
    assert_eq!(view.name, strings(&["Jansen", "", "", "", "", ""]));
    assert_eq!(view.address, None, "no PAD without an address");
    assert_eq!(view.text, numbered(&[" ".into()]), "the one mandatory TXT");
    assert_eq!(view.unt, ("7".into(), 7));
}

/// A MEDVRI laid out after the published ones (Zato's and mmerlijn's MEDVRI test fixtures, a
/// ZorgMail client's test message), with made-up values: the readers must read a real layout,
/// UNOA without CRLFs and trailing empty components included, by the same positions.
const PUBLISHED_LAYOUT: &str = "UNA:+.? 'UNB+UNOA:1+41000001+41000002+240214:0941+SNM7431'UNH+7431+MEDVRI:1'\
GGA+Praktijk Voorbeeld+Administratie+Praktijk Voorbeeld+Kerkstraat:14::Utrecht:3511AB+?+31600000000'\
DET+24:02:14+09:41'PID+1975:03:18+V+Dijk:van der:Bakker:de::M.++BSN999911120'\
PAD+Lindelaan:27a::Utrecht:3581CD+?+31600000001'TXT:1+Beste collega'TXT:2+'TXT:3+Met vriendelijke groet'\
GGO+Arts Achternaam+++Dorpsweg:8::Utrecht:'UNT+10+7431'UNZ+1+SNM7431'";

#[test]
fn chat_6_the_readers_read_the_published_medvri_layout() {
    let bytes = PUBLISHED_LAYOUT.as_bytes();
    let view = his_view(&spec_reader(bytes));
    let pydifact_view = his_view(&pydifact(&[bytes]).remove(0));
    assert_eq!(view, pydifact_view);
    assert_eq!(view.message, strings(&["7431", "MEDVRI", "1", ""]));
    assert_eq!(view.written, strings(&["24", "02", "14", "09", "41"]));
    assert_eq!(view.birth_date, strings(&["1975", "03", "18"]));
    assert_eq!(view.name, strings(&["Dijk", "van der", "Bakker", "de", "", "M."]));
    assert_eq!(view.bsn.as_deref(), Some("999911120"));
    assert_eq!(view.address, Some(strings(&["Lindelaan", "27a", "", "Utrecht", "3581CD", "+31600000001"])));
    assert_eq!(view.text, numbered(&strings(&["Beste collega", "", "Met vriendelijke groet"])));
    assert_eq!(view.unt, ("10".into(), 10));

    // Kring's interchange has the same shape segment by segment: which elements exist and how
    // many components each may have, as the published one.
    let ours = spec_reader(&hostile().to_bytes().unwrap());
    let published = spec_reader(bytes);
    for tag in ["UNB", "UNH", "GGA", "DET", "PID", "PAD", "TXT", "GGO", "UNT", "UNZ"] {
        let ours = ours.iter().find(|s| s.tag == tag).unwrap();
        let theirs = published.iter().find(|s| s.tag == tag).unwrap();
        assert_eq!(ours.numbers.len(), theirs.numbers.len(), "{tag} repetition numbers");
        for (element, components) in ours.elements.iter().enumerate() {
            let room = theirs.elements.get(element).map_or(0, Vec::len);
            assert!(
                components.len() <= room.max(1),
                "{tag} element {}: {components:?} where the published one has {room}",
                element + 1
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever the text and names hold, the segments stay intact for the spec reader: every
    /// segment is found once, the BSN whole, each TXT line at most 70 and the text complete.
    #[test]
    fn chat_6_any_text_and_names_leave_the_segments_intact(
        lines in proptest::collection::vec("\\PC{0,90}|[+:'? \\n]{0,5}", 0..6),
        name in "\\PC{0,40}",
        place in "[+:'?]{0,3}\\PC{0,25}",
    ) {
        let mut medvri = hostile();
        medvri.lines = lines.clone();
        medvri.patient.family_name = name.clone();
        medvri.patient.given_names = name.clone();
        medvri.sender.person = name.clone();
        medvri.recipient.organisation = place.clone();
        medvri.patient.address = Some(Address { street: place.clone(), postal_code: place.clone(), city: format!("X{place}") });
        let view = his_view(&spec_reader(&medvri.to_bytes().unwrap()));
        proptest::prop_assert_eq!(view.bsn.as_deref(), Some("999911120"));
        proptest::prop_assert_eq!(view.unt.0.parse::<usize>().unwrap(), view.unt.1);
        proptest::prop_assert!(view.text.iter().all(|(_, line)| line.chars().count() <= 70));
        let read: String = view.text.iter().map(|(_, line)| line.as_str()).collect::<String>().split_whitespace().collect();
        let written: String = lines.iter().map(|line| kring_domain::medvri::latin1(line)).collect::<String>().split_whitespace().collect();
        proptest::prop_assert_eq!(read, written);
    }
}
