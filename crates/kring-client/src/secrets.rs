//! Secrets the client keeps in the OS keyring: the refresh token of a session and the key that
//! encrypts the local cache at rest. Never in a file, never in a log.
//!
//! On Linux this is the kernel keyring (keyutils), which needs no desktop Secret Service and so
//! also works on a bare workstation image and in CI. We talk to it through linux-keyutils (the
//! backend the keyring crate uses) because two things must be set that the keyring crate does
//! not expose:
//! - the user's read/search permission on each key. Without a login session (containers, CI)
//!   the kernel gives a process the per-user session keyring, whose keys the process does not
//!   "possess", and the keyring crate's default permissions (possessor only) made them
//!   unreadable from the next thread; a desktop session has a real session keyring either way.
//! - no link to the persistent keyring: it would keep secrets alive for days after logging out
//!   of a shared workstation.
//!
//! Any process of the same OS user can read these keys, as with any OS keyring. The kernel
//! keyring lives in memory: after an OS logout or reboot the entries are gone. That is fine by
//! design: without its key the cache is unreadable and is rebuilt from the server; without a
//! refresh token the user logs in again.

use crate::error::{ClientError, ClientResult};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use linux_keyutils::{KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
use zeroize::Zeroizing;

const PREFIX: &str = "nl.kring.desktop";

/// One named secret in the keyring.
pub(crate) struct Secret {
    ring: KeyRing,
    description: String,
}

impl Secret {
    /// `name` says what it is and whose: `refresh:<cache name>`, `cache-key:<cache name>`.
    pub fn new(name: &str) -> ClientResult<Self> {
        let ring = KeyRing::from_special_id(KeyRingIdentifier::Session, false).map_err(keyring_error)?;
        Ok(Self { ring, description: format!("{PREFIX}:{name}") })
    }

    pub fn get(&self) -> ClientResult<Option<Zeroizing<String>>> {
        let key = match self.ring.search(&self.description) {
            Ok(key) => key,
            Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => return Ok(None),
            Err(error) => return Err(keyring_error(error)),
        };
        let bytes = Zeroizing::new(key.read_to_vec().map_err(keyring_error)?);
        let text = std::str::from_utf8(&bytes).map_err(|_| ClientError::Keyring("corrupt entry".into()))?;
        Ok(Some(Zeroizing::new(text.to_owned())))
    }

    pub fn set(&self, value: &str) -> ClientResult<()> {
        let key = self.ring.add_key(&self.description, value.as_bytes()).map_err(keyring_error)?;
        let user = Permission::VIEW | Permission::READ | Permission::WRITE | Permission::SEARCH | Permission::SETATTR;
        key.set_perms(KeyPermissionsBuilder::builder().posessor(Permission::ALL).user(user).build()).map_err(keyring_error)
    }

    pub fn delete(&self) -> ClientResult<()> {
        match self.ring.search(&self.description) {
            Ok(key) => key.invalidate().map_err(keyring_error),
            Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => Ok(()),
            Err(error) => Err(keyring_error(error)),
        }
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

fn keyring_error(error: KeyError) -> ClientError {
    ClientError::Keyring(format!("{error:?}"))
}
