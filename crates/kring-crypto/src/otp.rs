//! One-time login codes (ACC-1): six random digits, stored only as a keyed hash, compared in
//! constant time. Expiry, single use and attempt limits are workflow rules in kring-domain
//! (`second_factor`); this module only makes and checks codes.

use crate::CryptoError;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A fresh code: six digits, uniformly random (leading zeros included), e.g. "046913".
pub fn generate_code() -> Zeroizing<String> {
    let number: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    Zeroizing::new(format!("{number:06}"))
}

/// The keyed hash the server stores instead of the code. `key` is a server secret, so a copy of
/// the database does not let anyone test the million possible codes offline; `challenge` binds
/// the hash to one login attempt.
pub fn code_hash(key: &[u8], challenge: &[u8], code: &str) -> Result<[u8; 32], CryptoError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| CryptoError::Malformed("code key"))?;
    mac.update(challenge);
    mac.update(b"|");
    mac.update(normalise(code).as_bytes());
    Ok(mac.finalize().into_bytes().into())
}

/// Whether `code` (as typed: spaces and dashes allowed) matches the stored hash, in constant time.
pub fn code_matches(key: &[u8], challenge: &[u8], code: &str, stored: &[u8; 32]) -> Result<bool, CryptoError> {
    Ok(code_hash(key, challenge, code)?.ct_eq(stored).into())
}

/// People type "123 456" or "123-456" from an SMS; only the digits count.
fn normalise(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_1_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| generate_code().to_string()).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit())));
        assert!(codes.len() > 190, "200 draws from a million should hardly repeat");
    }

    #[test]
    fn acc_1_a_code_matches_only_its_own_challenge_and_key() {
        let stored = code_hash(b"server secret", b"challenge-1", "046913").unwrap();
        let matches = |key: &[u8], challenge: &[u8], code| code_matches(key, challenge, code, &stored).unwrap();
        assert!(matches(b"server secret", b"challenge-1", "046913"));
        assert!(matches(b"server secret", b"challenge-1", " 046-913 "), "typed with separators");
        assert!(!matches(b"server secret", b"challenge-1", "046914"));
        assert!(!matches(b"server secret", b"challenge-2", "046913"), "bound to the login attempt");
        assert!(!matches(b"other secret", b"challenge-1", "046913"), "keyed by the server");
    }
}
