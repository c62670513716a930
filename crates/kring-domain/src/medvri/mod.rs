//! EDIFACT MEDVRI: the Dutch free-text medical message ("vrij medisch bericht") a HIS imports
//! into the patient's record. Kring writes a conversation's transcript as one MEDVRI
//! interchange when a caregiver sends it back to the HIS (CHAT-6). The layout follows Nictiz's
//! "Specificatie berichten 3i-project" (MEDLAB/MEDVRI, BSN version); `docs/medvri.md` describes
//! it segment by segment, with the field lengths and where each was checked.
//!
//! Character set UNOC (ISO 8859-1): see [`latin1`]. Each value is cut to its field length
//! first, empty trailing parts are left out next, and only then is the release character `?` put
//! before `+ : ' ?` ([`escape`]), so a value ending in a service character keeps it.

mod parts;
mod text;

pub use text::{escape, latin1};

use crate::patient::{Address, Gender};
use crate::values::Bsn;
use parts::{split_house_number, NameParts};
use text::{cut, whole, wrap};
use time::{Date, PrimitiveDateTime};

/// The longest free-text line in one TXT segment (an..70).
pub const TXT_WIDTH: usize = 70;
/// The most TXT segments one message carries; a longer transcript is refused, not cut.
pub const MAX_TXT_SEGMENTS: usize = 9_000;
/// The longest interchange sender or recipient identification (UNB, an..35). A longer one is
/// refused: a cut address reaches someone else.
pub const MAX_PARTY_ID: usize = 35;

/// The spec's lengths of the fields Kring fills, in characters before release characters.
mod length {
    /// GGA/GGO 1, naam persoon (a..40).
    pub const PERSON: usize = 40;
    /// GGA/GGO 3, naam instelling (a..70).
    pub const INSTITUTION: usize = 70;
    /// PID 3.1 and 3.3, achternaam (a..30).
    pub const SURNAME: usize = 30;
    /// PID 3.2 and 3.4, voorvoegsel (a..8).
    pub const PREFIX: usize = 8;
    /// PID 3.5, voornaam (a..12).
    pub const FIRST_NAME: usize = 12;
    /// PID 3.6, voorletters (a..8).
    pub const INITIALS: usize = 8;
    /// PAD 1.1, straat (an..30).
    pub const STREET: usize = 30;
    /// PAD 1.2, huisnummer (an..8).
    pub const HOUSE_NUMBER: usize = 8;
    /// PAD 1.4, woonplaats (a..20).
    pub const CITY: usize = 20;
    /// PAD 1.5, postcode (an..9).
    pub const POSTCODE: usize = 9;
    /// PAD 2, telefoonnummer (an..20).
    pub const PHONE: usize = 20;
}

/// Who sends or receives: an identification (AGB code or ZorgMail address), a person and the
/// organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub person: String,
    pub organisation: String,
}

/// The patient the message is about, as the patient card holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedvriPatient {
    pub bsn: Bsn,
    /// Family name with its prefix, as it is shown ("de Vries").
    pub family_name: String,
    /// Given names or initials.
    pub given_names: String,
    pub birth_date: Date,
    pub gender: Gender,
    pub address: Option<Address>,
    pub phone: Option<String>,
}

/// One MEDVRI interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Medvri {
    /// Interchange and message reference: up to 14 letters and digits, unique per sender.
    pub reference: String,
    /// Local (Dutch) time of writing.
    pub written_at: PrimitiveDateTime,
    pub sender: Party,
    pub recipient: Party,
    pub patient: MedvriPatient,
    /// The free text, line by line (long lines are wrapped).
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MedvriError {
    #[error("the reference must be 1 to 14 letters or digits")]
    BadReference,
    #[error("the sender's identification must be 1 to {MAX_PARTY_ID} characters")]
    BadSenderId,
    #[error("the recipient's address must be 1 to {MAX_PARTY_ID} characters")]
    BadRecipientId,
    #[error("the text needs more than {MAX_TXT_SEGMENTS} TXT segments")]
    TooLong,
}

/// What a required person element holds when the party names nobody: the sender is a Kring
/// user, the recipient the patient's GP practice.
const SENDER_FALLBACK: &str = "Kring";
const RECIPIENT_FALLBACK: &str = "Huisarts";

