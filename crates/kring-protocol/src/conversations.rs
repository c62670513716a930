//! Conversations on the wire (CHAT-1 … CHAT-11, NET-2). A conversation is a vault: every message
//! body and the title are sealed with a symmetric *epoch key* (XChaCha20-Poly1305) and signed by
//! the author; each epoch key is wrapped (sealed box) for every participant who holds it. The
//! server routes, orders and checks membership; it never holds a readable word.
//!
//! - Adding a participant wraps every earlier epoch key for them too: they read the whole history
//!   (CHAT-9).
//! - Leaving keeps what one has; the next message of a remaining participant starts a new epoch
//!   wrapped only for those still in (rotate on leave).

use kring_domain::{ConversationId, OrganisationId, PatientId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One conversation as the server stores and syncs it to its participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationEntry {
    pub id: ConversationId,
    /// The patient the conversation is about (CHAT-1), or none: caregivers only (CHAT-2).
    pub patient: Option<PatientRef>,
    /// Base64 of the title sealed with epoch 0's key.
    pub title: String,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Everyone who ever took part, in the order they joined; leavers stay with `left_at`.
    pub participants: Vec<Participant>,
    /// Team inboxes taking part (CHAT-3): their members are participants `via_inbox`, joining
    /// and leaving as staff join and leave the team.
    #[serde(default)]
    pub inboxes: Vec<TeamId>,
    /// Key epochs, oldest first; messages are sealed under the newest. The entry changes only
    /// when people join or leave or a new epoch starts, never per message: a message is one
    /// small change of its own.
    pub epochs: Vec<KeyEpoch>,
    /// The referral this conversation belongs to (REF-3): only the practice and the receiving
    /// organisation take part in it, since the GGZ letter in it carries the matrix's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Uuid>,
    /// The consultation this conversation belongs to (CONS-2): nobody is added to it; once a
    /// specialist picks it up, it is theirs and the asker's alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consultation: Option<Uuid>,
}

/// One return of a conversation to the practice's HIS (CHAT-6), a child of the conversation so
/// everyone taking part sees that and when, and it is not sent twice by accident: who, when (the
/// server's time), the MEDVRI reference and how many messages the conversation held. No content:
/// the transcript went to the HIS only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HisReturnEntry {
    pub id: Uuid,
    pub conversation_id: ConversationId,
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reference: String,
    pub messages: u32,
}

/// The patient a conversation is about, and the practice the patient belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientRef {
    pub patient_id: PatientId,
    pub practice_id: OrganisationId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub user_id: UserId,
    pub kind: ParticipantKind,
    pub added_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub left_at: Option<OffsetDateTime>,
    /// Taking part as a member of this team inbox (CHAT-3), not by name.
    #[serde(default)]
    pub via_inbox: Option<TeamId>,
}

impl Participant {
    pub fn is_active(&self) -> bool {
        self.left_at.is_none()
    }
}

/// Who a participant is in the care relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantKind {
    /// A caregiver with a contract at a practice or partner organisation.
    Caregiver,
    /// The patient or a carer, after activating the patient portal (CHAT-9).
    Inhabitant,
}

/// One epoch's key, wrapped for each participant who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEpoch {
    pub number: u32,
    pub keys: Vec<WrappedKey>,
}

impl KeyEpoch {
    pub fn holders(&self) -> impl Iterator<Item = UserId> + '_ {
        self.keys.iter().map(|key| key.user_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    pub user_id: UserId,
    /// Base64 of the 32-byte epoch key sealed to the user's X25519 public key.
    pub wrapped_key: String,
}

/// One message, sealed and signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    pub id: Uuid,
    pub conversation_id: ConversationId,
    pub author: UserId,
    pub epoch: u32,
    /// Base64 of the `MessageBody` (JSON) sealed with the epoch key; the conversation and message
    /// ids and the epoch are bound as associated data.
    pub body: String,
    /// Base64 Ed25519 signature of the author over [`MessageEntry::signed_bytes`].
    pub signature: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// The sealed attachments' ids and chunk counts (CHAT-10); names and types are in the body.
    #[serde(default)]
    pub attachments: Vec<AttachmentMeta>,
}

/// What the server may know of an attachment: which uploaded chunks belong to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub id: Uuid,
    pub chunks: u32,
}

/// The associated data an attachment chunk is sealed under (with the message's epoch key).
pub fn attachment_context(conversation: ConversationId, attachment: Uuid, index: u32) -> Vec<u8> {
    format!("kring/attachment/v1|{conversation}|{attachment}|{index}").into_bytes()
}

impl MessageEntry {
    /// What the author signs: the message's place and its sealed body.
    pub fn signed_bytes(conversation: ConversationId, id: Uuid, epoch: u32, body: &str) -> Vec<u8> {
        format!("kring/message/v1|{conversation}|{id}|{epoch}|{body}").into_bytes()
    }

    /// The associated data the body is sealed under.
    pub fn context(conversation: ConversationId, id: Uuid, epoch: u32) -> Vec<u8> {
        format!("kring/message-body/v1|{conversation}|{id}|{epoch}").into_bytes()
    }
}

/// The associated data a conversation's title is sealed under.
pub fn title_context(conversation: ConversationId) -> Vec<u8> {
    format!("kring/conversation-title/v1|{conversation}").into_bytes()
}

/// One participant's own state of a conversation: synced to that user only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationEntry {
    pub id: Uuid,
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    /// False once left (CHAT-7): still readable, no longer writable.
    pub active: bool,
    /// Left and deleted: hidden from the list, never destroyed, restorable (CHAT-7).
    pub archived: bool,
    /// Messages sent up to here are read (CHAT-8).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub read_up_to: Option<OffsetDateTime>,
}

impl ParticipationEntry {
    pub fn id_for(conversation: ConversationId, user: UserId) -> Uuid {
        Uuid::new_v5(&conversation.0, user.0.as_bytes())
    }
}

/// A caregiver involved with a patient (NET-1): joined by taking part in a conversation about the
/// patient (NET-2) or added by someone in the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareNetworkMemberEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub practice_id: OrganisationId,
    pub user_id: UserId,
    pub joined_via: NetworkJoin,
    pub added_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    /// Taken out again by whoever added them by hand (NET-2: added by mistake).
    #[serde(default)]
    pub removed_by: Option<UserId>,
}

impl CareNetworkMemberEntry {
    pub fn id_for(patient: PatientId, user: UserId) -> Uuid {
        Uuid::new_v5(&patient.0, user.0.as_bytes())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NetworkJoin {
    Conversation,
    Manual,
    /// Took a referral (REF-3).
    Referral,
}

/// A participant to add, with every epoch key wrapped for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewParticipant {
    pub user_id: UserId,
    pub kind: ParticipantKind,
    /// As a member of this team inbox of the conversation (CHAT-3).
    #[serde(default)]
    pub via_inbox: Option<TeamId>,
    /// One wrapped key per epoch, in epoch order.
    pub keys: Vec<String>,
}

/// A message as its author's client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub id: Uuid,
    pub epoch: u32,
    pub body: String,
    pub signature: String,
    /// Attachments uploaded before the message (`PUT /v1/conversations/{id}/attachments/…`).
    #[serde(default)]
    pub attachments: Vec<AttachmentMeta>,
}
