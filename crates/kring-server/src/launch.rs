//! `POST /v1/auth/launch`: HIS single sign-on (PAT-3, PAT-4, STAFF-11). A token signed by the
//! practice's registered HIS bridge (EdDSA JWS) opens a session for the colleague linked to the
//! HIS user, without a password and so without open keys (ACC-5). Every refusal is a typed
//! `LaunchError`; nothing about the token is logged but the bridge id.

use crate::auth::{device_name, load_me, new_tokens};
use crate::error::{ServerError, ServerResult};
use crate::store::NewSession;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::jws::UnverifiedJws;
use kring_crypto::SigningPublicKey;
use kring_domain::launch::{LaunchClaims, LaunchError};
use kring_protocol::{ChangeBody, EntityKind, LaunchGrant, LaunchRequest, LaunchTarget, LoginGrant};
use uuid::Uuid;

pub async fn launch(State(state): State<AppState>, Json(request): Json<LaunchRequest>) -> ServerResult<Json<LaunchGrant>> {
    let jws = UnverifiedJws::decode(&request.token).map_err(|_| LaunchError::Malformed)?;
    let (organisation, key) = state.store.his_bridge(jws.kid()).await?.ok_or(LaunchError::BadSignature)?;
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
    let now = state.clock.now();
    let checked = claims.check(&state.config.region_id, now)?;
    if !state.store.use_launch_token(&checked.claims.jti, checked.expires_at).await? {
        tracing::warn!(%bridge, "launch refused: token replayed");
        return Err(LaunchError::Replayed.into());
    }
    let user = state
        .store
        .children(EntityKind::HisLink, organisation.0)
        .await?
        .into_iter()
        .find_map(|body| match body {
            ChangeBody::HisLink(link) if link.his_user_id.as_deref() == Some(checked.claims.sub.as_str()) => Some(link.user_id),
            _ => None,
        })
        .ok_or(LaunchError::UnknownHisUser)?;
    let credentials = state.store.credentials_of(user).await?.filter(|c| c.active).ok_or(LaunchError::UnknownHisUser)?;
    let (tokens, grant) = new_tokens(now);
    state
        .store
        .create_session(NewSession {
            id: Uuid::now_v7(),
            user_id: user,
            device_name: device_name(&request.device_name),
            created_at: now,
            tokens,
        })
        .await?;
    tracing::info!(user_id = %user, %bridge, "logged in from the HIS");
    let login = LoginGrant {
        tokens: grant,
        me: load_me(&state, user).await?,
        keys: credentials.keys,
        must_change_password: credentials.must_change_password,
        keys_were_reset: credentials.keys_were_reset,
    };
    let target = LaunchTarget { organisation_id: organisation, bsn: checked.bsn, birth_date: checked.claims.birth_date };
    Ok(Json(LaunchGrant { login, target }))
}
