//! The password policy (ACC-2, PROF-2): what a new password must be. The password is also the key
//! to the user's encrypted data (ACC-3), so the rules lean to long passphrases over complexity.

use thiserror::Error;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why a new password is refused. `code()` is what the UI translates into Dutch.
#[derive(Debug, Clone, PartialEq, Eq, Error, strum::EnumIter)]
pub enum PasswordRejection {
    #[error("shorter than {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("one of the most common passwords")]
    Common,
    #[error("the same as, or built from, the username")]
    LikeUsername,
}

impl PasswordRejection {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "password_too_short",
            Self::Common => "password_common",
            Self::LikeUsername => "password_like_username",
        }
    }
}

/// Passwords (lower-cased) that attackers try first, including Dutch and care-sector favourites.
/// Short ones are already refused by length; this list holds what is 12 characters or longer.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "111111111111",
    "000000000000",
    "qwertyuiopas",
    "qwertyuiop123",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "azertyuiop12",
    "asdfghjkl123",
    "passwordpassword",
    "password1234",
    "password12345",
    "password123!",
    "p@ssw0rd1234",
    "iloveyou1234",
    "wachtwoord12",
    "wachtwoord123",
    "wachtwoord1234",
    "wachtwoord01!",
    "welkomwelkom",
    "welkom123456",
    "welkom012345",
    "welkomthuis1",
    "zomer2024zomer",
    "voorjaar2025!",
    "huisarts1234",
    "huisarts2024",
    "huisarts2025",
    "huisarts2026",
    "praktijk1234",
    "praktijk2025",
    "doktersassistent",
    "assistent123",
    "zorgverlener1",
    "verpleegkundige",
    "thuiszorg123",
    "ziekenhuis123",
    "nederland123",
    "amsterdam123",
    "rotterdam123",
    "feyenoord1908",
    "ajaxamsterdam",
    "letmein12345",
    "trustno1trustno1",
    "changeme1234",
    "administrator",
    "administrator1",
    "kringkring123",
    "welkom-bij-kring",
    "welkombijkring",
];

/// Check a new password for `username`. Case and surrounding spaces are ignored for the
/// comparisons; the length counts characters, not bytes (é is one).
pub fn check_new_password(password: &str, username: &str) -> Result<(), PasswordRejection> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordRejection::TooShort);
    }
    let lowered = password.trim().to_lowercase();
    let user = username.trim().to_lowercase();
    if !user.is_empty() {
        let without_user = lowered.replace(&user, "");
        // The username itself, or the username padded with digits and punctuation.
        if lowered == user || without_user.chars().all(|c| !c.is_alphabetic()) {
            return Err(PasswordRejection::LikeUsername);
        }
    }
    if COMMON.contains(&lowered.as_str()) {
        return Err(PasswordRejection::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_2_a_long_passphrase_is_accepted() {
        assert_eq!(check_new_password("fiets regen koffie tulp", "huisarts"), Ok(()));
        assert_eq!(check_new_password("Zorg-in-de-Wijk-7", "jansen"), Ok(()));
    }

    #[test]
    fn acc_2_short_passwords_are_refused_counting_characters_not_bytes() {
        assert_eq!(check_new_password("kort", "a"), Err(PasswordRejection::TooShort));
        assert_eq!(check_new_password("elf-tekens!", "a"), Err(PasswordRejection::TooShort));
        // 12 characters, more bytes: accepted on length.
        assert_eq!(check_new_password("éénéénéénéén", "a"), Ok(()));
    }

    #[test]
    fn acc_2_common_passwords_are_refused_whatever_the_case() {
        assert_eq!(check_new_password("Wachtwoord123", "huisarts"), Err(PasswordRejection::Common));
        assert_eq!(check_new_password("WELKOMWELKOM", "huisarts"), Err(PasswordRejection::Common));
        assert_eq!(check_new_password("Welkom-bij-Kring", "huisarts"), Err(PasswordRejection::Common));
    }

    #[test]
    fn acc_2_the_username_with_some_digits_is_not_a_password() {
        assert_eq!(check_new_password("wijkverpleging", "wijkverpleging"), Err(PasswordRejection::LikeUsername));
        assert_eq!(check_new_password("Huisarts2026!", "huisarts"), Err(PasswordRejection::LikeUsername));
        assert_eq!(check_new_password("huisarts-tulp-regen", "huisarts"), Ok(()), "more than the username");
    }

    #[test]
    fn every_rejection_has_a_stable_code() {
        let codes = [PasswordRejection::TooShort, PasswordRejection::Common, PasswordRejection::LikeUsername].map(|r| r.code());
        assert_eq!(codes, ["password_too_short", "password_common", "password_like_username"]);
    }
}
