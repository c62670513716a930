//! The OS keyring the client engine keeps its secrets in (the cache key, the refresh token):
//! one implementation per platform behind `cfg(target_os)`, handed to kring-client as a
//! `kring_client::Keyring`.
//!
//! - Linux: the kernel keyring (keyutils, `linux.rs`), which needs no desktop Secret Service and
//!   so also works on a bare workstation image and in CI.
//! - Windows and macOS: their native stores (Credential Manager, Keychain) arrive with the
//!   `keyring` crate in issue 18; until then secrets stay in this process only
//!   (`kring_client::MemoryKeyring`): nothing persists, so a restart rebuilds the cache from the
//!   server and asks for a new login — safe, not yet convenient.

#[cfg(target_os = "linux")]
mod linux;

use kring_client::Keyring;
use std::sync::Arc;

/// This workstation's keyring.
pub fn os_keyring() -> Arc<dyn Keyring> {
    #[cfg(target_os = "linux")]
    {
        Arc::new(linux::KernelKeyring)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Arc::new(kring_client::MemoryKeyring::default())
    }
}
