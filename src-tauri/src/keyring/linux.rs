//! The Linux kernel keyring (keyutils), through linux-keyutils (the backend the keyring crate
//! uses) because two things must be set that the keyring crate does not expose:
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

use kring_client::{ClientError, ClientResult, Keyring};
use linux_keyutils::{KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
use zeroize::Zeroizing;

const PREFIX: &str = "nl.kring.desktop";

/// The session keyring of this process.
pub struct KernelKeyring;

fn ring() -> ClientResult<KeyRing> {
    KeyRing::from_special_id(KeyRingIdentifier::Session, false).map_err(keyring_error)
}

fn description(name: &str) -> String {
    format!("{PREFIX}:{name}")
}

impl Keyring for KernelKeyring {
    fn get(&self, name: &str) -> ClientResult<Option<Zeroizing<String>>> {
        let key = match ring()?.search(&description(name)) {
            Ok(key) => key,
            Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => return Ok(None),
            Err(error) => return Err(keyring_error(error)),
        };
        let bytes = Zeroizing::new(key.read_to_vec().map_err(keyring_error)?);
        let text = std::str::from_utf8(&bytes).map_err(|_| ClientError::Keyring("corrupt entry".into()))?;
        Ok(Some(Zeroizing::new(text.to_owned())))
    }

    fn set(&self, name: &str, value: &str) -> ClientResult<()> {
        let key = ring()?.add_key(&description(name), value.as_bytes()).map_err(keyring_error)?;
        let user = Permission::VIEW | Permission::READ | Permission::WRITE | Permission::SEARCH | Permission::SETATTR;
        key.set_perms(KeyPermissionsBuilder::builder().posessor(Permission::ALL).user(user).build()).map_err(keyring_error)
    }

    fn delete(&self, name: &str) -> ClientResult<()> {
        match ring()?.search(&description(name)) {
            Ok(key) => key.invalidate().map_err(keyring_error),
            Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => Ok(()),
            Err(error) => Err(keyring_error(error)),
        }
    }
}

fn keyring_error(error: KeyError) -> ClientError {
    ClientError::Keyring(format!("{error:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ACC-4/ACC-7 on the real kernel keyring: a secret set here is read back, also from another
    /// thread (the permission the keyring crate's defaults left out), and is gone once deleted.
    #[test]
    fn acc_7_a_secret_round_trips_through_the_kernel_keyring_also_from_another_thread() {
        let name = format!("test:{}", uuid::Uuid::now_v7());
        KernelKeyring.set(&name, "geheim").unwrap();
        assert_eq!(KernelKeyring.get(&name).unwrap().as_deref().map(String::as_str), Some("geheim"));
        let elsewhere = name.clone();
        let read = std::thread::spawn(move || KernelKeyring.get(&elsewhere).unwrap().map(|value| value.to_string()));
        assert_eq!(read.join().unwrap().as_deref(), Some("geheim"));
        KernelKeyring.delete(&name).unwrap();
        assert_eq!(KernelKeyring.get(&name).unwrap(), None);
        KernelKeyring.delete(&name).unwrap();
    }
}
