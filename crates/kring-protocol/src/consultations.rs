//! CONS-1 … CONS-5 on the wire: the specialist groups a consultation is asked of (in the
//! directory, so every practice sees them with their answer agreement and declarable services)
//! and the consultations themselves.
//!
//! A consultation is a conversation (question, answer, attachments: sealed like any message) and
//! a record the server may read: who asked whom about which patient, the status, the dates and
//! the declarations. The subject is the conversation's sealed title for those taking part, and
//! sealed once more to the practice vault so colleagues of the practice see it on the patient's
//! timeline without holding the conversation's key (CONS-3).

use kring_domain::consultation::{CareStreet, ConsultationStatus, ConsultationStep};
use kring_domain::{ConversationId, OrganisationId, PatientId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A team of a specialist organisation that answers consultations as a group (CONS-1), with its
/// own answer agreement in business hours (CONS-5) and what its specialists can declare (CONS-4).
/// Keyed by the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationGroupEntry {
    pub team_id: TeamId,
    pub organisation_id: OrganisationId,
    pub care_street: CareStreet,
    pub answer_hours: u32,
    pub reminder_hours: u32,
    pub closing_hours: u32,
    pub services: Vec<DeclarableService>,
}

/// A service a specialist of the group can book for a consultation ("verrichting", CONS-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DeclarableService {
    pub code: String,
    pub description: String,
}

/// A consultation as the server keeps it and syncs it: to the practice's patient scope (the
/// timeline of CONS-3) and to those taking part in its conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub practice_id: OrganisationId,
    /// The consultation group asked (a team of `organisation_id`).
    pub group: TeamId,
    pub organisation_id: OrganisationId,
    pub care_street: CareStreet,
    pub conversation_id: ConversationId,
    pub asked_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub asked_at: OffsetDateTime,
    /// Asked of one named specialist of the group: picked up from the start.
    pub named_specialist: Option<UserId>,
    /// Base64 of the subject (JSON string) sealed to the practice vault.
    pub practice_subject: String,
    /// The group's answer agreement when asked, in business hours (CONS-5).
    pub answer_hours: u32,
    pub reminder_hours: u32,
    pub closing_hours: u32,
    pub status: ConsultationStatus,
    pub picked_up_by: Option<UserId>,
    /// When the first reminder went out (CONS-5), if it did.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub reminded_at: Option<OffsetDateTime>,
    /// Every step after asking, oldest first.
    pub history: Vec<ConsultationEvent>,
    /// What the specialist booked (CONS-4), oldest first.
    #[serde(default)]
    pub declarations: Vec<Declaration>,
    /// The practice's care group when asked: it receives the consultation's record (STAFF-5).
    #[serde(default)]
    pub care_group: Option<OrganisationId>,
}

/// What reporting may know of a consultation (STAFF-5, CONS-4): which practice asked which group
/// when, when it was picked up, answered and closed, and what was declared. No patient, no
/// subject. Synced to the practice and its care group, for the finance export and the quality
/// dashboard. Keyed by the consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationRecordEntry {
    pub id: Uuid,
    pub practice_id: OrganisationId,
    pub care_group: Option<OrganisationId>,
    pub group: TeamId,
    pub organisation_id: OrganisationId,
    pub care_street: CareStreet,
    #[serde(with = "time::serde::rfc3339")]
    pub asked_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub picked_up_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub answered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub closed_at: Option<OffsetDateTime>,
    pub answer_hours: u32,
    pub declarations: Vec<Declaration>,
}

impl ConsultationRecordEntry {
    pub fn of(entry: &ConsultationEntry) -> Self {
        let when = |step: ConsultationStep| entry.history.iter().find(|event| event.step == step).map(|event| event.at);
        ConsultationRecordEntry {
            id: entry.id,
            practice_id: entry.practice_id,
            care_group: entry.care_group,
            group: entry.group,
            organisation_id: entry.organisation_id,
            care_street: entry.care_street,
            asked_at: entry.asked_at,
            picked_up_at: when(ConsultationStep::PickedUp),
            answered_at: when(ConsultationStep::Answered),
            closed_at: when(ConsultationStep::Closed),
            answer_hours: entry.answer_hours,
            declarations: entry.declarations.clone(),
        }
    }
}

/// One step with who (none: the server's clock closed it) and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationEvent {
    pub step: ConsultationStep,
    pub by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A booked service ("verrichting", CONS-4): one of the group's, by the specialist who answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub id: Uuid,
    pub code: String,
    pub description: String,
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What the asking client makes; the conversation goes in the same mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConsultation {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub group: TeamId,
    pub named_specialist: Option<UserId>,
    pub practice_subject: String,
}

/// The region's business calendar (CONS-5): which days and hours count for the answer agreements.
/// One entity in the directory, set by the region's operator on the server
/// (`kring-server set-business-calendar`); absent, the documented default holds
/// (`BusinessCalendar::default`: Monday to Friday, the whole day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionCalendarEntry {
    /// ISO weekday numbers: 1 Monday … 7 Sunday.
    pub working_days: Vec<u8>,
    /// "08:00"; "00:00" from the start of the day.
    pub opens: String,
    /// "17:00"; none: until midnight.
    pub closes: Option<String>,
    pub good_friday_off: bool,
    pub liberation_day: kring_domain::business_time::LiberationDayOff,
}

impl RegionCalendarEntry {
    /// The one calendar entity's id.
    pub const ID: Uuid = Uuid::from_u128(0x6b72_696e_672d_6361_6c65_6e64_6172_0001);

    /// The calendar it describes, or why it cannot be one.
    pub fn calendar(&self) -> Result<kring_domain::business_time::BusinessCalendar, String> {
        let format = time::macros::format_description!("[hour]:[minute]");
        let time = |text: &str| time::Time::parse(text, format).map_err(|_| format!("{text} is not a time like 08:00"));
        let mut days = Vec::new();
        for number in &self.working_days {
            let day = match number {
                1 => time::Weekday::Monday,
                2 => time::Weekday::Tuesday,
                3 => time::Weekday::Wednesday,
                4 => time::Weekday::Thursday,
                5 => time::Weekday::Friday,
                6 => time::Weekday::Saturday,
                7 => time::Weekday::Sunday,
                other => return Err(format!("{other} is not a weekday (1 Monday … 7 Sunday)")),
            };
            days.push(day);
        }
        let opens = time(&self.opens)?;
        let closes = self.closes.as_deref().map(time).transpose()?;
        kring_domain::business_time::BusinessCalendar::new(&days, opens, closes, self.good_friday_off, self.liberation_day)
            .map_err(|error| error.to_string())
    }
}
