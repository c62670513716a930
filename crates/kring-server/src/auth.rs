//! Login, tokens, password changes and the `AuthUser` extractor (ACC-1, ACC-2, ACC-3, ACC-7).
//!
//! The client never sends its password: `prelogin` hands out the user's salt and Argon2id
//! parameters, the client derives `auth_key`, and `login` checks it against the stored Argon2id
//! hash, then sends a one-time code by the user's channel. `verify-code` checks the code (keyed
//! hash, constant time, the `CodeChallenge` workflow) and opens a session: a 15-minute access
//! token and a refresh token that is spent on use. Both are stored as SHA-256 only.

use crate::authz::{AnyAuthUser, AuthUser};
use crate::credentials::{
    check_key_material, device_name, forget_wrapped_keys, new_tokens, new_verifier, normalise_username, open_session, token_hash,
};
use crate::error::{ServerError, ServerResult};
use crate::identity::{contracts, load_me};
use crate::store::{LoginUpdate, StoredChallenge};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kring_crypto::{otp, AuthKey, AuthKeyVerifier, KdfParams, Salt};
use kring_domain::{Action, CodeChallenge, OrganisationId, Throttle, ThrottleSubject, UserId};
use kring_protocol::{
    ChangeBody, ChangePasswordRequest, CodeSent, EntityKind, KeyMaterial, LoginGrant, LoginRequest, Me, PreloginRequest,
    PreloginResponse, RefreshRequest, ResetPasswordRequest, Scope, TokenGrant, VerifyCodeRequest,
};
use std::net::{IpAddr, SocketAddr};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The longest login name (an e-mail address is at most 254 characters).
const MAX_USERNAME_CHARS: usize = 254;

/// Whether any account can have this (normalised) name: no control characters, not too long.
/// Other names are answered as unknown without asking the store.
fn possible_username(username: &str) -> bool {
    kring_domain::plain_text(username, MAX_USERNAME_CHARS).is_ok()
}

/// Step zero: the salt and Argon2id parameters to derive `auth_key` with. An unknown name gets a
/// decoy salt, stable per name, for the same single store read a known one costs.
pub async fn prelogin(
    State(state): State<AppState>,
    Json(request): Json<PreloginRequest>,
) -> ServerResult<Json<PreloginResponse>> {
    let username = normalise_username(&request.username);
    let credentials = if possible_username(&username) { state.store().credentials(&username).await? } else { None };
    let response = match credentials {
        Some(credentials) => PreloginResponse { salt: credentials.salt, kdf: credentials.kdf },
        None => {
            let seed = [state.decoy_secret().await?, username.as_bytes()].concat();
            PreloginResponse { salt: Salt::decoy(&seed).to_base64(), kdf: KdfParams::INTERACTIVE }
        }
    };
    Ok(Json(response))
}

/// Step one: the password (as `auth_key`). Right: a code goes out and the answer says where.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<LoginRequest>,
) -> ServerResult<Json<CodeSent>> {
    let username = normalise_username(&request.username);
    let possible = possible_username(&username);
    // An impossible name still counts against the address, under one key for all of them.
    let mut throttle = LoginThrottle::new(if possible { &username } else { "(impossible name)" }, peer.ip());
    let refusal = throttle.begin(&state).await?;
    let auth_key = AuthKey::from_base64(&request.auth_key).map_err(|_| ServerError::InvalidCredentials)?;
    let credentials = if possible { state.store().credentials(&username).await? } else { None };
    let Some(credentials) = credentials.filter(|c| c.active) else {
        // Spend the same work as a real check, so timing does not reveal which accounts exist.
        let _ = tokio::task::spawn_blocking(move || AuthKeyVerifier::hash(&auth_key)).await;
        tracing::info!("login refused: unknown or inactive account");
        return Err(refusal);
    };
    if !verify_auth_key(&credentials.auth_hash, auth_key).await? {
        tracing::info!(user_id = %credentials.user_id, "login refused: wrong password");
        return Err(refusal);
    }
    // The password is right: not a failure. The code is an attempt of its own.
    throttle.take_back(&state).await?;

    let Some(ChangeBody::Account(account)) = state.store().entity(EntityKind::Account, credentials.user_id.0).await? else {
        return Err(ServerError::NotFound("account"));
    };
    let challenge_id = Uuid::now_v7();
    let code = otp::generate_code();
    let key = state.store().server_secret("login-code-key").await?;
    let now = state.clock().now();
    state
        .store()
        .create_challenge(StoredChallenge {
            id: challenge_id,
            user_id: credentials.user_id,
            username,
            device_name: device_name(&request.device_name),
            code_hash: otp::code_hash(&key, challenge_id.as_bytes(), &code)?,
            state: CodeChallenge::new(now),
        })
        .await?;
    let channel = account.code_channel;
    let destination = state.delivery().send_code(channel, account.email.as_ref(), account.mobile.as_ref(), &code).await?;
    tracing::info!(user_id = %credentials.user_id, %challenge_id, ?channel, "login code sent");
    Ok(Json(CodeSent { challenge_id, channel, destination, expires_at: now + kring_domain::second_factor::CODE_LIFETIME }))
}

