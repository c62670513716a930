//! EDIFACT MEDVRI: the Dutch free-text medical message ("vrij medisch bericht") a HIS imports
//! into the patient's record. Kring writes a conversation's transcript as one MEDVRI
//! interchange when a caregiver sends it back to the HIS (CHAT-6); `docs/medvri.md` describes
//! the layout segment by segment.
//!
//! Character set UNOC (ISO 8859-1): the text is encoded as Latin-1, and characters outside it
//! are written as their nearest Latin-1 form (ı -> i, “ -> ") or `_`. The release character `?`
//! escapes `+ : ' ?` in every value. Free text is cut into TXT segments of at most
//! [`TXT_WIDTH`] characters on word boundaries.

use crate::patient::{Address, Gender};
use crate::values::Bsn;
use time::{Date, PrimitiveDateTime};

/// The longest free-text line in one TXT segment (data element 4440, an..70).
pub const TXT_WIDTH: usize = 70;
/// The most TXT segments one message carries; a longer transcript is refused, not cut.
pub const MAX_TXT_SEGMENTS: usize = 9_000;

/// Who sends or receives: an identification (AGB code or ZorgMail address), a person and the
/// organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub person: String,
    pub organisation: String,
}

/// The patient the message is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedvriPatient {
    pub bsn: Bsn,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: Date,
    pub gender: Gender,
    pub address: Option<Address>,
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
    #[error("the text needs more than {MAX_TXT_SEGMENTS} TXT segments")]
    TooLong,
}

impl Medvri {
    /// The interchange as text, one segment per line (`'` then CRLF).
    pub fn to_edifact(&self) -> Result<String, MedvriError> {
        let reference = &self.reference;
        if reference.is_empty() || reference.len() > 14 || !reference.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(MedvriError::BadReference);
        }
        let mut txt = Vec::new();
        for line in &self.lines {
            txt.extend(wrap(&latin1(line), TXT_WIDTH));
        }
        if txt.len() > MAX_TXT_SEGMENTS {
            return Err(MedvriError::TooLong);
        }
        let at = self.written_at;
        let patient = &self.patient;
        let mut message: Vec<String> = vec![
            segment("UNH", &[&[reference], &["MEDVRI", "1", "1", "NL"]]),
            segment("GGA", &[&[&self.sender.person], &[], &[&self.sender.organisation]]),
            segment("DET", &[&[&format!("{:04}{:02}{:02}", at.year(), u8::from(at.month()), at.day()), &format!("{:02}{:02}", at.hour(), at.minute())]]),
            segment(
                "PID",
                &[
                    &[&format!("{:04}{:02}{:02}", patient.birth_date.year(), u8::from(patient.birth_date.month()), patient.birth_date.day())],
                    &[gender_code(patient.gender)],
                    &[&patient.family_name, &patient.given_names],
                    &[],
                    &[patient.bsn.expose()],
                ],
            ),
        ];
        if let Some(address) = &patient.address {
            message.push(segment("PAD", &[&[&address.street], &[&address.postal_code.replace(' ', "")], &[&address.city]]));
        }
        message.extend(txt.iter().map(|line| segment("TXT", &[&[line]])));
        message.push(segment("GGO", &[&[&self.recipient.person], &[], &[&self.recipient.organisation]]));
        // UNT counts the segments from UNH to UNT, both included.
        let count = (message.len() + 1).to_string();
        message.push(segment("UNT", &[&[&count], &[reference]]));
        let header = segment(
            "UNB",
            &[
                &["UNOC", "1"],
                &[&self.sender.id],
                &[&self.recipient.id],
                &[&format!("{:02}{:02}{:02}", at.year() % 100, u8::from(at.month()), at.day()), &format!("{:02}{:02}", at.hour(), at.minute())],
                &[reference],
            ],
        );
        let trailer = segment("UNZ", &[&["1"], &[reference]]);
        let mut out = String::from("UNA:+.? '\r\n");
        for segment in std::iter::once(&header).chain(&message).chain(std::iter::once(&trailer)) {
            out.push_str(segment);
            out.push_str("\r\n");
        }
        Ok(out)
    }

    /// The interchange as bytes in its character set (ISO 8859-1).
    pub fn to_bytes(&self) -> Result<Vec<u8>, MedvriError> {
        // Every value went through `latin1` in `segment`, so each character fits one byte.
        Ok(self.to_edifact()?.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'_')).collect())
    }
}

/// One segment: tag, then data elements separated by `+`, components by `:`, values escaped.
fn segment(tag: &str, elements: &[&[&str]]) -> String {
    let mut out = tag.to_owned();
    for element in elements {
        out.push('+');
        let components: Vec<String> = element.iter().map(|value| escape(&latin1(value))).collect();
        out.push_str(&components.join(":"));
    }
    // Trailing empty elements are left out.
    while out.ends_with('+') {
        out.pop();
    }
    out.push('\'');
    out
}

/// Put the release character before every service character.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '?' | '+' | ':' | '\'') {
            out.push('?');
        }
        // Line breaks inside a value would break the one-segment-per-line layout.
        out.push(if c == '\r' || c == '\n' { ' ' } else { c });
    }
    out
}

/// The text with every character in ISO 8859-1: nearest form, else `_`.
pub fn latin1(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if u32::from(c) < 0x100 && !c.is_control() => out.push(c),
            '\n' | '\r' | '\t' => out.push(' '),
            'ı' => out.push('i'),
            'İ' => out.push('I'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'ş' | 'ș' => out.push('s'),
            'Ş' | 'Ș' => out.push('S'),
            'ğ' => out.push('g'),
            'ć' | 'č' => out.push('c'),
            'Č' | 'Ć' => out.push('C'),
            'ž' => out.push('z'),
            'Ž' => out.push('Z'),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            '‘' | '’' | '‚' => out.push('\''),
            '“' | '”' | '„' => out.push('"'),
            '–' | '—' => out.push('-'),
            '…' => out.push_str("..."),
            '€' => out.push_str("EUR"),
            _ => out.push('_'),
        }
    }
    out
}

