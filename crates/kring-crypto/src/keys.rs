//! Users' key pairs, vaults and the three constructions everything is built from:
//!
//! - **sealed box** (libsodium `crypto_box_seal`, X25519 + XSalsa20-Poly1305): anyone with a
//!   public key can write to it; only the holder of the secret key reads. Used to write to a vault
//!   and to wrap a vault's secret key for each member.
//! - **XChaCha20-Poly1305** (libsodium `crypto_aead_xchacha20poly1305_ietf`): symmetric sealing
//!   with a random 24-byte nonce; used to seal a user's private keys with their `kek`.
//! - **Ed25519** signatures: every body is signed by its author, so who wrote what is provable.

use crate::CryptoError;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::Signer;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const NONCE_LEN: usize = 24;

/// Seal `plaintext` with a 32-byte key: `nonce || ciphertext || tag`. `context` is bound as
/// associated data, so a blob sealed for one purpose does not open as another.
pub fn seal_with_key(key: &[u8; 32], context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ciphertext =
        cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: context }).map_err(|_| CryptoError::Sealing)?;
    Ok([nonce.as_slice(), &ciphertext].concat())
}

/// Open what `seal_with_key` sealed. Any change to the blob or the context fails.
pub fn open_with_key(key: &[u8; 32], context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN {
        return Err(CryptoError::Opening);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Opening)
}

/// An X25519 public key: where sealed boxes are addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EncryptionPublicKey(crypto_box::PublicKey);

impl EncryptionPublicKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(crypto_box::PublicKey::from(bytes))
    }

    /// Seal `plaintext` so only the holder of the matching secret key can open it.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.seal(&mut rand::rngs::OsRng, plaintext).map_err(|_| CryptoError::Sealing)
    }
}

impl TryFrom<String> for EncryptionPublicKey {
    type Error = CryptoError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let bytes = B64.decode(value).map_err(|_| CryptoError::Malformed("public key"))?;
        let array: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Malformed("public key length"))?;
        Ok(Self::from_bytes(array))
    }
}

impl From<EncryptionPublicKey> for String {
    fn from(value: EncryptionPublicKey) -> Self {
        B64.encode(value.as_bytes())
    }
}

/// An X25519 key pair. The secret half is zeroised when dropped (crypto_box does that).
#[derive(Clone)]
pub struct EncryptionKeyPair(crypto_box::SecretKey);

impl EncryptionKeyPair {
    pub fn generate() -> Self {
        Self(crypto_box::SecretKey::generate(&mut rand::rngs::OsRng))
    }

    pub fn public(&self) -> EncryptionPublicKey {
        EncryptionPublicKey(self.0.public_key())
    }

    /// Open a sealed box addressed to this key pair.
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.0.unseal(sealed).map(Zeroizing::new).map_err(|_| CryptoError::Opening)
    }

    fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    fn from_secret_bytes(bytes: [u8; 32]) -> Self {
        Self(crypto_box::SecretKey::from(bytes))
    }
}

impl std::fmt::Debug for EncryptionKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("EncryptionKeyPair").field(&self.public()).finish()
    }
}

/// An Ed25519 public key: checks an author's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningPublicKey(ed25519_dalek::VerifyingKey);

impl SigningPublicKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes).map(Self).map_err(|_| CryptoError::Malformed("signing key"))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Whether `signature` is this key's signature over `message` (strict verification).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| CryptoError::BadSignature)?;
        self.0.verify_strict(message, &signature).map_err(|_| CryptoError::BadSignature)
    }
}

/// An Ed25519 key pair (zeroised on drop).
#[derive(Clone)]
pub struct SigningKeyPair(ed25519_dalek::SigningKey);

impl SigningKeyPair {
    pub fn generate() -> Self {
        Self(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng))
    }

    pub fn public(&self) -> SigningPublicKey {
        SigningPublicKey(self.0.verifying_key())
    }

    /// The key from its 32-byte seed: a HIS bridge keeps its key in a file this way.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed, to write a HIS bridge's key file (never a user's key: those stay sealed).
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SigningKeyPair").field(&self.public()).finish()
    }
}

/// A user's private keys: X25519 to receive vault keys, Ed25519 to sign what they write.
#[derive(Debug, Clone)]
pub struct UserKeys {
    pub encryption: EncryptionKeyPair,
    pub signing: SigningKeyPair,
}

