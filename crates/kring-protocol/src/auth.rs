//! Login (ACC-1, ACC-2, ACC-7). Three round trips, none of which carries the password:
//! `prelogin` fetches the user's salt and Argon2id parameters; the client derives `auth_key` and
//! `login` proves it, which sends a one-time code by SMS or e-mail ([`CodeSent`]);
//! `verify-code` turns the code into a [`LoginGrant`]: tokens, who you are, and the user's
//! private keys sealed with their `kek`, which only the client can open.

use kring_crypto::KdfParams;
use kring_domain::{OrganisationId, Role, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// `POST /v1/auth/prelogin`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreloginRequest {
    pub username: String,
}

/// The salt and cost parameters for the username. An unknown username gets a decoy salt, so the
/// answer does not reveal whether the account exists.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreloginResponse {
    pub salt: String,
    pub kdf: KdfParams,
}

/// `POST /v1/auth/login`: the first step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    /// Base64 of the 32-byte `auth_key` derived from the password; never the password itself.
    pub auth_key: String,
    /// Shown in the user's list of sessions and in the access log ("werkplek balie 2").
    pub device_name: String,
}

/// Where one-time login codes go; the user chooses and may change it (ACC-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CodeChannel {
    Sms,
    #[default]
    Email,
}

/// The answer to a correct first step: a code is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CodeSent {
    pub challenge_id: Uuid,
    pub channel: CodeChannel,
    /// The destination, masked ("a•••s@praktijk.nl", "06 •••• 5678"), so the user knows where to look.
    pub destination: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// `POST /v1/auth/verify-code`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyCodeRequest {
    pub challenge_id: Uuid,
    pub code: String,
}

/// A successful login.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginGrant {
    pub tokens: TokenGrant,
    pub me: Me,
    /// The user's keys; `None` for an account that has none yet (the client makes them at the
    /// forced password change).
    pub keys: Option<KeyMaterial>,
    /// First login, or after an administrator reset: nothing else is allowed until the password
    /// has been changed (ACC-2).
    pub must_change_password: bool,
    /// An administrator reset the password since the last login: earlier encrypted data is no
    /// longer readable (ACC-3). The app says so plainly.
    pub keys_were_reset: bool,
}

/// A short-lived access token for `Authorization: Bearer …` and the refresh token that renews it.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenGrant {
    pub access_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub access_expires_at: OffsetDateTime,
    pub refresh_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub refresh_expires_at: OffsetDateTime,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("access_token", &"***")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"***")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

/// `POST /v1/auth/refresh`: a refresh token buys a new pair; the old refresh token is spent.
#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A user's key pair as the server stores it: public halves in the clear, private halves sealed
/// with the user's `kek` (XChaCha20-Poly1305). The salt and parameters that give the `kek` are
/// the login's own (`prelogin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMaterial {
    /// Base64 of `UserKeys::seal`.
    pub sealed_private_keys: String,
    /// Base64 of the X25519 public key.
    pub encryption_public_key: String,
    /// Base64 of the Ed25519 public key.
    pub signing_public_key: String,
}

/// A new password as the server gets it: salt, parameters and the derived `auth_key` (the
/// server stores an Argon2id hash of it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewPassword {
    pub salt: String,
    pub kdf: KdfParams,
    pub auth_key: String,
}

/// `POST /v1/auth/password`: change one's own password, proving the current one. `keys` are
/// the same key pair re-sealed with the new `kek` (ACC-3: nothing is lost), or a new key pair
/// when the account has none (first login, or after an administrator reset).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub current_auth_key: String,
    pub new: NewPassword,
    pub keys: KeyMaterial,
    /// The new password derived with the *current* salt and parameters: the server refuses the
    /// change when it opens the current verifier (the new password is the old or the temporary
    /// one, ACC-2), without ever seeing either password.
    pub new_auth_key_under_current_salt: String,
}

/// `POST /v1/accounts/{user_id}/reset-password`: an administrator sets a temporary password
/// (made and shown by their client). The server drops the user's keys: the administrator knows
/// the temporary password, so keys sealed under it would be theirs too. The user's own client
/// makes a new key pair at the forced password change; older encrypted data is lost (ACC-3).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub new: NewPassword,
}

/// The logged-in user and the contracts (organisation + role) they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Me {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub contracts: Vec<Contract>,
}

/// One contract of the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Contract {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub role: Role,
}

/// `POST /v1/auth/launch`: the token from a `kring://launch` link (PAT-3). The answer is a
/// [`LaunchGrant`] whose keys stay sealed until the user enters the password (ACC-5).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LaunchRequest {
    pub token: String,
    pub device_name: String,
}

/// What a launch answers: the session, and the patient the HIS opened, as the verified token
/// names it (the app opens this patient once the secure session is open).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LaunchGrant {
    pub login: LoginGrant,
    pub target: LaunchTarget,
}

/// The patient of a HIS launch, in the practice whose bridge signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTarget {
    pub organisation_id: OrganisationId,
    pub bsn: kring_domain::Bsn,
    #[serde(default, with = "kring_domain::profile::iso_date::option")]
    pub birth_date: Option<time::Date>,
}
