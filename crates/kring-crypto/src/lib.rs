//! Kring's key hierarchy, built only from vetted crates (argon2, hkdf, chacha20poly1305,
//! crypto_box, ed25519-dalek). No home-made primitives.
//!
//! The password never leaves the client: it is stretched with Argon2id (parameters travel with
//! the salt) into a master secret, which HKDF splits into an `auth_key` (sent to the server,
//! which stores only an Argon2id hash of it) and a `kek` (never leaves the client; it seals the
//! user's private keys). Users' key pairs and vaults are in [`keys`]; `docs/security.md` describes
//! the whole hierarchy once issue 3 lands.
//!
//! This crate knows nothing of networking, storage or the UI.

pub mod jws;
pub mod keys;
mod login;
pub mod otp;

pub use keys::{
    open_with_key, seal_with_key, EncryptionKeyPair, EncryptionPublicKey, SigningKeyPair, SigningPublicKey, UserKeys, Vault,
    SEALED_VAULT_SECRET_LEN,
};
pub use login::{derive_login_keys, AuthKey, AuthKeyVerifier, KdfParams, Kek, LoginKeys, Salt};

use thiserror::Error;

/// What can go wrong in key derivation or verification.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("key-derivation parameters out of range: {0}")]
    InvalidParams(String),
    #[error("malformed key material: {0}")]
    Malformed(&'static str),
    #[error("key derivation failed")]
    Derivation,
    #[error("sealing failed")]
    Sealing,
    #[error("cannot open: wrong key, or the data was altered")]
    Opening,
    #[error("the signature does not match the author and content")]
    BadSignature,
}
