//! Password -> Argon2id -> HKDF -> (`auth_key`, `kek`), and the server's hash of `auth_key`.

use crate::CryptoError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const KEY_LEN: usize = 32;
const SALT_LEN: usize = 16;

/// Argon2id cost parameters, stored with each user's salt so they can be raised later without
/// locking anyone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// For real accounts: 128 MiB, 4 passes, 1 lane. About 0.43 s per login or unlock on a
    /// 2-core practice workstation (docs/performance.md): inside the 0.3–1 s band where guessing
    /// is expensive and people do not wait.
    pub const INTERACTIVE: KdfParams = KdfParams { m_cost: 128 * 1024, t_cost: 4, p_cost: 1 };

    /// Cheap parameters for tests and throwaway demo data only.
    pub const TESTING: KdfParams = KdfParams { m_cost: 1024, t_cost: 1, p_cost: 1 };

    /// Refuse absurd values: a hostile server could send them to make a client hang or exhaust
    /// memory, a broken client could store them.
    pub fn validate(&self) -> Result<(), CryptoError> {
        if self.m_cost > 1024 * 1024 || self.t_cost > 16 || self.p_cost > 8 {
            return Err(CryptoError::InvalidParams(format!("{self:?}")));
        }
        Params::new(self.m_cost, self.t_cost, self.p_cost, Some(KEY_LEN))
            .map_err(|e| CryptoError::InvalidParams(e.to_string()))?;
        Ok(())
    }

    fn argon2(&self) -> Result<Argon2<'static>, CryptoError> {
        self.validate()?;
        let params = Params::new(self.m_cost, self.t_cost, self.p_cost, Some(KEY_LEN))
            .map_err(|e| CryptoError::InvalidParams(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// A per-user random salt, 16 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Salt([u8; SALT_LEN]);

impl Salt {
    pub fn random() -> Self {
        let mut bytes = [0u8; SALT_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A salt that depends only on `seed`: the server answers an unknown username with one, so a
    /// stranger cannot tell which usernames exist.
    pub fn decoy(seed: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(None, seed);
        let mut bytes = [0u8; SALT_LEN];
        // 16 bytes is far below HKDF's output limit, so this cannot fail.
        let _ = hk.expand(b"kring decoy salt v1", &mut bytes);
        Self(bytes)
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let bytes = B64.decode(text).map_err(|_| CryptoError::Malformed("salt"))?;
        Ok(Self(bytes.try_into().map_err(|_| CryptoError::Malformed("salt length"))?))
    }
}

/// The key that proves knowledge of the password to the server. Sent at login; the server keeps
/// only an Argon2id hash of it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AuthKey([u8; KEY_LEN]);

impl AuthKey {
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(B64.encode(self.0))
    }

    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(B64.decode(text).map_err(|_| CryptoError::Malformed("auth key"))?);
        let array: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| CryptoError::Malformed("auth key length"))?;
        Ok(Self(array))
    }
}

impl std::fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKey(***)")
    }
}

/// Key-encryption key: seals the user's private keys. Never leaves the client.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Kek([u8; KEY_LEN]);

impl Kek {
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A key from raw bytes (tests try stored bytes as keys to prove none opens anything).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(***)")
    }
}

/// The two keys a password yields.
#[derive(Debug)]
pub struct LoginKeys {
    pub auth_key: AuthKey,
    pub kek: Kek,
}

/// Stretch `password` with Argon2id and split the result with HKDF-SHA256.
pub fn derive_login_keys(password: &str, salt: &Salt, params: KdfParams) -> Result<LoginKeys, CryptoError> {
    let mut master = Zeroizing::new([0u8; KEY_LEN]);
    params.argon2()?.hash_password_into(password.as_bytes(), &salt.0, master.as_mut()).map_err(|_| CryptoError::Derivation)?;
    let hk = Hkdf::<Sha256>::from_prk(master.as_ref()).map_err(|_| CryptoError::Derivation)?;
    let mut auth_key = AuthKey([0u8; KEY_LEN]);
    let mut kek = Kek([0u8; KEY_LEN]);
    hk.expand(b"kring auth_key v1", &mut auth_key.0).map_err(|_| CryptoError::Derivation)?;
    hk.expand(b"kring kek v1", &mut kek.0).map_err(|_| CryptoError::Derivation)?;
    Ok(LoginKeys { auth_key, kek })
}

