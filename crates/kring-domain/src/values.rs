//! Validated values. Parse, don't validate: each type's only constructor checks the rule, so
//! holding a `Bsn` proves the number passed the 11-proef.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// The most characters of a person's name part (first name, surname, infix) or a short label.
pub const MAX_NAME_CHARS: usize = 100;

/// A short line of plain text as typed (a name, an id from another system): trimmed, at most
/// `max` characters, and without control characters (a NUL is refused by PostgreSQL and, on
/// SQLite, would be stored; newlines and escapes have no place in a name). Both stores get the
/// same text because the rule lives here.
pub fn plain_text(text: &str, max: usize) -> Result<&str, ValidationError> {
    let trimmed = text.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::ControlCharacters);
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::TooLong(max));
    }
    Ok(trimmed)
}

/// Why a value was refused. `code()` is stable and is what the UI translates into Dutch.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("a BSN has 9 digits (8 with an implied leading zero)")]
    BsnLength,
    #[error("the BSN fails the 11-proef")]
    BsnChecksum,
    #[error("an AGB code has exactly 8 digits")]
    AgbFormat,
    #[error("not a Dutch phone number")]
    PhoneFormat,
    #[error("a Dutch phone number, but not a mobile one (06)")]
    PhoneNotMobile,
    #[error("not a valid e-mail address")]
    EmailFormat,
    #[error("longer than {0} characters")]
    TooLong(usize),
    #[error("contains control characters")]
    ControlCharacters,
}

impl ValidationError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BsnLength => "bsn_length",
            Self::BsnChecksum => "bsn_checksum",
            Self::AgbFormat => "agb_format",
            Self::TooLong(_) => "too_long",
            Self::ControlCharacters => "control_characters",
            Self::PhoneFormat => "phone_format",
            Self::PhoneNotMobile => "phone_not_mobile",
            Self::EmailFormat => "email_format",
        }
    }
}

/// Serde goes through the checked constructor: `try_from = "String"` on each type below.
macro_rules! string_value {
    ($($name:ident),+) => {$(
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    )+};
}

string_value!(Bsn, AgbCode, MobileNumber, Email);

fn digits_only(input: &str, allowed_separators: &[char]) -> Option<String> {
    let cleaned: String = input.chars().filter(|c| !allowed_separators.contains(c)).collect();
    cleaned.chars().all(|c| c.is_ascii_digit()).then_some(cleaned)
}

/// Burgerservicenummer: the Dutch citizen service number, checked with the 11-proef.
///
/// Deliberately no `Display`: a BSN must never end up in a log line by accident. Use
/// `expose()` where the number is really needed (a keyed hash, a sealed record).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Bsn(String);

impl Bsn {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let digits = digits_only(input.trim(), &[' ', '.', '-']).ok_or(ValidationError::BsnLength)?;
        let digits = match digits.len() {
            9 => digits,
            8 => format!("0{digits}"),
            _ => return Err(ValidationError::BsnLength),
        };
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let weighted: i64 =
            d[..8].iter().zip((2..=9).rev()).map(|(digit, weight)| i64::from(*digit) * weight).sum::<i64>() - i64::from(d[8]);
        if weighted == 0 || weighted % 11 != 0 {
            return Err(ValidationError::BsnChecksum);
        }
        Ok(Self(digits))
    }

    /// The nine digits. Call sites are few and reviewed: hashing, sealing, and the MEDVRI for
    /// the HIS (CHAT-6).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(***)")
    }
}

/// AGB code: the 8-digit Vektis registration of a care provider or practice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct AgbCode(String);

