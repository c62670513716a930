//! Login, logout and the `AuthUser` extractor.
//!
//! The client never sends its password: `prelogin` hands out the user's salt and Argon2id
//! parameters, the client derives `auth_key`, and `login` checks it against the stored Argon2id
//! hash. Issue 3 adds the second factor as a new `LoginOutcome` between check and session.

use crate::error::{ServerError, ServerResult};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kring_crypto::{AuthKey, AuthKeyVerifier, KdfParams, Salt};
use kring_domain::{Action, OrganisationId, Role, ThrottleSubject, UserId};
use std::net::{IpAddr, SocketAddr};
use kring_protocol::auth::Contract;
use kring_protocol::{
    ChangeBody, EntityKind, LoginOutcome, LoginRequest, Me, PreloginRequest, PreloginResponse, Scope, SessionGrant,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::Duration;

/// How long a session token lives. Issue 3 replaces this with short access + refresh tokens.
const SESSION_LIFETIME: Duration = Duration::hours(12);

/// Canonical form of a login name: trimmed and lower-cased.
pub fn normalise_username(username: &str) -> String {
    username.trim().to_lowercase()
}

pub async fn prelogin(
    State(state): State<AppState>,
    Json(request): Json<PreloginRequest>,
) -> ServerResult<Json<PreloginResponse>> {
    let username = normalise_username(&request.username);
    let response = match state.store.credentials(&username).await? {
        Some(credentials) => PreloginResponse { salt: credentials.salt, kdf: credentials.kdf },
        None => {
            let secret = state.store.server_secret("decoy-salt").await?;
            let seed = [secret.as_slice(), username.as_bytes()].concat();
            PreloginResponse { salt: Salt::decoy(&seed).to_base64(), kdf: KdfParams::INTERACTIVE }
        }
    };
    Ok(Json(response))
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<LoginRequest>,
) -> ServerResult<Json<LoginOutcome>> {
    let username = normalise_username(&request.username);
    let throttle = LoginThrottle::new(&username, peer.ip());
    throttle.check(&state).await?;
    let auth_key = AuthKey::from_base64(&request.auth_key).map_err(|_| ServerError::InvalidCredentials)?;
    let credentials = state.store.credentials(&username).await?;
    let Some(credentials) = credentials.filter(|c| c.active) else {
        // Spend the same work as a real check, so timing does not reveal which accounts exist.
        let _ = tokio::task::spawn_blocking(move || AuthKeyVerifier::hash(&auth_key)).await;
        tracing::info!("login refused: unknown or inactive account");
        return Err(throttle.failed(&state).await);
    };
    let hash = credentials.auth_hash.clone();
    let matches = tokio::task::spawn_blocking(move || AuthKeyVerifier::verify(&hash, &auth_key))
        .await??;
    if !matches {
        tracing::info!(user_id = %credentials.user_id, "login refused: wrong password");
        return Err(throttle.failed(&state).await);
    }
    throttle.succeeded(&state).await?;

    let mut token = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut token);
    let now = state.clock.now();
    let expires_at = now + SESSION_LIFETIME;
    state
        .store
        .create_session(crate::store::NewSession {
            token_hash: token_hash(&token),
            user_id: credentials.user_id,
            device_name: request.device_name.chars().take(100).collect(),
            created_at: now,
            expires_at,
        })
        .await?;
    let me = load_me(&state, credentials.user_id).await?;
    tracing::info!(user_id = %credentials.user_id, "logged in");
    Ok(Json(LoginOutcome::Authenticated {
        session: SessionGrant { token: URL_SAFE_NO_PAD.encode(token), expires_at },
        me,
    }))
}

pub async fn logout(State(state): State<AppState>, user: AuthUser) -> ServerResult<()> {
    state.store.revoke_session(user.token_hash).await?;
    tracing::info!(user_id = %user.id, "logged out");
    Ok(())
}

pub async fn me(State(state): State<AppState>, user: AuthUser) -> ServerResult<Json<Me>> {
    Ok(Json(load_me(&state, user.id).await?))
}

/// Brute-force limits on login (ACC-7): per account and per network address, with the lockout
/// policy from kring-domain.
struct LoginThrottle {
    account: String,
    address: String,
}

impl LoginThrottle {
    fn new(username: &str, peer: IpAddr) -> Self {
        Self { account: format!("account:{username}"), address: format!("address:{peer}") }
    }

