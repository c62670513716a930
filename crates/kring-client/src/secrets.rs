//! Secrets the client keeps: the refresh token of a session and the key that encrypts the local
//! cache at rest. Never in a file, never in a log. Where they live is the workstation's business:
//! the desktop hands the engine its OS keyring (`kring-desktop`'s `keyring` module) as a
//! [`Keyring`], and the engine never talks to the operating system itself.

use crate::error::{ClientError, ClientResult};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use zeroize::Zeroizing;

/// A store of named secrets (the OS keyring). Names say what a secret is and whose:
/// `refresh:<cache name>`, `cache-key:<cache name>`.
pub trait Keyring: Send + Sync {
    fn get(&self, name: &str) -> ClientResult<Option<Zeroizing<String>>>;
    fn set(&self, name: &str, value: &str) -> ClientResult<()>;
    /// Removing what is not there is no error.
    fn delete(&self, name: &str) -> ClientResult<()>;
}

/// What this workstation keeps for the client: the folder of the encrypted caches, and the
/// keyring that holds their keys and the session's refresh token.
#[derive(Clone)]
pub struct LocalStorage {
    pub cache_dir: PathBuf,
    pub keyring: Arc<dyn Keyring>,
}

/// Secrets in this process only: nothing survives it (a cache whose key is gone is rebuilt from
/// the server; a session without its refresh token logs in again). For tests, and for a
/// workstation whose OS keyring does not answer.
#[derive(Default)]
pub struct MemoryKeyring(Mutex<HashMap<String, Zeroizing<String>>>);

impl Keyring for MemoryKeyring {
    fn get(&self, name: &str) -> ClientResult<Option<Zeroizing<String>>> {
        Ok(self.0.lock().unwrap_or_else(PoisonError::into_inner).get(name).cloned())
    }

    fn set(&self, name: &str, value: &str) -> ClientResult<()> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned(), Zeroizing::new(value.to_owned()));
        Ok(())
    }

    fn delete(&self, name: &str) -> ClientResult<()> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(name);
        Ok(())
    }
}

/// One named secret in a keyring.
pub(crate) struct Secret {
    keyring: Arc<dyn Keyring>,
    name: String,
}

impl Secret {
    pub fn new(keyring: &Arc<dyn Keyring>, name: &str) -> Self {
        Self { keyring: keyring.clone(), name: name.to_owned() }
    }

    pub fn get(&self) -> ClientResult<Option<Zeroizing<String>>> {
        self.keyring.get(&self.name)
    }

    pub fn set(&self, value: &str) -> ClientResult<()> {
        self.keyring.set(&self.name, value)
    }

    pub fn delete(&self) -> ClientResult<()> {
        self.keyring.delete(&self.name)
    }

    /// A 32-byte key stored base64, made on first use. The flag says whether it was just made.
    pub fn key(&self) -> ClientResult<(Zeroizing<[u8; 32]>, bool)> {
        let mut key = Zeroizing::new([0u8; 32]);
        if let Some(text) = self.get()? {
            let bytes =
                Zeroizing::new(STANDARD_NO_PAD.decode(text.as_bytes()).map_err(|_| ClientError::Keyring("corrupt key".into()))?);
            if bytes.len() != 32 {
                return Err(ClientError::Keyring("corrupt key".into()));
            }
            key.copy_from_slice(&bytes);
            return Ok((key, false));
        }
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key.as_mut());
        self.set(&Zeroizing::new(STANDARD_NO_PAD.encode(key.as_ref())))?;
        Ok((key, true))
    }
}