impl Medvri {
    /// The interchange as text, one segment per line (`'` then CRLF).
    pub fn to_edifact(&self) -> Result<String, MedvriError> {
        let reference = &self.reference;
        if reference.is_empty() || reference.len() > 14 || !reference.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(MedvriError::BadReference);
        }
        let sender_id = party_id(&self.sender.id).ok_or(MedvriError::BadSenderId)?;
        let recipient_id = party_id(&self.recipient.id).ok_or(MedvriError::BadRecipientId)?;
        let mut txt: Vec<String> = self.lines.iter().flat_map(|line| wrap(&latin1(line), TXT_WIDTH)).collect();
        if txt.is_empty() {
            // TXT is the one mandatory part of the message body.
            txt.push(" ".into());
        }
        if txt.len() > MAX_TXT_SEGMENTS {
            return Err(MedvriError::TooLong);
        }
        let at = self.written_at;
        let mut message = vec![
            segment("UNH", &[vec![reference.clone()], vec!["MEDVRI".into(), "1".into()]]),
            party_segment("GGA", &self.sender, SENDER_FALLBACK),
            segment("DET", &[short_date(at.date()), vec![two(at.hour()), two(at.minute())]]),
            self.pid(),
        ];
        message.extend(self.pad());
        // Each line carries its number in the tag (explicit repetition, `TXT:1`), as MEDVRIs do.
        message.extend(txt.into_iter().enumerate().map(|(i, line)| segment(&format!("TXT:{}", i + 1), &[vec![line]])));
        message.push(party_segment("GGO", &self.recipient, RECIPIENT_FALLBACK));
        // UNT counts the segments from UNH to UNT, both included.
        let count = (message.len() + 1).to_string();
        message.push(segment("UNT", &[vec![count], vec![reference.clone()]]));
        let prepared = short_date(at.date()).concat();
        let header = segment(
            "UNB",
            &[
                vec!["UNOC".into(), "1".into()],
                vec![sender_id],
                vec![recipient_id],
                vec![prepared, format!("{}{}", two(at.hour()), two(at.minute()))],
                vec![reference.clone()],
            ],
        );
        let trailer = segment("UNZ", &[vec!["1".into()], vec![reference.clone()]]);
        let mut out = String::from("UNA:+.? '\r\n");
        for segment in std::iter::once(&header).chain(&message).chain(std::iter::once(&trailer)) {
            out.push_str(segment);
            out.push_str("\r\n");
        }
        Ok(out)
    }

    /// The interchange as bytes in its character set (ISO 8859-1).
    pub fn to_bytes(&self) -> Result<Vec<u8>, MedvriError> {
        // Every value went through `latin1`, so each character fits one byte.
        Ok(self.to_edifact()?.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'_')).collect())
    }

    /// PID: geboortedatum `CCYY:MM:DD`, geslacht, naam (gehuwde naam : voorvoegsel : eigen naam :
    /// voorvoegsel : voornaam : voorletters), the sender's patient number (none), and in element 5
    /// the BSN qualified as the BSN version asks: `BSN` + nine digits (readers strip the three).
    fn pid(&self) -> String {
        let patient = &self.patient;
        let name = NameParts::from_card(&patient.family_name, &patient.given_names);
        let born = patient.birth_date;
        // The card holds the name in use, not the married and the own name apart: it goes in the
        // first component, as single-name PIDs do; the own-name components stay empty, not guessed.
        segment(
            "PID",
            &[
                vec![format!("{:04}", born.year()), two(u8::from(born.month())), two(born.day())],
                vec![gender_code(patient.gender).into()],
                vec![
                    cut(&name.surname, length::SURNAME),
                    cut(&name.prefix, length::PREFIX),
                    String::new(),
                    String::new(),
                    cut(&name.first_name, length::FIRST_NAME),
                    cut(&name.initials, length::INITIALS),
                ],
                vec![],
                vec![format!("BSN{}", patient.bsn.expose())],
            ],
        )
    }

    /// PAD: adres (straat : huisnummer : postbus : woonplaats : postcode), telefoon. Left out
    /// without a city, the one part the address composite requires.
    fn pad(&self) -> Option<String> {
        let address = self.patient.address.as_ref()?;
        let city = cut(&address.city, length::CITY);
        if city.is_empty() {
            return None;
        }
        let (street, number) = split_house_number(&latin1(&address.street));
        let phone = self.patient.phone.as_deref().map(|p| whole(p, length::PHONE)).unwrap_or_default();
        Some(segment(
            "PAD",
            &[
                vec![
                    cut(&street, length::STREET),
                    cut(&number, length::HOUSE_NUMBER),
                    String::new(),
                    city,
                    whole(&address.postal_code.replace(' ', ""), length::POSTCODE),
                ],
                vec![phone],
            ],
        ))
    }
}