    fn keys(&self) -> [(&str, ThrottleSubject); 2] {
        [(self.account.as_str(), ThrottleSubject::Account), (self.address.as_str(), ThrottleSubject::Address)]
    }

    /// Refuse at once while the account or the address is locked.
    async fn check(&self, state: &AppState) -> ServerResult<()> {
        let now = state.clock.now();
        for (key, _) in self.keys() {
            if let Some(until) = state.store.login_failures(key).await?.locked_until.filter(|until| *until > now) {
                return Err(ServerError::RateLimited(until - now));
            }
        }
        Ok(())
    }

    /// Count a failure; the answer says whether it also started a lockout.
    async fn failed(&self, state: &AppState) -> ServerError {
        let now = state.clock.now();
        let mut locked_for = None;
        for (key, subject) in self.keys() {
            let lock = match state.store.add_login_failure(key).await {
                Ok(failures) => subject.lockout_after(failures),
                Err(error) => return error.into(),
            };
            if let Some(lock) = lock {
                if let Err(error) = state.store.lock_login(key, now + lock).await {
                    return error.into();
                }
                tracing::warn!(subject = ?subject, minutes = lock.whole_minutes(), "login locked after repeated failures");
                locked_for = locked_for.max(Some(lock));
            }
        }
        locked_for.map_or(ServerError::InvalidCredentials, ServerError::RateLimited)
    }

    async fn succeeded(&self, state: &AppState) -> ServerResult<()> {
        Ok(state.store.clear_login_failures(&self.account).await?)
    }
}

fn token_hash(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// The user behind a request's bearer token. Rejects with 401 when missing, expired or revoked.
pub struct AuthUser {
    pub id: UserId,
    pub token_hash: [u8; 32],
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(kring_protocol::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or(ServerError::Unauthenticated)?;
        let token = header.strip_prefix("Bearer ").ok_or(ServerError::Unauthenticated)?;
        let token = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| ServerError::Unauthenticated)?;
        let token_hash = token_hash(&token);
        let id = state
            .store
            .session_user(token_hash, state.clock.now())
            .await?
            .ok_or(ServerError::Unauthenticated)?;
        Ok(AuthUser { id, token_hash })
    }
}

/// The user's contracts as (organisation, role).
pub async fn contracts(state: &AppState, user: UserId) -> ServerResult<Vec<(OrganisationId, Role)>> {
    let bodies = state.store.children(EntityKind::Contract, user.0).await?;
    Ok(bodies
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::Contract(contract) => Some((contract.organisation_id, contract.role)),
            _ => None,
        })
        .collect())
}

/// Whether any of the user's roles in `organisation` permits `action`.
pub async fn may(state: &AppState, user: UserId, organisation: OrganisationId, action: Action) -> ServerResult<bool> {
    Ok(contracts(state, user).await?.iter().any(|(org, role)| *org == organisation && role.permits(action)))
}

/// What a user may see of the feed: the directory, their own account, their organisations.
pub async fn scopes(state: &AppState, user: UserId) -> ServerResult<Vec<Scope>> {
    let mut scopes = vec![Scope::Directory, Scope::User(user)];
    for (organisation, _) in contracts(state, user).await? {
        let scope = Scope::Organisation(organisation);
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

async fn load_me(state: &AppState, user: UserId) -> ServerResult<Me> {
    let Some(ChangeBody::Person(person)) = state.store.entity(EntityKind::Person, user.0).await? else {
        return Err(ServerError::NotFound("person"));
    };
    let Some(ChangeBody::Account(account)) = state.store.entity(EntityKind::Account, user.0).await? else {
        return Err(ServerError::NotFound("account"));
    };
    let mut contracts_out = Vec::new();
    for (organisation_id, role) in contracts(state, user).await? {
        let organisation_name = match state.store.entity(EntityKind::Organisation, organisation_id.0).await? {
            Some(ChangeBody::Organisation(org)) => org.name,
            _ => return Err(ServerError::NotFound("organisation")),
        };
        contracts_out.push(Contract { organisation_id, organisation_name, role });
    }
    Ok(Me {
        user_id: user,
        username: account.username,
        display_name: format!("{} {}", person.first_name, person.last_name),
        contracts: contracts_out,
    })
}