/// Cut a line into pieces of at most `width` characters, on spaces where possible. An empty
/// line stays a line, so paragraphs survive.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let mut word = word.to_owned();
        loop {
            let needed = current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
            if needed <= width {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            // A word longer than a line is cut.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            pieces.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    if pieces.is_empty() {
        // TXT's text is mandatory: an empty line travels as one space.
        pieces.push(" ".into());
    }
    pieces
}

fn gender_code(gender: Gender) -> &'static str {
    match gender {
        Gender::Male => "M",
        Gender::Female => "V",
        Gender::Other | Gender::Unknown => "O",
    }
}

/// Local Dutch time (CET/CEST, EU rules: summer time from the last Sunday of March 01:00 UTC to
/// the last Sunday of October 01:00 UTC) without depending on the machine's time zone.
pub fn dutch_time(at: time::OffsetDateTime) -> PrimitiveDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let year = utc.year();
    let last_sunday = |month: time::Month| -> Option<time::OffsetDateTime> {
        let mut day = Date::from_calendar_date(year, month, month.length(year)).ok()?;
        while day.weekday() != time::Weekday::Sunday {
            day = day.previous_day()?;
        }
        Some(day.with_hms(1, 0, 0).ok()?.assume_utc())
    };
    let summer = match (last_sunday(time::Month::March), last_sunday(time::Month::October)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    };
    let hours = if summer { 2 } else { 1 };
    let local = utc + time::Duration::hours(hours);
    PrimitiveDateTime::new(local.date(), local.time())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn sample(lines: Vec<String>) -> Medvri {
        Medvri {
            reference: "K20261125A1".into(),
            written_at: datetime!(2026-11-25 14:05),
            sender: Party { id: "01012345".into(), person: "A. de Vries".into(), organisation: "Huisartsenpraktijk De Linde".into() },
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
            },
            lines,
        }
    }

    #[test]
    fn chat_6_the_interchange_has_its_envelope_counts_and_patient() {
        let text = sample(vec!["Gesprek: Medicatie".into(), "Alles goed.".into()]).to_edifact().unwrap();
        let segments: Vec<&str> = text.split("\r\n").filter(|s| !s.is_empty()).collect();
        assert_eq!(segments[0], "UNA:+.? '");
        assert_eq!(segments[1], "UNB+UNOC:1+01012345+500012345@lms.lifeline.nl+261125:1405+K20261125A1'");
        assert_eq!(segments[2], "UNH+K20261125A1+MEDVRI:1:1:NL'");
        assert_eq!(segments[3], "GGA+A. de Vries++Huisartsenpraktijk De Linde'");
        assert_eq!(segments[4], "DET+20261125:1405'");
        assert_eq!(segments[5], "PID+19500304+M+de Vries:Jan Willem++999911120'");
        assert_eq!(segments[6], "PAD+Dorpsstraat 1+3511AA+Utrecht'");
        assert_eq!(segments[7], "TXT+Gesprek?: Medicatie'");
        assert_eq!(segments.last(), Some(&"UNZ+1+K20261125A1'"));
        // UNT counts UNH..UNT: UNH GGA DET PID PAD TXT TXT GGO UNT = 9.
        assert_eq!(segments[segments.len() - 2], "UNT+9+K20261125A1'");
    }

    #[test]
    fn chat_6_service_characters_are_released_and_text_is_latin_1() {
        assert_eq!(escape("a+b:c'd?e"), "a?+b?:c?'d??e");
        assert_eq!(latin1("Yılmaz “Çok” – 5 €"), "Yilmaz \"Çok\" - 5 EUR");
        let medvri = sample(vec!["Dosis 2+1: 'avond'? Ja.".into(), "Ærø 😀".into()]);
        let text = medvri.to_edifact().unwrap();
        assert!(text.contains("TXT+Dosis 2?+1?: ?'avond?'?? Ja.'"), "{text}");
        assert!(text.contains("TXT+Ærø _'"), "{text}");
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
        assert!(txt.iter().all(|s| s.chars().count() <= "TXT+".len() + TXT_WIDTH + 1), "{txt:?}");
        assert_eq!(txt.len(), 3 + 1 + 3, "{txt:?}");
        assert!(txt.contains(&"TXT+ '"), "the empty line stays: {txt:?}");
        assert!(sample(vec![]).to_edifact().is_ok());
        let bad = Medvri { reference: "ref-1".into(), ..sample(vec![]) };
        assert_eq!(bad.to_edifact(), Err(MedvriError::BadReference));
    }

    #[test]
    fn chat_6_dutch_time_follows_summer_and_winter_time() {
        assert_eq!(dutch_time(datetime!(2026-11-25 13:05 UTC)), datetime!(2026-11-25 14:05));
        assert_eq!(dutch_time(datetime!(2026-07-01 13:05 UTC)), datetime!(2026-07-01 15:05));
        // 2026: summer time 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(dutch_time(datetime!(2026-03-29 00:59 UTC)), datetime!(2026-03-29 01:59));
        assert_eq!(dutch_time(datetime!(2026-03-29 01:00 UTC)), datetime!(2026-03-29 03:00));
        assert_eq!(dutch_time(datetime!(2026-10-25 00:59 UTC)), datetime!(2026-10-25 02:59));
        assert_eq!(dutch_time(datetime!(2026-10-25 01:00 UTC)), datetime!(2026-10-25 02:00));
    }
}
