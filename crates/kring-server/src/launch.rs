//! `POST /v1/auth/launch`: HIS single sign-on (PAT-3, PAT-4, STAFF-11). A token signed by the
//! practice's registered HIS bridge (EdDSA JWS) opens a session for the colleague linked to the
//! HIS user, without a password and so without open keys (ACC-5). Every refusal is a typed
//! `LaunchError`; nothing about the token is logged but the bridge id.

use crate::authz::AuthUser;
use crate::credentials::{device_name, open_session};
use crate::error::{ServerError, ServerResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::jws::UnverifiedJws;
use kring_crypto::SigningPublicKey;
use kring_domain::launch::{CheckedLaunch, LaunchClaims, LaunchError};
use kring_domain::UserId;
use kring_protocol::{ChangeBody, EntityKind, LaunchGrant, LaunchRequest, LaunchTarget};

pub async fn launch(State(state): State<AppState>, Json(request): Json<LaunchRequest>) -> ServerResult<Json<LaunchGrant>> {
    let (user, target, checked) = check_token(&state, &request.token).await?;
    spend(&state, &checked).await?;
    let credentials = state.store().credentials_of(user).await?.filter(|c| c.active).ok_or(LaunchError::UnknownHisUser)?;
    let login = open_session(&state, &credentials, device_name(&request.device_name)).await?;
    tracing::info!(user_id = %user, bridge = %checked.claims.iss, "logged in from the HIS");
    Ok(Json(LaunchGrant { login, target }))
}

/// `POST /v1/launch`: a HIS launch while the linked colleague is already logged in here: the
/// token is checked and spent the same way, and the open session (with its open lock) is kept.
/// For another colleague the token stays unspent (`launch_other_user`), so the app can log them
/// in with it instead.
pub async fn launch_in_session(
    State(state): State<AppState>,
    user: AuthUser,
    Json(request): Json<LaunchRequest>,
) -> ServerResult<Json<LaunchTarget>> {
    let (linked, target, checked) = check_token(&state, &request.token).await?;
    if linked != user.id {
        return Err(LaunchError::OtherUser.into());
    }
    spend(&state, &checked).await?;
    tracing::info!(user_id = %user.id, bridge = %checked.claims.iss, "HIS launch in the open session");
    Ok(Json(target))
}

/// Every rule but replay: the bridge's signature, the claims, the colleague linked to the HIS user.
async fn check_token(state: &AppState, token: &str) -> ServerResult<(UserId, LaunchTarget, CheckedLaunch)> {
    let jws = UnverifiedJws::decode(token).map_err(|_| LaunchError::Malformed)?;
    let (organisation, key) = state.store().his_bridge(jws.kid()).await?.ok_or(LaunchError::BadSignature)?;
    let key: [u8; 32] = STANDARD_NO_PAD
        .decode(key)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| ServerError::InvalidRequest("stored bridge key".into()))?;
    let key = SigningPublicKey::from_bytes(&key)?;
    let bridge = jws.kid().to_owned();
    let payload = jws.verify(&key).map_err(|_| LaunchError::BadSignature)?;
    let claims: LaunchClaims = serde_json::from_slice(&payload).map_err(|_| LaunchError::Malformed)?;
    if claims.iss != bridge {
        return Err(LaunchError::BadSignature.into());
    }
    let checked = claims.check(&state.config().region_id, state.clock().now())?;
    let user = state
        .store()
        .children(EntityKind::HisLink, organisation.0)
        .await?
        .into_iter()
        .find_map(|body| match body {
            ChangeBody::HisLink(link) if link.his_user_id.as_deref() == Some(checked.claims.sub.as_str()) => Some(link.user_id),
            _ => None,
        })
        .ok_or(LaunchError::UnknownHisUser)?;
    let target = LaunchTarget { organisation_id: organisation, bsn: checked.bsn.clone(), birth_date: checked.claims.birth_date };
    Ok((user, target, checked))
}

/// Spend the token's `jti`: a second launch with it is a replay.
async fn spend(state: &AppState, checked: &CheckedLaunch) -> ServerResult<()> {
    if !state.store().use_launch_token(&checked.claims.jti, checked.expires_at).await? {
        tracing::warn!(bridge = %checked.claims.iss, "launch refused: token replayed");
        return Err(LaunchError::Replayed.into());
    }
    Ok(())
}