/// GGA (afzender) or GGO (ontvanger): naam persoon (required), afdeling, naam instelling. The
/// person falls back to the organisation, then to a role, so the required element is never empty.
fn party_segment(tag: &str, party: &Party, fallback: &str) -> String {
    let person = [&party.person, &party.organisation]
        .into_iter()
        .map(|name| cut(name, length::PERSON))
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| fallback.to_owned());
    segment(tag, &[vec![person], vec![], vec![cut(&party.organisation, length::INSTITUTION)]])
}

/// A UNB identification in Latin-1, or `None` when it is empty or longer than its field.
fn party_id(id: &str) -> Option<String> {
    let id = latin1(id).trim().to_owned();
    (!id.is_empty() && id.chars().count() <= MAX_PARTY_ID).then_some(id)
}

/// One segment: the tag (with its repetition number, if any), then the data elements separated
/// by `+` and their components by `:`. Empty trailing components and elements are left out
/// before the values are escaped: trimming escaped text could take the `+` of a released `?+`.
fn segment(tag: &str, elements: &[Vec<String>]) -> String {
    let trimmed: Vec<&[String]> = elements
        .iter()
        .map(|components| {
            let used = components.iter().rposition(|c| !c.is_empty()).map_or(0, |last| last + 1);
            &components[..used]
        })
        .collect();
    let used = trimmed.iter().rposition(|components| !components.is_empty()).map_or(0, |last| last + 1);
    let mut out = tag.to_owned();
    for components in &trimmed[..used] {
        out.push('+');
        let escaped: Vec<String> = components.iter().map(|value| escape(value)).collect();
        out.push_str(&escaped.join(":"));
    }
    out.push('\'');
    out
}

/// A date as the 3i messages write it outside the PID: `YY`, `MM`, `DD`.
fn short_date(date: Date) -> Vec<String> {
    vec![two(date.year().rem_euclid(100)), two(u8::from(date.month())), two(date.day())]
}

fn two(value: impl Into<i32>) -> String {
    format!("{:02}", value.into())
}