/// Step two: the one-time code. Wrong codes count against the account like wrong passwords.
pub async fn verify_code(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<VerifyCodeRequest>,
) -> ServerResult<Json<LoginGrant>> {
    let Some(challenge) = state.store().challenge(request.challenge_id).await? else {
        return Err(kring_domain::CodeError::Expired.into());
    };
    let mut throttle = LoginThrottle::new(&challenge.username, peer.ip());
    let refusal = throttle.begin(&state).await?;
    let key = state.store().server_secret("login-code-key").await?;
    let matches = otp::code_matches(&key, challenge.id.as_bytes(), request.code.trim(), &challenge.code_hash)?;
    let (next, result) = challenge.state.attempt(state.clock().now(), matches);
    if next != challenge.state && !state.store().update_challenge(challenge.id, challenge.state, next).await? {
        // Another attempt on the same challenge won the race; this one opens nothing.
        throttle.take_back(&state).await?;
        return Err(kring_domain::CodeError::AlreadyUsed.into());
    }
    if let Err(error) = result {
        tracing::info!(user_id = %challenge.user_id, code = ?error, "login code refused");
        // A wrong guess counts against the account; the right code on a spent challenge does not.
        if !matches && matches!(error, kring_domain::CodeError::Wrong | kring_domain::CodeError::TooManyAttempts) {
            if let ServerError::RateLimited(wait) = refusal {
                return Err(ServerError::RateLimited(wait));
            }
        } else {
            throttle.take_back(&state).await?;
        }
        return Err(error.into());
    }
    throttle.succeeded(&state).await?;

    let credentials = state.store().credentials_of(challenge.user_id).await?.ok_or(ServerError::NotFound("account"))?;
    let grant = open_session(&state, &credentials, challenge.device_name).await?;
    tracing::info!(user_id = %challenge.user_id, "logged in");
    Ok(Json(grant))
}

/// A refresh token buys the next token pair, once.
pub async fn refresh(State(state): State<AppState>, Json(request): Json<RefreshRequest>) -> ServerResult<Json<TokenGrant>> {
    let token = URL_SAFE_NO_PAD.decode(request.refresh_token.trim()).map_err(|_| ServerError::Unauthenticated)?;
    let now = state.clock().now();
    let (tokens, grant) = new_tokens(now);
    let user = state.store().rotate_session(token_hash(&token), now, tokens).await?.ok_or(ServerError::Unauthenticated)?;
    tracing::debug!(user_id = %user, "session refreshed");
    Ok(Json(grant))
}

pub async fn logout(State(state): State<AppState>, user: AnyAuthUser) -> ServerResult<()> {
    state.store().revoke_session(user.0.id).await?;
    state.feed().end_user(user.0.user_id);
    tracing::info!(user_id = %user.0.user_id, "logged out");
    Ok(())
}

pub async fn me(State(state): State<AppState>, user: AuthUser) -> ServerResult<Json<Me>> {
    Ok(Json(load_me(&state, user.id).await?))
}

