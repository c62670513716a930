//! Staff administration on the wire (STAFF-1 … STAFF-8): account requests, the practice's
//! patient-data vault and who holds its key, and account activation.

use crate::auth::{CodeChannel, KeyMaterial, NewPassword};
use kring_domain::{AccountRequestDetails, OrganisationId, RequestStatus, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A request for a colleague's account, as the requesting organisation sees it (STAFF-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccountRequestEntry {
    pub id: Uuid,
    /// Where the new account will work.
    pub organisation_id: OrganisationId,
    /// Whose staff list shows the request: the same organisation, or the practice that invited a
    /// network partner (STAFF-10).
    pub inviting_organisation_id: OrganisationId,
    pub requested_by: UserId,
    pub details: AccountRequestDetails,
    pub status: RequestStatus,
    /// The account made when the request was approved.
    pub user_id: Option<UserId>,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Hidden from the staff list 30 days after the request (a durable job sets it).
    pub hidden: bool,
}

/// The practice's patient-data vault: its public key, to which HIS extractions and patient data
/// are sealed. Its secret key is wrapped for each authorised colleague ([`PatientDataAccessEntry`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeVaultEntry {
    pub organisation_id: OrganisationId,
    /// Base64 of the vault's X25519 public key.
    pub public_key: String,
}

/// One colleague's access to the practice's patient data (STAFF-1, STAFF-4): whether the GP
/// authorised it, and the vault key wrapped for them once a key holder has done so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDataAccessEntry {
    pub id: Uuid,
    pub organisation_id: OrganisationId,
    pub user_id: UserId,
    pub authorised: bool,
    /// Base64 of the vault secret sealed to the user's encryption key.
    pub wrapped_key: Option<String>,
}

impl PatientDataAccessEntry {
    /// The entity id for (organisation, user): stable, so each change replaces the last.
    pub fn id_for(organisation: OrganisationId, user: UserId) -> Uuid {
        Uuid::new_v5(&organisation.0, user.0.as_bytes())
    }
}

/// `POST /v1/activate`: the new colleague's own client sets the password, makes their keys and
/// chooses where login codes go. The token comes from the invitation e-mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivateRequest {
    pub token: String,
    pub new: NewPassword,
    pub keys: KeyMaterial,
    pub code_channel: CodeChannel,
}

/// What activation answers: the username to log in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Activated {
    pub username: String,
}

/// `GET /v1/activate/{token}`: whose invitation this is and its Argon2id parameters, before the
/// password is chosen (so the client derives with the right cost).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub username: String,
    pub display_name: String,
    pub kdf: kring_crypto::KdfParams,
    pub has_mobile: bool,
}

/// The practice's HIS user id for one colleague (STAFF-11): a launch from the HIS names this id,
/// and it opens this colleague's account (single sign-on, issue 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HisLinkEntry {
    pub id: Uuid,
    pub organisation_id: OrganisationId,
    pub user_id: UserId,
    pub his_user_id: Option<String>,
}

impl HisLinkEntry {
    pub fn id_for(organisation: OrganisationId, user: UserId) -> Uuid {
        Uuid::new_v5(&organisation.0, format!("his:{}", user.0).as_bytes())
    }
}