const USER_KEYS_CONTEXT: &[u8] = b"kring user keys v1";

impl UserKeys {
    pub fn generate() -> Self {
        Self { encryption: EncryptionKeyPair::generate(), signing: SigningKeyPair::generate() }
    }

    /// The private keys sealed with the user's `kek`, to be stored on the server.
    pub fn seal(&self, kek: &crate::Kek) -> Result<Vec<u8>, CryptoError> {
        let mut plain = Zeroizing::new([0u8; 64]);
        plain[..32].copy_from_slice(self.encryption.secret_bytes().as_ref());
        plain[32..].copy_from_slice(&self.signing.0.to_bytes());
        seal_with_key(kek.as_bytes(), USER_KEYS_CONTEXT, plain.as_ref())
    }

    /// Open sealed private keys with the `kek` from the password. A wrong password fails here.
    pub fn unseal(kek: &crate::Kek, sealed: &[u8]) -> Result<Self, CryptoError> {
        let plain = open_with_key(kek.as_bytes(), USER_KEYS_CONTEXT, sealed)?;
        if plain.len() != 64 {
            return Err(CryptoError::Malformed("user keys length"));
        }
        let mut encryption = Zeroizing::new([0u8; 32]);
        let mut signing = Zeroizing::new([0u8; 32]);
        encryption.copy_from_slice(&plain[..32]);
        signing.copy_from_slice(&plain[32..]);
        Ok(Self {
            encryption: EncryptionKeyPair::from_secret_bytes(*encryption),
            signing: SigningKeyPair(ed25519_dalek::SigningKey::from_bytes(&signing)),
        })
    }
}

/// The length of a wrapped vault key: a 32-byte secret in a sealed box (an ephemeral public key
/// of 32 bytes and a 16-byte tag around it).
pub const SEALED_VAULT_SECRET_LEN: usize = 32 + 32 + 16;

/// A vault: the key pair of one body of data (a practice's patient data, a conversation, an
/// inbox). Anyone may seal data to its public key; members hold its secret key wrapped to their
/// own public key. Membership is a wrapped key.
#[derive(Debug, Clone)]
pub struct Vault(EncryptionKeyPair);

impl Vault {
    pub fn generate() -> Self {
        Self(EncryptionKeyPair::generate())
    }

    pub fn public(&self) -> EncryptionPublicKey {
        self.0.public()
    }

    /// The vault's secret key, sealed to a (new) member's public key.
    pub fn wrap_for(&self, member: &EncryptionPublicKey) -> Result<Vec<u8>, CryptoError> {
        member.seal(self.0.secret_bytes().as_ref())
    }

    /// Recover the vault from a key wrapped for `member`.
    pub fn unwrap(member: &EncryptionKeyPair, wrapped: &[u8]) -> Result<Self, CryptoError> {
        let secret = member.open(wrapped)?;
        let bytes: [u8; 32] = secret.as_slice().try_into().map_err(|_| CryptoError::Malformed("vault key length"))?;
        Ok(Self(EncryptionKeyPair::from_secret_bytes(bytes)))
    }

    /// Recover another vault whose key was wrapped for this one (a patient's network vault,
    /// wrapped for the practice vault).
    pub fn unwrap_vault(&self, wrapped: &[u8]) -> Result<Vault, CryptoError> {
        Vault::unwrap(&self.0, wrapped)
    }

    /// Open data sealed to the vault.
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.0.open(sealed)
    }

    /// A keyed hash (HMAC-SHA256) of `input` under a key derived from the vault's secret (HKDF,
    /// `kring/vault-lookup/v1`): members find a record by it (a patient by BSN) while the server,
    /// which stores only the hash and lacks the key, cannot even brute-force the 10^9 BSNs.
    pub fn lookup_hash(&self, input: &[u8]) -> Result<[u8; 32], CryptoError> {
        use hmac::{Hmac, Mac};
        let secret = self.0.secret_bytes();
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(None, secret.as_ref());
        let mut key = Zeroizing::new([0u8; 32]);
        hk.expand(b"kring/vault-lookup/v1", key.as_mut()).map_err(|_| CryptoError::Derivation)?;
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.as_ref()).map_err(|_| CryptoError::Derivation)?;
        mac.update(input);
        Ok(mac.finalize().into_bytes().into())
    }
}
