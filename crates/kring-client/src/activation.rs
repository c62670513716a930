//! Activating an invited account (STAFF-3): the link from the invitation e-mail, a password of
//! one's own (ACC-2's policy), keys made on this device, and where login codes should go.

use crate::api::ServerApi;
use crate::error::{ClientError, ClientResult};
use crate::ServerUrl;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::{derive_login_keys, Salt, UserKeys};
use kring_domain::check_new_password;
use kring_protocol::staff::{ActivateRequest, Activated};
use kring_protocol::{CodeChannel, ErrorCode, KeyMaterial, NewPassword};
use zeroize::Zeroizing;

/// The token in an activation link (`kring://activeer?token=…`), or the token itself.
pub fn token_from_link(text: &str) -> ClientResult<String> {
    let text = text.trim();
    let token = match text.split_once("token=") {
        Some((_, rest)) => rest.split('&').next().unwrap_or(rest),
        None => text,
    };
    let valid = token.len() == 43 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(token.to_owned())
    } else {
        Err(ClientError::ActivationLinkInvalid)
    }
}

fn link_error(error: ClientError) -> ClientError {
    match error {
        ClientError::Refused { code: ErrorCode::NotFound, .. } => ClientError::ActivationLinkInvalid,
        other => other,
    }
}

/// Whose invitation the link is, before choosing a password.
pub async fn invitation(server: &ServerUrl, link: &str) -> ClientResult<InvitationView> {
    let token = token_from_link(link)?;
    let invitation = ServerApi::new(server.clone())?.invitation(&token).await.map_err(link_error)?;
    Ok(InvitationView { username: invitation.username, display_name: invitation.display_name, has_mobile: invitation.has_mobile })
}

/// What the activation screen shows of an invitation (the key-derivation cost stays inside).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct InvitationView {
    pub username: String,
    pub display_name: String,
    pub has_mobile: bool,
}

/// Activate: check the password against the policy, derive the login keys, make the key pair
/// here, and send only the verifier material and the sealed keys.
pub async fn activate(
    server: &ServerUrl,
    link: &str,
    password: &str,
    repeated: &str,
    channel: CodeChannel,
) -> ClientResult<Activated> {
    let token = token_from_link(link)?;
    let api = ServerApi::new(server.clone())?;
    let invitation = api.invitation(&token).await.map_err(link_error)?;
    if password != repeated {
        return Err(ClientError::PasswordsDiffer);
    }
    check_new_password(password, &invitation.username)?;
    let salt = Salt::random();
    let kdf = invitation.kdf;
    let password = Zeroizing::new(password.to_owned());
    let derived_salt = salt.clone();
    let (login, keys) = tokio::task::spawn_blocking(move || {
        derive_login_keys(&password, &derived_salt, kdf).map(|login| (login, UserKeys::generate()))
    })
    .await
    .map_err(|e| ClientError::Internal(e.to_string()))??;
    let request = ActivateRequest {
        token,
        new: NewPassword { salt: salt.to_base64(), kdf, auth_key: login.auth_key.to_base64().to_string() },
        keys: KeyMaterial {
            sealed_private_keys: STANDARD_NO_PAD.encode(keys.seal(&login.kek)?),
            encryption_public_key: STANDARD_NO_PAD.encode(keys.encryption.public().as_bytes()),
            signing_public_key: STANDARD_NO_PAD.encode(keys.signing.public().as_bytes()),
        },
        code_channel: channel,
    };
    api.activate(&request).await.map_err(link_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_3_the_token_is_read_from_the_whole_link_or_alone() {
        let token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
        assert_eq!(token_from_link(&format!("kring://activeer?token={token}")).unwrap(), token);
        assert_eq!(token_from_link(&format!("  {token}\n")).unwrap(), token);
        for bad in ["", "kring://activeer?token=kort", "https://phish.example/?token=<script>"] {
            assert!(matches!(token_from_link(bad), Err(ClientError::ActivationLinkInvalid)), "{bad}");
        }
    }
}
