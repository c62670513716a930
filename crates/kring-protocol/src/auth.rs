//! Login. Two round trips: `prelogin` fetches the user's salt and Argon2id parameters, the client
//! derives `auth_key` from the password, and `login` proves it. Issue 3 adds a second factor as
//! another [`LoginOutcome`] variant; the first step stays as it is.

use kring_crypto::KdfParams;
use kring_domain::{OrganisationId, Role, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    /// Base64 of the 32-byte `auth_key` derived from the password; never the password itself.
    pub auth_key: String,
    /// Shown in the user's list of sessions and in the access log ("werkplek balie 2").
    pub device_name: String,
}

/// What a correct first step leads to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LoginOutcome {
    /// Logged in: a session token and who you are.
    Authenticated { session: SessionGrant, me: Me },
}

/// A bearer token for `Authorization: Bearer …` with its expiry.
#[derive(Clone, Serialize, Deserialize)]
pub struct SessionGrant {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for SessionGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionGrant").field("token", &"***").field("expires_at", &self.expires_at).finish()
    }
}

/// The logged-in user and the contracts (organisation + role) they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub contracts: Vec<Contract>,
}

/// One contract of the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub role: Role,
}