/// The server side: an Argon2id PHC string of the `auth_key`, and its constant-time check.
///
/// `auth_key` already carries a full Argon2id stretch, so the server hash uses modest cost: its
/// job is that a stolen database does not hand out login keys, not to slow password guessing.
pub struct AuthKeyVerifier;

impl AuthKeyVerifier {
    const PARAMS: KdfParams = KdfParams { m_cost: 19 * 1024, t_cost: 2, p_cost: 1 };

    pub fn hash(auth_key: &AuthKey) -> Result<String, CryptoError> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Self::PARAMS.argon2()?.hash_password(&auth_key.0, &salt).map(|hash| hash.to_string()).map_err(|_| CryptoError::Derivation)
    }

    /// A verifier no password derives to: the account of an invited colleague, before they
    /// activate it, cannot be logged into.
    pub fn unusable() -> Result<String, CryptoError> {
        let mut key = AuthKey([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(&mut key.0);
        Self::hash(&key)
    }

    /// True when `auth_key` matches `phc`. The comparison inside argon2 is constant-time.
    pub fn verify(phc: &str, auth_key: &AuthKey) -> Result<bool, CryptoError> {
        let parsed = PasswordHash::new(phc).map_err(|_| CryptoError::Malformed("stored hash"))?;
        Ok(Argon2::default().verify_password(&auth_key.0, &parsed).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(password: &str, salt: &Salt) -> LoginKeys {
        derive_login_keys(password, salt, KdfParams::TESTING).unwrap()
    }

    #[test]
    fn same_password_and_salt_give_same_keys_on_any_device() {
        let salt = Salt::random();
        let a = keys("correct horse battery", &salt);
        let b = keys("correct horse battery", &salt);
        assert_eq!(a.auth_key.0, b.auth_key.0);
        assert_eq!(a.kek.0, b.kek.0);
    }

    #[test]
    fn auth_key_and_kek_are_independent_and_depend_on_password_and_salt() {
        let salt = Salt::random();
        let a = keys("correct horse battery", &salt);
        assert_ne!(a.auth_key.0, a.kek.0, "the server must not learn the kek from auth_key");
        assert_ne!(a.auth_key.0, keys("correct horse batterY", &salt).auth_key.0);
        assert_ne!(a.auth_key.0, keys("correct horse battery", &Salt::random()).auth_key.0);
    }

    #[test]
    fn server_hash_accepts_only_the_right_auth_key() {
        let salt = Salt::random();
        let right = keys("correct horse battery", &salt).auth_key;
        let wrong = keys("wrong horse battery", &salt).auth_key;
        let phc = AuthKeyVerifier::hash(&right).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(AuthKeyVerifier::verify(&phc, &right).unwrap());
        assert!(!AuthKeyVerifier::verify(&phc, &wrong).unwrap());
        assert!(AuthKeyVerifier::verify("not a hash", &right).is_err());
    }

    #[test]
    fn hostile_parameters_are_refused_before_any_work() {
        let huge = KdfParams { m_cost: 64 * 1024 * 1024, t_cost: 3, p_cost: 1 };
        assert!(matches!(derive_login_keys("x", &Salt::random(), huge), Err(CryptoError::InvalidParams(_))));
    }

    #[test]
    fn salts_and_auth_keys_round_trip_through_base64_and_reject_garbage() {
        let salt = Salt::random();
        assert_eq!(Salt::from_base64(&salt.to_base64()).unwrap(), salt);
        assert_eq!(Salt::decoy(b"jansen"), Salt::decoy(b"jansen"));
        assert_ne!(Salt::decoy(b"jansen"), Salt::decoy(b"jansens"));
        assert!(Salt::from_base64("!!").is_err());
        let key = keys("pw", &salt).auth_key;
        assert_eq!(AuthKey::from_base64(&key.to_base64()).unwrap().0, key.0);
        assert!(AuthKey::from_base64("AAAA").is_err());
        assert_eq!(format!("{key:?}"), "AuthKey(***)");
    }
}