impl AgbCode {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let digits = digits_only(input.trim(), &[' ']).ok_or(ValidationError::AgbFormat)?;
        if digits.len() != 8 {
            return Err(ValidationError::AgbFormat);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgbCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Dutch mobile number (06…), kept in E.164 form: `+316XXXXXXXX`. Used only to send one-time
/// login codes by SMS, so a landline is refused with its own error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        let (international, rest) = if let Some(rest) = trimmed.strip_prefix('+') {
            (true, rest)
        } else if let Some(rest) = trimmed.strip_prefix("00") {
            (true, rest)
        } else {
            (false, trimmed)
        };
        let digits = digits_only(rest, &[' ', '-', '(', ')', '.']).ok_or(ValidationError::PhoneFormat)?;
        let national = if international {
            let national = digits.strip_prefix("31").ok_or(ValidationError::PhoneFormat)?;
            // "+31 (0)6 …" is common in e-mail signatures.
            national.strip_prefix('0').unwrap_or(national).to_owned()
        } else {
            digits.strip_prefix('0').ok_or(ValidationError::PhoneFormat)?.to_owned()
        };
        if national.len() != 9 {
            return Err(ValidationError::PhoneFormat);
        }
        if !national.starts_with('6') || national.starts_with("66") {
            // 066 numbers are pagers, not phones that receive SMS.
            return Err(ValidationError::PhoneNotMobile);
        }
        Ok(Self(format!("+31{national}")))
    }

    pub fn e164(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address: one `@`, a non-empty local part, a domain with a dot, no spaces. The
/// domain is lower-cased; the local part is kept as typed (it may be case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        let (local, domain) = trimmed.rsplit_once('@').ok_or(ValidationError::EmailFormat)?;
        let domain_ok = domain.len() >= 3
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        if !domain_ok || !local_ok || trimmed.len() > 254 {
            return Err(ValidationError::EmailFormat);
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(plain_text("  Jansen ", MAX_NAME_CHARS), Ok("Jansen"));
        assert_eq!(plain_text("Yılmaz-Çelik", MAX_NAME_CHARS), Ok("Yılmaz-Çelik"));
        assert_eq!(plain_text(&"a".repeat(900_000), MAX_NAME_CHARS), Err(ValidationError::TooLong(MAX_NAME_CHARS)));
        assert_eq!(plain_text(&"é".repeat(MAX_NAME_CHARS), MAX_NAME_CHARS).map(|t| t.chars().count()), Ok(MAX_NAME_CHARS));
        assert_eq!(plain_text("Jan\0sen", MAX_NAME_CHARS), Err(ValidationError::ControlCharacters));
        assert_eq!(plain_text("Jan\nsen", MAX_NAME_CHARS), Err(ValidationError::ControlCharacters));
        assert_eq!(plain_text("a\u{1b}[31mb", MAX_NAME_CHARS), Err(ValidationError::ControlCharacters));
        assert_eq!(plain_text("a\u{85}b", MAX_NAME_CHARS), Err(ValidationError::ControlCharacters));
    }

    #[test]
    fn bsn_accepts_valid_test_numbers_and_normalises_formatting() {
        for input in ["111222333", "123456782", "1112.22.333", " 999 993 653 "] {
            assert!(Bsn::parse(input).is_ok(), "{input} should pass the 11-proef");
        }
        // Eight digits: an implied leading zero (old numbers printed without it).
        assert_eq!(Bsn::parse("12345672").map(|b| b.expose().to_owned()), Ok("012345672".into()));
    }

    #[test]
    fn bsn_refuses_wrong_checksum_length_and_all_zeros() {
        assert_eq!(Bsn::parse("111222334"), Err(ValidationError::BsnChecksum));
        assert_eq!(Bsn::parse("123456789"), Err(ValidationError::BsnChecksum));
        assert_eq!(Bsn::parse("000000000"), Err(ValidationError::BsnChecksum));
        assert_eq!(Bsn::parse("1234567"), Err(ValidationError::BsnLength));
        assert_eq!(Bsn::parse("1234567890"), Err(ValidationError::BsnLength));
        assert_eq!(Bsn::parse("12345678a"), Err(ValidationError::BsnLength));
        assert_eq!(Bsn::parse(""), Err(ValidationError::BsnLength));
    }

    #[test]
    fn bsn_never_shows_its_digits_in_debug_output() {
        let bsn = Bsn::parse("111222333").unwrap();
        assert!(!format!("{bsn:?}").contains("111"));
    }

    #[test]
    fn every_single_digit_typo_in_a_bsn_is_caught() {
        let valid = "111222333";
        for position in 0..9 {
            for replacement in b'0'..=b'9' {
                let mut bytes = valid.as_bytes().to_vec();
                if bytes[position] == replacement {
                    continue;
                }
                bytes[position] = replacement;
                let typo = String::from_utf8(bytes).unwrap();
                assert!(Bsn::parse(&typo).is_err(), "{typo} should fail");
            }
        }
    }

    #[test]
    fn agb_code_is_exactly_eight_digits() {
        assert_eq!(AgbCode::parse("01234567").map(|a| a.to_string()), Ok("01234567".into()));
        assert_eq!(AgbCode::parse("0123 4567").map(|a| a.to_string()), Ok("01234567".into()));
        assert_eq!(AgbCode::parse("1234567"), Err(ValidationError::AgbFormat));
        assert_eq!(AgbCode::parse("123456789"), Err(ValidationError::AgbFormat));
        assert_eq!(AgbCode::parse("1234567x"), Err(ValidationError::AgbFormat));
    }

    #[test]
    fn mobile_number_accepts_dutch_notations_and_stores_e164() {
        for input in ["0612345678", "06-12345678", "06 1234 5678", "+31612345678", "+31 (0)6 12345678", "0031612345678"] {
            assert_eq!(MobileNumber::parse(input).map(|m| m.e164().to_owned()), Ok("+31612345678".into()), "{input}");
        }
    }

    #[test]
    fn mobile_number_refuses_landlines_pagers_and_foreign_numbers() {
        assert_eq!(MobileNumber::parse("0201234567"), Err(ValidationError::PhoneNotMobile));
        assert_eq!(MobileNumber::parse("+31201234567"), Err(ValidationError::PhoneNotMobile));
        assert_eq!(MobileNumber::parse("0661234567"), Err(ValidationError::PhoneNotMobile));
        assert_eq!(MobileNumber::parse("+32470123456"), Err(ValidationError::PhoneFormat));
        assert_eq!(MobileNumber::parse("061234567"), Err(ValidationError::PhoneFormat));
        assert_eq!(MobileNumber::parse("06123456789"), Err(ValidationError::PhoneFormat));
        assert_eq!(MobileNumber::parse("bel me"), Err(ValidationError::PhoneFormat));
    }

    #[test]
    fn email_requires_local_part_and_dotted_domain() {
        assert_eq!(Email::parse(" J.Jansen@Praktijk-Delft.NL ").map(|e| e.to_string()), Ok("J.Jansen@praktijk-delft.nl".into()));
        assert_eq!(Email::parse("j@praktijk.nl").map(|e| e.domain().to_owned()), Ok("praktijk.nl".into()));
        for bad in ["", "jansen", "@praktijk.nl", "jansen@", "jansen@nl", "jan sen@praktijk.nl", "j@a..nl", "j@.nl"] {
            assert_eq!(Email::parse(bad), Err(ValidationError::EmailFormat), "{bad:?}");
        }
    }

    #[test]
    fn values_refuse_invalid_input_when_deserialised() {
        assert!(serde_json::from_str::<Bsn>("\"111222334\"").is_err());
        assert!(serde_json::from_str::<Email>("\"geen-adres\"").is_err());
        let agb: AgbCode = serde_json::from_str("\"01234567\"").unwrap();
        assert_eq!(serde_json::to_string(&agb).unwrap(), "\"01234567\"");
    }
}
