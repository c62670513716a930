//! The secure session (beveiligde sessie, ACC-4, ACC-5, ACC-7): the user's private keys,
//! unsealed in memory only while the lock is open. Locking drops them (the key types zeroize on
//! drop); unlocking derives the `kek` from the password again and unseals the keys the server
//! keeps sealed. The lock closes by itself after a stretch without activity.

use crate::error::{ClientError, ClientResult};
use crate::{ClientEvent, KringClient};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::{EncryptionPublicKey, KdfParams, Kek, Salt, UserKeys, Vault};
use kring_domain::{Clock, SystemClock};
use kring_protocol::KeyMaterial;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use time::OffsetDateTime;

/// Wrong passwords tolerated on the lock screen before the session is ended: the sealed keys
/// are in memory, so guessing here is guessing offline; the limit makes it a one-way door.
pub const MAX_UNLOCK_ATTEMPTS: u32 = 5;

/// The default idle time before the lock closes (ACC-7).
pub const DEFAULT_IDLE_LOCK: Duration = Duration::from_secs(15 * 60);

pub(crate) struct SecureSession {
    state: Mutex<State>,
    /// Wakes the idle-lock loop when the idle time (or the clock) changes.
    idle_changed: tokio::sync::Notify,
}

struct State {
    salt: Salt,
    kdf: KdfParams,
    material: Option<KeyMaterial>,
    keys: Option<UserKeys>,
    /// The patient search index (PAT-2): plaintext, so it lives and dies with the keys.
    patients: Option<crate::patients::PatientIndex>,
    wrong_unlocks: u32,
    /// The idle lock's clock: the system's, or a test's.
    clock: Arc<dyn Clock>,
    last_activity: OffsetDateTime,
    idle_lock: Duration,
}