/// Change one's own password (ACC-2, ACC-3). Proves the current password; stores the new
/// verifier and the re-sealed keys; ends the user's other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    user: AnyAuthUser,
    Json(request): Json<ChangePasswordRequest>,
) -> ServerResult<()> {
    let session = user.0;
    let credentials = state.store().credentials_of(session.user_id).await?.ok_or(ServerError::NotFound("account"))?;
    let current = AuthKey::from_base64(&request.current_auth_key).map_err(|_| ServerError::InvalidCredentials)?;
    if !verify_auth_key(&credentials.auth_hash, current).await? {
        tracing::info!(user_id = %session.user_id, "password change refused: wrong current password");
        return Err(ServerError::InvalidCredentials);
    }
    // ACC-2: not the same password again (after a reset: not the temporary one the administrator saw).
    let unchanged = AuthKey::from_base64(&request.new_auth_key_under_current_salt)
        .map_err(|_| ServerError::InvalidRequest("new_auth_key_under_current_salt".into()))?;
    if verify_auth_key(&credentials.auth_hash, unchanged).await? {
        tracing::info!(user_id = %session.user_id, "password change refused: the same password");
        return Err(ServerError::PasswordUnchanged);
    }
    check_key_material(&request.keys)?;
    if let Some(existing) = &credentials.keys {
        // A change re-seals the same key pair; only an account without keys may bring new ones.
        if existing.encryption_public_key != request.keys.encryption_public_key
            || existing.signing_public_key != request.keys.signing_public_key
        {
            return Err(ServerError::InvalidRequest("a password change must keep the key pair".into()));
        }
    }
    let (salt, kdf, auth_hash) = new_verifier(request.new).await?;
    let new_key_pair = credentials.keys.is_none();
    let published = request.keys.clone();
    state
        .store()
        .update_login(
            session.user_id,
            LoginUpdate { salt, kdf, auth_hash, keys: Some(request.keys), must_change_password: false, keys_were_reset: false },
        )
        .await?;
    state.store().revoke_sessions_of(session.user_id, Some(session.id)).await?;
    state.feed().end_user(session.user_id);
    if new_key_pair {
        publish_public_key(&state, session.user_id, Some(&published)).await?;
    }
    tracing::info!(user_id = %session.user_id, "password changed");
    Ok(())
}

/// An administrator resets a colleague's forgotten password (ACC-3): a temporary password the
/// user must change, no keys (see `ResetPasswordRequest`), and every session of theirs ends.
pub async fn reset_password(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(target): Path<UserId>,
    Json(request): Json<ResetPasswordRequest>,
) -> ServerResult<()> {
    if target == admin.id {
        return Err(ServerError::InvalidRequest("change your own password instead of resetting it".into()));
    }
    let target_organisations: Vec<OrganisationId> = contracts(&state, target).await?.into_iter().map(|(org, _)| org).collect();
    let admin_may = contracts(&state, admin.id)
        .await?
        .into_iter()
        .any(|(org, role)| role.permits(Action::ResetPassword) && target_organisations.contains(&org));
    if !admin_may {
        return Err(ServerError::Forbidden("resetting this person's password"));
    }
    state.store().credentials_of(target).await?.ok_or(ServerError::NotFound("account"))?;
    let (salt, kdf, auth_hash) = new_verifier(request.new).await?;
    state
        .store()
        .update_login(target, LoginUpdate { salt, kdf, auth_hash, keys: None, must_change_password: true, keys_were_reset: true })
        .await?;
    state.store().revoke_sessions_of(target, None).await?;
    state.feed().end_user(target);
    publish_public_key(&state, target, None).await?;
    forget_wrapped_keys(&state, target).await?;
    tracing::warn!(admin_id = %admin.id, user_id = %target, "password reset by an administrator; the user's keys were dropped");
    Ok(())
}

/// Put the user's (new) public keys in the directory, or take them out after a reset, so key
/// holders wrap vault keys for the right key only and signatures are checked against it.
async fn publish_public_key(state: &AppState, user: UserId, keys: Option<&KeyMaterial>) -> ServerResult<()> {
    if let Some(ChangeBody::Person(person)) = state.store().entity(EntityKind::Person, user.0).await? {
        let person = person.with_keys(keys);
        let commit = crate::store::Commit { changes: vec![(Scope::Directory, ChangeBody::Person(person))], ..Default::default() };
        state.commit(commit).await?;
    }
    Ok(())
}

async fn verify_auth_key(hash: &str, auth_key: AuthKey) -> ServerResult<bool> {
    let hash = hash.to_owned();
    Ok(tokio::task::spawn_blocking(move || AuthKeyVerifier::verify(&hash, &auth_key)).await??)
}

