//! Logging in (ACC-1): password, then the one-time code; changing the password (ACC-2, ACC-3);
//! an administrator's reset of a colleague's forgotten password.

use crate::api::ServerApi;
use crate::cache::Cache;
use crate::error::{ClientError, ClientResult};
use crate::session::SecureSession;
use crate::{Inner, KringClient, LocalStorage, ServerUrl};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::{derive_login_keys, AuthKey, KdfParams, LoginKeys, Salt, UserKeys};
use kring_domain::{check_new_password, UserId};
use kring_protocol::{ChangePasswordRequest, CodeSent, KeyMaterial, NewPassword, ResetPasswordRequest};
use std::sync::Arc;
use tokio::sync::{broadcast, Mutex};
use zeroize::Zeroizing;

/// A login between the two steps: the password was right and a code is on its way.
pub struct LoginAttempt {
    api: ServerApi,
    storage: LocalStorage,
    salt: Salt,
    kdf: KdfParams,
    keys: LoginKeys,
    code_sent: CodeSent,
}

impl LoginAttempt {
    /// Step one: check the password with the server (as `auth_key`), which sends a code.
    pub async fn start(
        server: &ServerUrl,
        storage: &LocalStorage,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> ClientResult<Self> {
        if username.trim().is_empty() || password.is_empty() {
            return Err(ClientError::MissingCredentials);
        }
        let api = ServerApi::new(server.clone())?;
        let prelogin = api.prelogin(username).await?;
        let salt = Salt::from_base64(&prelogin.salt)?;
        let keys = derive(password, &salt, prelogin.kdf).await?;
        let code_sent = api.login(username, &keys.auth_key, device_name).await?;
        Ok(Self { api, storage: storage.clone(), salt, kdf: prelogin.kdf, keys, code_sent })
    }

    /// Where the code went and until when it is valid.
    pub fn code_sent(&self) -> &CodeSent {
        &self.code_sent
    }

    /// Step two: the code. A wrong one may be retried (up to the server's limits) on the same
    /// attempt. The password already typed opens the user's keys: the session starts unlocked.
    pub async fn verify(&self, code: &str) -> ClientResult<KringClient> {
        let grant = self.api.verify_code(self.code_sent.challenge_id, code).await?;
        let pending_auth_key = grant.must_change_password.then(|| self.keys.auth_key.clone());
        KringClient::from_grant(
            self.api.clone(),
            grant,
            &self.storage,
            self.salt.clone(),
            self.kdf,
            Some(&self.keys.kek),
            pending_auth_key,
        )
    }
}

impl KringClient {
    /// Log in from the HIS (PAT-3): the token in a `kring://launch` link. The session starts
    /// locked: the password opens the keys ("Ontsleutel beveiligde gesprekken", ACC-5).
    /// Also returns the patient the HIS opened, to show once the lock is open.
    pub async fn launch(
        server: &ServerUrl,
        storage: &LocalStorage,
        link: &str,
        device_name: &str,
    ) -> ClientResult<(Self, kring_protocol::LaunchTarget)> {
        let token = kring_domain::launch::token_from_link(link).map_err(ClientError::Launch)?;
        let api = ServerApi::new(server.clone())?;
        let grant = api.launch(token, device_name).await?;
        let prelogin = api.prelogin(&grant.login.me.username).await?;
        let salt = Salt::from_base64(&prelogin.salt)?;
        let client = KringClient::from_grant(api, grant.login, storage, salt, prelogin.kdf, None, None)?;
        Ok((client, grant.target))
    }

    /// A launch from the HIS while this user is logged in here (PAT-3): the open session stays
    /// (no second password). Refused with `launch_other_user`, unspent, when the HIS user is
    /// another colleague: then [`KringClient::launch`] logs them in with the same link.
    pub async fn launch_here(&self, link: &str, device_name: &str) -> ClientResult<kring_protocol::LaunchTarget> {
        let token = kring_domain::launch::token_from_link(link).map_err(ClientError::Launch)?;
        self.inner.api.launch_in_session(token, device_name).await
    }

    /// A logged-in client from the server's grant; `kek` (when the password was typed) opens the
    /// keys at once.
    fn from_grant(
        api: ServerApi,
        grant: kring_protocol::LoginGrant,
        storage: &LocalStorage,
        salt: Salt,
        kdf: KdfParams,
        kek: Option<&kring_crypto::Kek>,
        pending_auth_key: Option<AuthKey>,
    ) -> ClientResult<Self> {
        let me = grant.me;
        let cache_name = Cache::file_name(api.server(), me.user_id);
        let api = api.with_session(grant.tokens, &format!("refresh:{cache_name}"), &storage.keyring)?;
        let cache = Cache::open(&storage.cache_dir.join(&cache_name), &storage.keyring)?;
        let session = SecureSession::new(salt, kdf, grant.keys);
        if let (Some(kek), true) = (kek, session.has_keys()) {
            session.unlock_with(kek)?;
        }
        let (events, _) = broadcast::channel(64);
        tracing::info!(user_id = %me.user_id, must_change_password = grant.must_change_password, "logged in");
        Ok(KringClient {
            inner: Arc::new(Inner {
                api,
                me,
                cache,
                events,
                flushing: Mutex::new(()),
                session,
                must_change_password: std::sync::Mutex::new(pending_auth_key),
                keys_were_reset: grant.keys_were_reset,
                referrals_checked: Default::default(),
            }),
        })
    }
}

async fn derive(password: &str, salt: &Salt, kdf: KdfParams) -> ClientResult<LoginKeys> {
    let password = Zeroizing::new(password.to_owned());
    let salt = salt.clone();
    tokio::task::spawn_blocking(move || derive_login_keys(&password, &salt, kdf))
        .await
        .map_err(|e| ClientError::Internal(e.to_string()))?
        .map_err(ClientError::from)
}

fn key_material(keys: &UserKeys, kek: &kring_crypto::Kek) -> ClientResult<KeyMaterial> {
    Ok(KeyMaterial {
        sealed_private_keys: STANDARD_NO_PAD.encode(keys.seal(kek)?),
        encryption_public_key: STANDARD_NO_PAD.encode(keys.encryption.public().as_bytes()),
        signing_public_key: STANDARD_NO_PAD.encode(keys.signing.public().as_bytes()),
    })
}

/// Twelve random characters from an alphabet without look-alikes (no 0/O, 1/l/I), in groups:
/// "Kring-7hq4-mx9w-tc3e". Read aloud or typed from a note by the colleague it is for.
fn temporary_password() -> Zeroizing<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let mut groups = Vec::new();
    for _ in 0..3 {
        let group: String = (0..4).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
        groups.push(group);
    }
    Zeroizing::new(format!("Kring-{}", groups.join("-")))
}