impl SecureSession {
    pub fn new(salt: Salt, kdf: KdfParams, material: Option<KeyMaterial>) -> Self {
        Self {
            state: Mutex::new(State {
                salt,
                kdf,
                material,
                keys: None,
                patients: None,
                wrong_unlocks: 0,
                clock: Arc::new(SystemClock),
                last_activity: SystemClock.now(),
                idle_lock: DEFAULT_IDLE_LOCK,
            }),
            idle_changed: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn has_keys(&self) -> bool {
        self.state().material.is_some()
    }

    pub fn is_unlocked(&self) -> bool {
        self.state().keys.is_some()
    }

    pub fn login_params(&self) -> (Salt, KdfParams) {
        let state = self.state();
        (state.salt.clone(), state.kdf)
    }

    /// Open the keys with a `kek`. A wrong one fails with `WrongPassword` and counts.
    pub fn unlock_with(&self, kek: &Kek) -> ClientResult<()> {
        let mut state = self.state();
        if state.wrong_unlocks >= MAX_UNLOCK_ATTEMPTS {
            return Err(ClientError::TooManyUnlockAttempts);
        }
        let material = state.material.as_ref().ok_or(ClientError::NoKeys)?;
        let sealed = STANDARD_NO_PAD
            .decode(&material.sealed_private_keys)
            .map_err(|_| ClientError::Protocol("sealed keys are not base64".into()))?;
        match UserKeys::unseal(kek, &sealed) {
            Ok(keys) => {
                state.keys = Some(keys);
                state.wrong_unlocks = 0;
                state.last_activity = state.clock.now();
                Ok(())
            }
            Err(_) => {
                state.wrong_unlocks += 1;
                if state.wrong_unlocks >= MAX_UNLOCK_ATTEMPTS {
                    Err(ClientError::TooManyUnlockAttempts)
                } else {
                    Err(ClientError::WrongPassword)
                }
            }
        }
    }

    /// Close the lock: the private keys are dropped (and zeroized). Returns whether it was open.
    pub fn lock(&self) -> bool {
        let mut state = self.state();
        state.patients = None;
        state.keys.take().is_some()
    }

    /// Look at the patient index; `Locked` while the keys are closed.
    pub(crate) fn with_patient_index<T>(&self, f: impl FnOnce(Option<&crate::patients::PatientIndex>) -> T) -> ClientResult<T> {
        let state = self.state();
        if state.keys.is_none() {
            return Err(ClientError::Locked);
        }
        Ok(f(state.patients.as_ref()))
    }

    /// Keep a freshly built patient index, unless the lock closed meanwhile.
    pub(crate) fn set_patient_index(&self, index: crate::patients::PatientIndex) -> ClientResult<()> {
        let mut state = self.state();
        if state.keys.is_none() {
            return Err(ClientError::Locked);
        }
        state.patients = Some(index);
        Ok(())
    }

    /// The keys to re-seal under a new password: the open ones, or those `kek` opens, or none
    /// when the account has no keys yet.
    pub fn keys_for_reseal(&self, kek: Option<&Kek>) -> ClientResult<Option<UserKeys>> {
        let state = self.state();
        if let Some(keys) = &state.keys {
            return Ok(Some(keys.clone()));
        }
        let Some(material) = &state.material else { return Ok(None) };
        let kek = kek.ok_or(ClientError::Locked)?;
        let sealed = STANDARD_NO_PAD
            .decode(&material.sealed_private_keys)
            .map_err(|_| ClientError::Protocol("sealed keys are not base64".into()))?;
        UserKeys::unseal(kek, &sealed).map(Some).map_err(|_| ClientError::WrongPassword)
    }

    /// After a password change: the new login parameters and sealed keys; the lock is open.
    pub fn replace(&self, salt: Salt, kdf: KdfParams, material: KeyMaterial, keys: UserKeys) {
        let mut state = self.state();
        state.salt = salt;
        state.kdf = kdf;
        state.material = Some(material);
        state.keys = Some(keys);
        state.wrong_unlocks = 0;
        state.last_activity = state.clock.now();
    }

    pub fn touch(&self) {
        let mut state = self.state();
        state.last_activity = state.clock.now();
    }

    /// How long until the lock should close if nothing happens before then (zero: now).
    fn idle_left(&self) -> Duration {
        let state = self.state();
        let deadline = state.last_activity + state.idle_lock;
        Duration::try_from(deadline - state.clock.now()).unwrap_or(Duration::ZERO)
    }

    fn with_keys<T>(&self, f: impl FnOnce(&UserKeys) -> ClientResult<T>) -> ClientResult<T> {
        let state = self.state();
        let keys = state.keys.as_ref().ok_or(ClientError::Locked)?;
        f(keys)
    }

    fn encryption_public_key(&self) -> ClientResult<EncryptionPublicKey> {
        let state = self.state();
        let material = state.material.as_ref().ok_or(ClientError::NoKeys)?;
        let bytes: [u8; 32] = STANDARD_NO_PAD
            .decode(&material.encryption_public_key)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| ClientError::Protocol("encryption public key".into()))?;
        Ok(EncryptionPublicKey::from_bytes(bytes))
    }
}

impl KringClient {
    /// Whether the secure session is open (the lock icon shows open).
    pub fn is_unlocked(&self) -> bool {
        self.inner.session.is_unlocked()
    }

    /// Whether the account has keys at all (not right after an administrator reset).
    pub fn has_keys(&self) -> bool {
        self.inner.session.has_keys()
    }

    /// Open the secure session with the password (ACC-4). Also the "Ontsleutel beveiligde
    /// gesprekken" step of a session started without password (ACC-5). After
    /// [`MAX_UNLOCK_ATTEMPTS`] wrong passwords the session ends on the server too.
    pub async fn unlock(&self, password: &str) -> ClientResult<()> {
        if password.is_empty() {
            return Err(ClientError::MissingCredentials);
        }
        let (salt, kdf) = self.inner.session.login_params();
        let password = zeroize::Zeroizing::new(password.to_owned());
        let keys = tokio::task::spawn_blocking(move || kring_crypto::derive_login_keys(&password, &salt, kdf))
            .await
            .map_err(|e| ClientError::Internal(e.to_string()))??;
        match self.inner.session.unlock_with(&keys.kek) {
            Ok(()) => {
                tracing::info!(user_id = %self.inner.me.user_id, "secure session unlocked");
                self.emit(ClientEvent::SecureSession { unlocked: true });
                Ok(())
            }
            Err(ClientError::TooManyUnlockAttempts) => {
                tracing::warn!(user_id = %self.inner.me.user_id, "too many wrong passwords on the lock screen; ending the session");
                if let Err(error) = self.inner.api.logout().await {
                    tracing::info!(code = error.code(), "could not end the session on the server");
                }
                self.emit(ClientEvent::SessionEnded);
                Err(ClientError::TooManyUnlockAttempts)
            }
            Err(error) => Err(error),
        }
    }

