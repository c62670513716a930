//! Accounts' secrets as the server keeps them: login names, Argon2id verifiers of `auth_key`,
//! public key material, session tokens (stored as SHA-256 only) and the wrapped vault keys a
//! reset makes useless. Used by the login, staff and launch handlers; imports none of them.

use crate::error::{ServerError, ServerResult};
use crate::identity::{contracts, load_me};
use crate::store::{Commit, Credentials, NewSession, SessionTokens};
use crate::AppState;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use kring_crypto::{AuthKey, AuthKeyVerifier, EncryptionPublicKey, KdfParams, Salt, SigningPublicKey};
use kring_domain::{OrganisationId, UserId};
use kring_protocol::staff::PatientDataAccessEntry;
use kring_protocol::{ChangeBody, EntityKind, KeyMaterial, LoginGrant, NewPassword, Scope, TokenGrant};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long an access token lives; the client refreshes before it runs out.
pub const ACCESS_LIFETIME: Duration = Duration::minutes(15);

/// How long a refresh token lives: a working day. After that, log in again.
pub const REFRESH_LIFETIME: Duration = Duration::hours(12);

/// Canonical form of a login name: trimmed and lower-cased.
pub fn normalise_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// A new session for a user whose login succeeded (code, or a HIS launch): tokens, who they are,
/// and their sealed keys.
pub(crate) async fn open_session(state: &AppState, credentials: &Credentials, device_name: String) -> ServerResult<LoginGrant> {
    let now = state.clock().now();
    let (tokens, grant) = new_tokens(now);
    state
        .store()
        .create_session(NewSession { id: Uuid::now_v7(), user_id: credentials.user_id, device_name, created_at: now, tokens })
        .await?;
    Ok(LoginGrant {
        tokens: grant,
        me: load_me(state, credentials.user_id).await?,
        keys: credentials.keys.clone(),
        must_change_password: credentials.must_change_password,
        keys_were_reset: credentials.keys_were_reset,
    })
}

/// Check a client's new password material and hash its `auth_key`.
pub(crate) async fn new_verifier(new: NewPassword) -> ServerResult<(String, KdfParams, String)> {
    Salt::from_base64(&new.salt).map_err(|_| ServerError::InvalidRequest("salt".into()))?;
    new.kdf.validate().map_err(|e| ServerError::InvalidRequest(e.to_string()))?;
    let auth_key = AuthKey::from_base64(&new.auth_key).map_err(|_| ServerError::InvalidRequest("auth_key".into()))?;
    let hash = tokio::task::spawn_blocking(move || AuthKeyVerifier::hash(&auth_key)).await??;
    Ok((new.salt, new.kdf, hash))
}

/// Public keys must parse; the sealed private keys must at least be base64 of a plausible size
/// (the server cannot open them, by design).
pub(crate) fn check_key_material(keys: &KeyMaterial) -> ServerResult<()> {
    let bytes = |text: &str, what: &str| STANDARD_NO_PAD.decode(text).map_err(|_| ServerError::InvalidRequest(what.into()));
    let encryption: [u8; 32] = bytes(&keys.encryption_public_key, "encryption key")?
        .try_into()
        .map_err(|_| ServerError::InvalidRequest("encryption key length".into()))?;
    let _ = EncryptionPublicKey::from_bytes(encryption);
    let signing: [u8; 32] = bytes(&keys.signing_public_key, "signing key")?
        .try_into()
        .map_err(|_| ServerError::InvalidRequest("signing key length".into()))?;
    SigningPublicKey::from_bytes(&signing).map_err(|_| ServerError::InvalidRequest("signing key".into()))?;
    let sealed = bytes(&keys.sealed_private_keys, "sealed keys")?;
    if !(64..=256).contains(&sealed.len()) {
        return Err(ServerError::InvalidRequest("sealed keys length".into()));
    }
    Ok(())
}

/// A fresh token pair: what the store keeps (hashes) and what the client gets (tokens).
pub(crate) fn new_tokens(now: OffsetDateTime) -> (SessionTokens, TokenGrant) {
    let access = random_token();
    let refresh = random_token();
    let tokens = SessionTokens {
        access_hash: token_hash(&access),
        access_expires_at: now + ACCESS_LIFETIME,
        refresh_hash: token_hash(&refresh),
        refresh_expires_at: now + REFRESH_LIFETIME,
    };
    let grant = TokenGrant {
        access_token: URL_SAFE_NO_PAD.encode(access),
        access_expires_at: tokens.access_expires_at,
        refresh_token: URL_SAFE_NO_PAD.encode(refresh),
        refresh_expires_at: tokens.refresh_expires_at,
    };
    (tokens, grant)
}

fn random_token() -> [u8; 32] {
    let mut token = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut token);
    token
}

/// SHA-256 of a bearer, refresh or activation token: all the server keeps of it.
pub(crate) fn token_hash(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// The workstation name a client reports, as the access log and the session list keep it: the
/// same plain-text rule as every other name (`kring_domain::plain_text`); a name that breaks it
/// (control characters, over 100 characters) or is empty is kept as "onbekende werkplek" rather
/// than refusing the login.
pub(crate) fn device_name(name: &str) -> String {
    match kring_domain::plain_text(name, MAX_DEVICE_NAME_CHARS) {
        Ok(name) if !name.is_empty() => name.to_owned(),
        _ => "onbekende werkplek".to_owned(),
    }
}

const MAX_DEVICE_NAME_CHARS: usize = 100;

/// After a password reset the user's wrapped keys are sealed to keys that no longer exist: drop
/// them, so key holders share the vaults again to the new key.
pub(crate) async fn forget_wrapped_keys(state: &AppState, user: UserId) -> ServerResult<()> {
    let mut changes = Vec::new();
    for (organisation_id, _) in contracts(state, user).await? {
        let entry = access_entry(state, organisation_id, user).await?;
        if entry.wrapped_key.is_some() {
            changes.push((
                Scope::Organisation(organisation_id),
                ChangeBody::PatientDataAccess(PatientDataAccessEntry { wrapped_key: None, ..entry }),
            ));
        }
    }
    if !changes.is_empty() {
        state.commit(Commit { changes, ..Commit::default() }).await?;
    }
    Ok(())
}

/// The access entry of (organisation, user), or a fresh unauthorised one.
pub(crate) async fn access_entry(
    state: &AppState,
    organisation_id: OrganisationId,
    user_id: UserId,
) -> ServerResult<PatientDataAccessEntry> {
    let id = PatientDataAccessEntry::id_for(organisation_id, user_id);
    Ok(match state.store().entity(EntityKind::PatientDataAccess, id).await? {
        Some(ChangeBody::PatientDataAccess(entry)) => entry,
        _ => PatientDataAccessEntry { id, organisation_id, user_id, authorised: false, wrapped_key: None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_name_follows_the_plain_text_rule_or_becomes_unknown() {
        assert_eq!(device_name("  Werkplek balie 2 "), "Werkplek balie 2");
        assert_eq!(device_name("pc\u{0}01"), "onbekende werkplek");
        assert_eq!(device_name(&"x".repeat(101)), "onbekende werkplek");
        assert_eq!(device_name("   "), "onbekende werkplek");
    }
}