impl KringClient {
    /// Whether the password must be changed before anything else (first login, or after a reset).
    pub fn must_change_password(&self) -> bool {
        self.inner.must_change_password.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
    }

    /// Whether an administrator reset the password since the last login: the app warns that
    /// older encrypted data is no longer readable (ACC-3).
    pub fn keys_were_reset(&self) -> bool {
        self.inner.keys_were_reset
    }

    /// The forced change after login (ACC-2): the password typed at login proves the old one.
    pub async fn change_initial_password(&self, new: &str, repeated: &str) -> ClientResult<()> {
        let current = self
            .inner
            .must_change_password
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or(ClientError::MissingCredentials)?;
        self.change_password_with(current, None, new, repeated).await
    }

    /// Change the password knowing the current one (ACC-3): the same keys, re-sealed with the
    /// new password, so everything encrypted before still opens.
    pub async fn change_password(&self, current: &str, new: &str, repeated: &str) -> ClientResult<()> {
        let (salt, kdf) = self.inner.session.login_params();
        let keys = derive(current, &salt, kdf).await?;
        self.change_password_with(keys.auth_key.clone(), Some(keys), new, repeated).await
    }

    async fn change_password_with(
        &self,
        current_auth_key: AuthKey,
        current: Option<LoginKeys>,
        new: &str,
        repeated: &str,
    ) -> ClientResult<()> {
        if new != repeated {
            return Err(ClientError::PasswordsDiffer);
        }
        check_new_password(new, &self.inner.me.username)?;
        let (current_salt, kdf) = self.inner.session.login_params();
        // ACC-2: the new password under the current salt gives the current key when it is the
        // same password (or, after a reset, the temporary one). Sent along for the server too.
        let same_check = derive(new, &current_salt, kdf).await?;
        if same_check.auth_key.to_base64() == current_auth_key.to_base64() {
            return Err(ClientError::PasswordUnchanged);
        }
        let salt = Salt::random();
        let new_keys = derive(new, &salt, kdf).await?;
        let resealable = self.inner.session.keys_for_reseal(current.as_ref().map(|keys| &keys.kek));
        let resealable = resealable.map_err(|error| match error {
            ClientError::WrongPassword => ClientError::CurrentPasswordWrong,
            other => other,
        })?;
        let user_keys = match resealable {
            Some(keys) => keys,
            // No keys yet (first login of an account without keys, or after a reset): make them
            // here, on the user's own device, so no one else ever held them.
            None => UserKeys::generate(),
        };
        let material = key_material(&user_keys, &new_keys.kek)?;
        let request = ChangePasswordRequest {
            current_auth_key: current_auth_key.to_base64().to_string(),
            new: NewPassword { salt: salt.to_base64(), kdf, auth_key: new_keys.auth_key.to_base64().to_string() },
            keys: material.clone(),
            new_auth_key_under_current_salt: same_check.auth_key.to_base64().to_string(),
        };
        match self.inner.api.change_password(&request).await {
            Ok(()) => {}
            // The dialog has no username: say which password is wrong.
            Err(ClientError::InvalidCredentials) => return Err(ClientError::CurrentPasswordWrong),
            Err(ClientError::Refused { code: kring_protocol::ErrorCode::PasswordUnchanged, .. }) => {
                return Err(ClientError::PasswordUnchanged)
            }
            Err(error) => return Err(error),
        }
        self.inner.session.replace(salt, kdf, material, user_keys);
        *self.inner.must_change_password.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.emit(crate::ClientEvent::SecureSession { unlocked: true });
        tracing::info!(user_id = %self.inner.me.user_id, "password changed");
        Ok(())
    }

    /// An administrator resets a colleague's forgotten password (ACC-3). Returns the temporary
    /// password to hand over; the colleague must change it at the next login, and everything
    /// encrypted for them before is lost. The new password gets today's standard Argon2id cost.
    pub async fn reset_password(&self, user: UserId) -> ClientResult<Zeroizing<String>> {
        let password = temporary_password();
        let salt = Salt::random();
        let kdf = KdfParams::INTERACTIVE;
        let keys = derive(&password, &salt, kdf).await?;
        let request = ResetPasswordRequest {
            new: NewPassword { salt: salt.to_base64(), kdf, auth_key: keys.auth_key.to_base64().to_string() },
        };
        self.inner.api.reset_password(user, &request).await?;
        tracing::info!(user_id = %user, "password reset for a colleague");
        Ok(password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_3_temporary_passwords_pass_the_policy_and_differ() {
        let first = temporary_password();
        let second = temporary_password();
        assert_ne!(*first, *second);
        assert_eq!(first.len(), "Kring-xxxx-xxxx-xxxx".len());
        assert_eq!(check_new_password(&first, "huisarts"), Ok(()));
    }
}
