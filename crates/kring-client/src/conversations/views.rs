//! What the conversation screens show and take: summaries, views, participants, recipients,
//! attachments (the types the UI receives, generated into TypeScript).

use kring_domain::conversation::{AttachmentKind, Away};
use kring_domain::{ConversationId, PatientId, TeamId, UserId};
use kring_protocol::conversations::NetworkJoin;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What the composer sends to start a conversation.
#[derive(Debug, Clone, Default)]
pub struct NewConversation {
    /// The patient it is about (CHAT-1), or none: caregivers only (CHAT-2).
    pub patient_id: Option<PatientId>,
    pub title: String,
    pub recipients: Vec<UserId>,
    /// Team inboxes to write to (CHAT-3): their current members take part, and follow the team.
    pub inboxes: Vec<TeamId>,
    pub text: String,
}

/// A conversation in the inbox (the G list of CHAT-5).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConversationSummary {
    pub id: ConversationId,
    /// `None` while the lock is closed: titles are sealed.
    pub title: Option<String>,
    pub patient: Option<PatientLabel>,
    pub participants: Vec<ParticipantView>,
    #[ts(type = "string | null")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_message_at: Option<OffsetDateTime>,
    /// Messages of others after my read marker (CHAT-8: the conversation cloud).
    pub unread: usize,
    /// False once I left (CHAT-7): readable, not writable, shown grey.
    pub active: bool,
    /// Left and deleted: hidden from the list unless asked for (CHAT-7).
    pub archived: bool,
    /// My messages still in the outbox.
    pub sending: usize,
    /// The latest time it went back to the HIS (CHAT-6), so nobody sends it twice by accident.
    pub returned_to_his: Option<HisReturnMark>,
}

/// When and by whom a conversation went to the HIS, and how many messages that held.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HisReturnMark {
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `None` when the person is not in the directory (any more).
    pub by: Option<String>,
    pub messages: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PatientLabel {
    pub id: PatientId,
    /// "de Vries, Jan" when I see the patient with the open lock.
    pub name: Option<String>,
    #[ts(type = "string | null")]
    #[serde(with = "kring_domain::profile::iso_date::option")]
    pub birth_date: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ParticipantView {
    pub user_id: UserId,
    pub name: String,
    pub active: bool,
    pub inhabitant: bool,
    /// The team inbox through which they take part (CHAT-3).
    pub via_inbox: Option<String>,
    /// Away today (CHAT-4).
    pub away: Option<Away>,
}

/// A team inbox the composer offers (CHAT-3).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct InboxView {
    pub team_id: TeamId,
    pub name: String,
    pub organisation: String,
    pub members: usize,
}

/// One conversation opened.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConversationView {
    pub summary: ConversationSummary,
    pub messages: Vec<MessageView>,
    /// I take part and may write.
    pub can_write: bool,
}

/// A file to attach (CHAT-10).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An attachment of a message, as the reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AttachmentView {
    pub id: Uuid,
    pub name: String,
    pub mime: &'static str,
    pub image: bool,
    pub size: u64,
}

/// A downloaded, decrypted attachment.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentFile {
    pub name: String,
    pub kind: AttachmentKind,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MessageView {
    pub id: Uuid,
    pub author_id: UserId,
    pub author_name: String,
    /// `None` when the signature does not check out: the text is not shown then.
    pub text: Option<String>,
    /// Server time; `None` while it waits in the outbox.
    #[ts(type = "string | null")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub mine: bool,
    pub state: MessageState,
    pub attachments: Vec<AttachmentView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    Sent,
    /// In the outbox ("wordt verzonden").
    Sending,
    /// The server refused it for good ("niet verzonden").
    Refused,
    /// The signature does not match the author: not shown.
    Unverified,
}

/// A recipient who is away, shown before sending (CHAT-4).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AwayNotice {
    pub user_id: UserId,
    pub name: String,
    pub away: Away,
}

/// Someone the composer offers as a recipient.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RecipientView {
    pub user_id: UserId,
    pub name: String,
    pub organisation: String,
    pub role_name: String,
    pub away: Option<Away>,
}

/// A caregiver involved with a patient (NET-1).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct NetworkMemberView {
    pub user_id: UserId,
    pub name: String,
    pub organisations: Vec<String>,
    pub joined_via: NetworkJoin,
    /// Who added them (themselves, when they joined by a conversation or a referral).
    pub added_by: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    /// I added them by hand: I may take them out again (added by mistake).
    pub removable: bool,
}
