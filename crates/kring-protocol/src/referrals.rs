//! Referrals on the wire (REF-1 … REF-4) and the region's authorisation matrix (REF-2).
//!
//! A referral is a record with its own vault, like a patient's network: the practice's client
//! makes a key pair, seals the `ReferralContent` (the card, the reason, exactly the chart subset
//! the matrix allows) to it, and wraps the secret for the referrer, for each caregiver of the
//! receiving organisation (or team), and once for the practice vault, so any key holder of the
//! practice can refresh the shared data after a new extraction. The server sees who, where, which
//! categories and the status; never the content. The conversation that goes with the referral
//! (feedback, attachments, the GGZ letter) is an ordinary conversation.

use crate::patients::NetworkKey;
use kring_domain::referral::{AuthorisationMatrix, DataCategory, ReferralStatus, ReferralStep};
use kring_domain::{ConversationId, OrganisationId, OrganisationKind, PatientId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A referral as the server keeps and syncs it: to the practice's patient scope and to the
/// receiving organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    /// The referring practice (the patient's).
    pub practice_id: OrganisationId,
    pub to_organisation: OrganisationId,
    /// The team of the receiving organisation, when the referral went to one.
    pub to_team: Option<TeamId>,
    /// Where feedback, attachments and the letter go.
    pub conversation_id: ConversationId,
    /// A GGZ referral in two steps (REF-4): a letter goes along.
    pub ggz: bool,
    pub referred_by: UserId,
    /// The GP on whose behalf a POH-GGZ referred.
    pub on_behalf_of: Option<UserId>,
    /// The data categories sealed in `content`: within the matrix of `matrix_version`.
    pub categories: Vec<DataCategory>,
    pub matrix_version: u32,
    /// Base64 of the referral vault's X25519 public key; fixed once made.
    pub public_key: String,
    /// Base64 of the vault's secret sealed to the practice vault.
    pub practice_key: String,
    /// The vault's secret wrapped for the referrer and each receiving caregiver with keys.
    pub members: Vec<NetworkKey>,
    /// Base64 of the `ReferralContent` (JSON) sealed to the referral vault.
    pub content: String,
    /// Base64 of the Ed25519 signature of [`ReferralEntry::signed_bytes`] by whoever sealed the
    /// content last (the latest `sent` or `data_updated` step): anyone holding the public key could
    /// seal content, only the referrer or a refreshing practice member can sign it.
    #[serde(default)]
    pub content_signature: String,
    pub status: ReferralStatus,
    pub taken_by: Option<UserId>,
    /// Every step with who and when, oldest first.
    pub history: Vec<ReferralEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralEvent {
    pub step: ReferralStep,
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What the practice's client makes for a new referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReferral {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub to_organisation: OrganisationId,
    pub to_team: Option<TeamId>,
    pub ggz: bool,
    pub on_behalf_of: Option<UserId>,
    pub categories: Vec<DataCategory>,
    pub matrix_version: u32,
    pub public_key: String,
    pub practice_key: String,
    pub members: Vec<NetworkKey>,
    pub content: String,
    /// See [`ReferralEntry::content_signature`].
    pub content_signature: String,
}

impl ReferralEntry {
    /// What the content's signature covers: the referral and the sealed content, under a label of
    /// its own so the signature cannot be taken for a message's.
    pub fn signed_bytes(referral: Uuid, content: &str) -> Vec<u8> {
        let mut bytes = b"kring/referral-content/v1".to_vec();
        bytes.extend_from_slice(referral.as_bytes());
        bytes.extend_from_slice(content.as_bytes());
        bytes
    }

    /// Who sealed (and signed) the content now held: the last `sent` or `data_updated` step.
    pub fn sealed_by(&self) -> Option<UserId> {
        self.history
            .iter()
            .rev()
            .find(|event| matches!(event.step, ReferralStep::Sent | ReferralStep::DataUpdated))
            .map(|event| event.by)
    }
}

/// The region's authorisation matrix: one entity, in the directory scope (every practice sees
/// which version applies). Until an operator approves a change, the region runs on
/// [`AuthorisationMatrix::initial`], which is not stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixEntry {
    pub matrix: AuthorisationMatrix,
    pub changed_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    /// The request whose approval made this version.
    pub request_id: Uuid,
}

impl MatrixEntry {
    /// The one matrix entity's id.
    pub const ID: Uuid = Uuid::from_u128(0x6b72_696e_672d_6d61_7472_6978_0000_0001);
}

/// A partner's request to let one more category go to a kind of organisation (REF-2). The
/// explanation is the professional's reason, never patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRequestEntry {
    pub id: Uuid,
    pub kind: OrganisationKind,
    pub category: DataCategory,
    pub explanation: String,
    pub requested_by: UserId,
    pub organisation_id: OrganisationId,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub decision: Option<MatrixDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixDecision {
    pub approved: bool,
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The matrix version an approval made.
    pub version: Option<u32>,
}