/// Brute-force limits on login (ACC-7): per account and per network address, with the lockout
/// policy from kring-domain. Wrong passwords and wrong codes count alike. Every attempt counts
/// from its start ([`Throttle::begin`], stored by compare-and-set), so parallel attempts cannot
/// all get past the limit; a successful login clears the account and the address.
struct LoginThrottle {
    account: String,
    address: String,
    /// The lock this request's attempt started under each key (account, address), to take back
    /// only that one.
    own_locks: [Option<OffsetDateTime>; 2],
}

/// Compare-and-set rounds before giving up on a throttle key under heavy contention.
const THROTTLE_ROUNDS: usize = 64;

impl LoginThrottle {
    fn new(username: &str, peer: IpAddr) -> Self {
        Self { account: format!("account:{username}"), address: format!("address:{}", address_key(peer)), own_locks: [None; 2] }
    }

    fn keys(&self) -> [(&str, ThrottleSubject); 2] {
        [(self.account.as_str(), ThrottleSubject::Account), (self.address.as_str(), ThrottleSubject::Address)]
    }

    /// Start an attempt: refused at once while the account or the address is locked, otherwise
    /// counted as a failure under both until it succeeds. The answer is what a failure of this
    /// attempt tells the client: the lockout it starts, or plain invalid credentials.
    async fn begin(&mut self, state: &AppState) -> ServerResult<ServerError> {
        let now = state.clock().now();
        let mut locks_for = None;
        let mut own_locks = [None; 2];
        for (index, (key, subject)) in self.keys().into_iter().enumerate() {
            let attempt = update_throttle(state, key, |current| match current.unwrap_or_default().begin(subject, now) {
                Ok(attempt) => (Some(attempt.next), Ok(attempt)),
                Err(wait) => (current, Err(wait)),
            })
            .await?;
            match attempt {
                Ok(attempt) => {
                    if attempt.locks_for.is_some() {
                        tracing::warn!(subject = ?subject, "login locked after repeated failures");
                        own_locks[index] = attempt.next.locked_until;
                    }
                    locks_for = locks_for.max(attempt.locks_for);
                }
                Err(wait) => {
                    // Locked: this attempt is not one, so it counts nowhere.
                    if index == 1 {
                        take_back(state, &self.account, own_locks[0]).await?;
                    }
                    return Err(ServerError::RateLimited(wait));
                }
            }
        }
        self.own_locks = own_locks;
        Ok(locks_for.map_or(ServerError::InvalidCredentials, ServerError::RateLimited))
    }

    /// The attempt turned out not to be a guess (the right password, or the right code on a
    /// spent challenge): uncount it, with the lock it started and no other.
    async fn take_back(&self, state: &AppState) -> ServerResult<()> {
        for ((key, _), own_lock) in self.keys().into_iter().zip(self.own_locks) {
            take_back(state, key, own_lock).await?;
        }
        Ok(())
    }

    /// The login succeeded: forget the failures of the account and of the address.
    async fn succeeded(&self, state: &AppState) -> ServerResult<()> {
        for (key, _) in self.keys() {
            update_throttle(state, key, |_| (None, ())).await?;
        }
        Ok(())
    }
}

/// The throttle key of an address: IPv4 as it is, IPv6 by its /64 (one household or practice
/// gets a whole /64 and can pick any address in it).
fn address_key(peer: IpAddr) -> String {
    match peer {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    }
}

async fn take_back(state: &AppState, key: &str, own_lock: Option<OffsetDateTime>) -> ServerResult<()> {
    update_throttle(state, key, |current| (current.map(|throttle| throttle.take_back(own_lock)), ())).await
}

/// Read a throttle key, compute its next state with `step`, and store it if nobody changed the
/// key meanwhile; otherwise read again.
async fn update_throttle<T>(
    state: &AppState,
    key: &str,
    step: impl Fn(Option<Throttle>) -> (Option<Throttle>, T),
) -> ServerResult<T> {
    for _ in 0..THROTTLE_ROUNDS {
        let stored = state.store().login_throttle(key).await?;
        let current = stored.map(|stored| stored.throttle);
        let (next, outcome) = step(current);
        if next == current || state.store().replace_login_throttle(key, stored.map(|stored| stored.version), next).await? {
            return Ok(outcome);
        }
    }
    Err(ServerError::RateLimited(Duration::seconds(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_7_an_ipv6_address_counts_by_its_64_and_a_mapped_ipv4_as_ipv4() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_key(one), address_key(other));
        assert_ne!(address_key(one), address_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(address_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(address_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
    }
}