/// Geslacht: `M` man, `V` vrouw, `O` onbekend/anders.
fn gender_code(gender: Gender) -> &'static str {
    match gender {
        Gender::Male => "M",
        Gender::Female => "V",
        Gender::Other | Gender::Unknown => "O",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn sample(lines: Vec<String>) -> Medvri {
        Medvri {
            reference: "K20261125A1".into(),
            written_at: datetime!(2026-11-25 14:05),
            sender: Party {
                id: "01012345".into(),
                person: "A. de Vries".into(),
                organisation: "Huisartsenpraktijk De Linde".into(),
            },
            recipient: Party {
                id: "500012345@lms.lifeline.nl".into(),
                person: "Huisartsenpraktijk De Linde".into(),
                organisation: "Huisartsenpraktijk De Linde".into(),
            },
            patient: MedvriPatient {
                bsn: Bsn::parse("999911120").unwrap(),
                family_name: "de Vries".into(),
                given_names: "Jan Willem".into(),
                birth_date: date!(1950 - 03 - 04),
                gender: Gender::Male,
                address: Some(Address { street: "Dorpsstraat 1".into(), postal_code: "3511 AA".into(), city: "Utrecht".into() }),
                phone: Some("030-1234567".into()),
            },
            lines,
        }
    }

    fn segments_of(medvri: &Medvri) -> Vec<String> {
        medvri.to_edifact().unwrap().split("\r\n").filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    fn find<'a>(segments: &'a [String], tag: &str) -> &'a str {
        segments.iter().find(|s| s.starts_with(tag)).map(String::as_str).unwrap_or_default()
    }

    #[test]
    fn chat_6_the_interchange_has_its_envelope_counts_and_patient() {
        let segments = segments_of(&sample(vec!["Gesprek: Medicatie".into(), "Alles goed.".into()]));
        assert_eq!(segments[0], "UNA:+.? '");
        assert_eq!(segments[1], "UNB+UNOC:1+01012345+500012345@lms.lifeline.nl+261125:1405+K20261125A1'");
        assert_eq!(segments[2], "UNH+K20261125A1+MEDVRI:1'");
        assert_eq!(segments[3], "GGA+A. de Vries++Huisartsenpraktijk De Linde'");
        assert_eq!(segments[4], "DET+26:11:25+14:05'");
        assert_eq!(segments[5], "PID+1950:03:04+M+Vries:de:::Jan:J.W.++BSN999911120'");
        assert_eq!(segments[6], "PAD+Dorpsstraat:1::Utrecht:3511AA+030-1234567'");
        assert_eq!(segments[7], "TXT:1+Gesprek?: Medicatie'");
        assert_eq!(segments[8], "TXT:2+Alles goed.'");
        assert_eq!(segments[9], "GGO+Huisartsenpraktijk De Linde++Huisartsenpraktijk De Linde'");
        // UNT counts UNH..UNT: UNH GGA DET PID PAD TXT TXT GGO UNT = 9.
        assert_eq!(segments[10], "UNT+9+K20261125A1'");
        assert_eq!(segments[11], "UNZ+1+K20261125A1'");
    }

    #[test]
    fn chat_6_a_value_ending_in_plus_keeps_its_segment_terminator() {
        let mut medvri = sample(vec!["Bloedgroep: A+".into(), "+".into(), "vraag?".into()]);
        medvri.recipient.organisation = "Praktijk A+".into();
        medvri.patient.phone = Some("+31 30 1234567 +".into());
        let segments = segments_of(&medvri);
        for segment in &segments[1..] {
            // The terminator is the only unreleased `'`, and it is the last character.
            let mut released = false;
            let ends: Vec<usize> = segment
                .char_indices()
                .filter(|(_, c)| {
                    let end = *c == '\'' && !released;
                    released = *c == '?' && !released;
                    end
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(ends, vec![segment.len() - 1], "{segment}");
        }
        assert_eq!(find(&segments, "TXT:1"), "TXT:1+Bloedgroep?: A?+'");
        assert_eq!(find(&segments, "TXT:2"), "TXT:2+?+'");
        assert_eq!(find(&segments, "TXT:3"), "TXT:3+vraag??'");
        assert_eq!(find(&segments, "GGO"), "GGO+Huisartsenpraktijk De Linde++Praktijk A?+'");
        assert_eq!(find(&segments, "PAD"), "PAD+Dorpsstraat:1::Utrecht:3511AA+?+31 30 1234567 ?+'");
    }

    #[test]
    fn chat_6_det_has_the_date_and_the_time_as_two_composites() {
        let medvri = Medvri { written_at: datetime!(2027-01-02 03:04), ..sample(vec![]) };
        let segments = segments_of(&medvri);
        assert_eq!(find(&segments, "DET"), "DET+27:01:02+03:04'");
        assert!(find(&segments, "UNB").contains("+270102:0304+"));
    }

    #[test]
    fn chat_6_pid_and_pad_put_each_part_in_its_own_component() {
        let mut medvri = sample(vec![]);
        medvri.patient.family_name = "van der Berg".into();
        medvri.patient.given_names = "M.".into();
        medvri.patient.gender = Gender::Female;
        medvri.patient.address =
            Some(Address { street: "Lindelaan 27 a".into(), postal_code: "3581 CD".into(), city: "Utrecht".into() });
        medvri.patient.phone = None;
        let segments = segments_of(&medvri);
        assert_eq!(find(&segments, "PID"), "PID+1950:03:04+V+Berg:van der::::M.++BSN999911120'");
        assert_eq!(find(&segments, "PAD"), "PAD+Lindelaan:27 a::Utrecht:3581CD'");

        medvri.patient.address =
            Some(Address { street: "Dorpsstraat 1".into(), postal_code: "3511 AA".into(), city: " ".into() });
        assert_eq!(find(&segments_of(&medvri), "PAD"), "", "no PAD without the city it requires");
        medvri.patient.address = None;
        medvri.patient.phone = Some("06-12345678".into());
        assert_eq!(find(&segments_of(&medvri), "PAD"), "", "no PAD for a phone alone: the address is required");
    }

    #[test]
    fn chat_6_fields_are_cut_to_the_lengths_of_the_spec() {
        let mut medvri = sample(vec![]);
        medvri.sender.person = "P".repeat(50);
        medvri.sender.organisation = "O".repeat(80);
        medvri.patient.family_name = format!("van {}", "V".repeat(40));
        medvri.patient.given_names = format!("{} Bert Cees Dirk Evert", "A".repeat(20));
        medvri.patient.address =
            Some(Address { street: format!("{} 12", "S".repeat(40)), postal_code: "3511AA".into(), city: "C".repeat(30) });
        let segments = segments_of(&medvri);
        assert_eq!(find(&segments, "GGA"), format!("GGA+{}++{}'", "P".repeat(40), "O".repeat(70)));
        assert_eq!(
            find(&segments, "PID"),
            format!("PID+1950:03:04+M+{}:van:::{}:A.B.C.D.++BSN999911120'", "V".repeat(30), "A".repeat(12))
        );
        assert_eq!(find(&segments, "PAD"), format!("PAD+{}:12::{}:3511AA+030-1234567'", "S".repeat(30), "C".repeat(20)));
    }

    #[test]
    fn chat_6_a_missing_practice_or_sender_name_never_leaves_a_required_element_empty() {
        let mut medvri = sample(vec![]);
        medvri.recipient.person = String::new();
        medvri.recipient.organisation = " ".into();
        medvri.sender.person = String::new();
        let segments = segments_of(&medvri);
        assert_eq!(find(&segments, "GGO"), "GGO+Huisarts'");
        assert_eq!(find(&segments, "GGA"), "GGA+Huisartsenpraktijk De Linde++Huisartsenpraktijk De Linde'");
        medvri.sender.organisation = String::new();
        assert_eq!(find(&segments_of(&medvri), "GGA"), "GGA+Kring'");
        assert_eq!(find(&segments_of(&medvri), "TXT"), "TXT:1+ '", "an empty text still has its one TXT");
    }

    #[test]
    fn chat_6_interchange_addresses_longer_than_35_are_refused_not_cut() {
        let mut medvri = sample(vec![]);
        medvri.recipient.id = format!("{}@lms.lifeline.nl", "5".repeat(20));
        assert_eq!(medvri.to_edifact(), Err(MedvriError::BadRecipientId));
        medvri.recipient.id = format!("{}@lms.lifeline.nl", "5".repeat(19));
        assert!(medvri.to_edifact().is_ok(), "35 characters fit");
        medvri.sender.id = String::new();
        assert_eq!(medvri.to_edifact(), Err(MedvriError::BadSenderId));
    }

    #[test]
    fn chat_6_service_characters_are_released_and_text_is_latin_1() {
        let medvri = sample(vec!["Dosis 2+1: 'avond'? Ja.".into(), "Ærø 😀 Łódź".into()]);
        let text = medvri.to_edifact().unwrap();
        assert!(text.contains("TXT:1+Dosis 2?+1?: ?'avond?'?? Ja.'"), "{text}");
        assert!(text.contains("TXT:2+Ærø _ Lódz'"), "{text}");
        let bytes = medvri.to_bytes().unwrap();
        assert!(bytes.contains(&0xC6), "Æ is one Latin-1 byte");
        assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
        assert!(bytes.starts_with(b"UNA:+.? '\r\nUNB+"), "segments end in CRLF");
    }

    #[test]
    fn chat_6_long_lines_wrap_at_70_on_words_and_empty_lines_stay() {
        let long = "woord ".repeat(30);
        let text = sample(vec![long.trim().into(), String::new(), "x".repeat(150)]).to_edifact().unwrap();
        let txt: Vec<&str> = text.split("\r\n").filter(|s| s.starts_with("TXT")).collect();
        assert!(txt.iter().all(|s| s.split_once('+').unwrap().1.chars().count() <= TXT_WIDTH + 1), "{txt:?}");
        assert_eq!(txt.len(), 3 + 1 + 3, "{txt:?}");
        assert!(txt.contains(&"TXT:4+ '"), "the empty line stays: {txt:?}");
        assert_eq!(txt[6], format!("TXT:7+{}'", "x".repeat(10)));
        let bad = Medvri { reference: "ref-1".into(), ..sample(vec![]) };
        assert_eq!(bad.to_edifact(), Err(MedvriError::BadReference));
    }
}
