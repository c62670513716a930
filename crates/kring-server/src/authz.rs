//! Who is asking and what they may do (SEC-1): the session layer every non-public route sits
//! behind, the extractors handlers take, and the role checks against the one permission table
//! (`Role::permits`). Handler modules use this; it uses none of them.

use crate::credentials::token_hash;
use crate::error::{ServerError, ServerResult};
use crate::identity::contracts;
use crate::store::LiveSession;
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kring_domain::{Action, OrganisationId, UserId};

/// The router's layer for every [`crate::Access::Session`] route (SEC-1): the request's
/// `Authorization: Bearer` access token must belong to a live session, or the answer is 401
/// before any handler runs. The session travels on to the extractors below.
pub async fn require_session(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match live_session(request.headers(), &state).await {
        Ok(session) => {
            request.extensions_mut().insert(session);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}

/// A live session and the hash of the access token that found it.
#[derive(Debug, Clone)]
struct Authenticated {
    session: LiveSession,
    access_hash: [u8; 32],
}

/// The live session of the request's `Authorization: Bearer` access token.
async fn live_session(headers: &axum::http::HeaderMap, state: &AppState) -> ServerResult<Authenticated> {
    let header =
        headers.get(kring_protocol::AUTHORIZATION).and_then(|value| value.to_str().ok()).ok_or(ServerError::Unauthenticated)?;
    let token = header.strip_prefix("Bearer ").ok_or(ServerError::Unauthenticated)?;
    let token = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| ServerError::Unauthenticated)?;
    let access_hash = token_hash(&token);
    let session = state.store().session_by_access(access_hash, state.clock().now()).await?.ok_or(ServerError::Unauthenticated)?;
    Ok(Authenticated { session, access_hash })
}

/// What [`require_session`] found; a handler on a public route has none (401).
fn authenticated(parts: &Parts) -> ServerResult<Authenticated> {
    parts.extensions.get::<Authenticated>().cloned().ok_or(ServerError::Unauthenticated)
}

/// The session behind a request's access token, whatever the account's state. Only logout and
/// the password change take this one; everything else takes [`AuthUser`].
pub struct AnyAuthUser(pub LiveSession);

impl FromRequestParts<AppState> for AnyAuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(AnyAuthUser(authenticated(parts)?.session))
    }
}

/// The user behind a request's access token. Rejects with 401 when missing, expired or revoked,
/// and with `password_change_required` until a first-login or reset password is changed (ACC-2).
pub struct AuthUser {
    pub id: UserId,
    pub device_name: String,
    /// To re-check on long-lived connections (the WebSocket) that the token still holds.
    pub access_hash: [u8; 32],
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let Authenticated { session, access_hash } = authenticated(parts)?;
        if session.must_change_password {
            return Err(ServerError::PasswordChangeRequired);
        }
        Ok(AuthUser { id: session.user_id, device_name: session.device_name, access_hash })
    }
}

/// Whether any of the user's roles in `organisation` permits `action`.
pub async fn may(state: &AppState, user: UserId, organisation: OrganisationId, action: Action) -> ServerResult<bool> {
    Ok(contracts(state, user).await?.iter().any(|(org, role)| *org == organisation && role.permits(action)))
}