    /// Close the secure session: keys leave memory; encrypted parts become unreadable.
    pub fn lock(&self) {
        if self.inner.session.lock() {
            tracing::info!(user_id = %self.inner.me.user_id, "secure session locked");
        }
        self.emit(ClientEvent::SecureSession { unlocked: false });
    }

    /// The user did something (key, click): the idle timer starts again.
    pub fn touch(&self) {
        self.inner.session.touch();
    }

    /// How long without activity before the lock closes (default 15 minutes).
    pub fn set_idle_lock(&self, idle: Duration) {
        self.inner.session.state().idle_lock = idle;
        self.inner.session.idle_changed.notify_waiters();
    }

    /// The clock the idle lock reads (the system's by default; a test's `ManualClock`). The idle
    /// time counts from now on this clock.
    pub fn set_idle_clock(&self, clock: Arc<dyn Clock>) {
        let mut state = self.inner.session.state();
        state.last_activity = clock.now();
        state.clock = clock;
        drop(state);
        self.inner.session.idle_changed.notify_waiters();
    }

    /// Close the lock if the idle time has passed without activity; whether it closed it.
    pub fn lock_if_idle(&self) -> bool {
        if self.inner.session.idle_left() > Duration::ZERO || !self.inner.session.is_unlocked() {
            return false;
        }
        tracing::info!(user_id = %self.inner.me.user_id, "idle: locking the secure session");
        self.lock();
        // Count the next idle stretch from now.
        self.inner.session.touch();
        true
    }

    /// Close the lock after the idle time without activity (ACC-7). Runs until the task is
    /// aborted; follows changes of the idle time at once.
    pub async fn run_idle_lock(self) {
        loop {
            // While locked there is nothing to close: wait a whole idle time (or a change).
            let left = if self.inner.session.is_unlocked() {
                self.inner.session.idle_left()
            } else {
                self.inner.session.state().idle_lock
            };
            tokio::select! {
                () = tokio::time::sleep(left.max(Duration::from_millis(1))) => {}
                () = self.inner.session.idle_changed.notified() => continue,
            }
            self.lock_if_idle();
        }
    }

    /// My public encryption key: what a vault's key is wrapped to for me.
    pub fn encryption_public_key(&self) -> ClientResult<EncryptionPublicKey> {
        self.inner.session.encryption_public_key()
    }

    /// Sign with my signing key (needs the open lock).
    pub(crate) fn sign(&self, message: &[u8]) -> ClientResult<[u8; 64]> {
        self.inner.session.with_keys(|keys| Ok(keys.signing.sign(message)))
    }

    /// Open a symmetric key sealed to my encryption key (a conversation's epoch key).
    pub(crate) fn unwrap_key(&self, wrapped: &[u8]) -> ClientResult<zeroize::Zeroizing<[u8; 32]>> {
        self.inner.session.with_keys(|keys| {
            let plain = keys.encryption.open(wrapped).map_err(|_| ClientError::KeysLost)?;
            let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| ClientError::KeysLost)?;
            Ok(zeroize::Zeroizing::new(bytes))
        })
    }

    /// Open a vault whose key was wrapped to me. Needs the open lock; a key wrapped to keys that
    /// an administrator reset replaced fails with `KeysLost` (ACC-3).
    pub fn open_vault(&self, wrapped: &[u8]) -> ClientResult<Vault> {
        self.inner.session.with_keys(|keys| Vault::unwrap(&keys.encryption, wrapped).map_err(|_| ClientError::KeysLost))
    }
}
