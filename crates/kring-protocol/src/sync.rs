//! The change feed and mutations.
//!
//! Every change the server commits gets the next sequence number and one audience [`Scope`].
//! A client asks `GET /v1/sync?since=N` and receives, in order, the changes after `N` that it may
//! see; `/v1/ws` then pushes new ones as [`ServerEvent`]s. Each change carries the entity's full
//! new state, so applying it is an upsert and applying it twice is harmless.
//!
//! Mutations go the other way: `POST /v1/mutations` with a client-chosen UUIDv7. Sending the same
//! id again (after a lost answer) returns the first outcome and changes nothing.

use crate::conversations::{
    CareNetworkMemberEntry, ConversationEntry, MessageEntry, NewMessage, NewParticipant, ParticipationEntry, WrappedKey,
};
use crate::directory::{AccountEntry, ContractEntry, OrganisationEntry, PersonEntry, TeamEntry};
use crate::error::ErrorCode;
use crate::patients::{ConsentEntry, PatientEntry, PatientNetworkEntry, PatientShareEntry};
use crate::staff::{AccountRequestEntry, HisLinkEntry, PatientDataAccessEntry, PracticeVaultEntry};
use kring_domain::{ConversationId, OrganisationId, PatientId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A position in the change feed. 0 = before everything.
pub type Seq = i64;

/// Who may see a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// Every logged-in user of the region: the organisation directory.
    Directory,
    /// The members of one organisation.
    Organisation(OrganisationId),
    /// One user only (their own account details).
    User(UserId),
    /// The patient data of one practice: its members whose role may see patients (PAT-2).
    Patients(OrganisationId),
    /// One patient's care network: the practice's patient scope plus the caregivers of the
    /// partner organisations the practice shared the patient with (PAT-5).
    Patient(PatientId),
    /// The active participants of one conversation (CHAT-1, CHAT-2).
    Conversation(ConversationId),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Directory => f.write_str("directory"),
            Scope::Organisation(id) => write!(f, "org:{id}"),
            Scope::User(id) => write!(f, "user:{id}"),
            Scope::Patients(id) => write!(f, "patients:{id}"),
            Scope::Patient(id) => write!(f, "patient:{id}"),
            Scope::Conversation(id) => write!(f, "conv:{id}"),
        }
    }
}

impl TryFrom<String> for Scope {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let bad = || format!("unknown scope {value:?}");
        if value == "directory" {
            return Ok(Scope::Directory);
        }
        let (kind, id) = value.split_once(':').ok_or_else(bad)?;
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        match kind {
            "org" => Ok(Scope::Organisation(OrganisationId(id))),
            "user" => Ok(Scope::User(UserId(id))),
            "patients" => Ok(Scope::Patients(OrganisationId(id))),
            "patient" => Ok(Scope::Patient(PatientId(id))),
            "conv" => Ok(Scope::Conversation(ConversationId(id))),
            _ => Err(bad()),
        }
    }
}

impl From<Scope> for String {
    fn from(value: Scope) -> Self {
        value.to_string()
    }
}

/// The kinds of entity the feed carries; the cache keys entities by (kind, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Organisation,
    Team,
    Person,
    Contract,
    Account,
    AccountRequest,
    PracticeVault,
    PatientDataAccess,
    HisLink,
    Patient,
    Consent,
    PatientNetwork,
    PatientShare,
    Conversation,
    Message,
    Participation,
    CareNetworkMember,
    HisReturn,
    Referral,
    AuthorisationMatrix,
    MatrixRequest,
    ConsultationGroup,
    Consultation,
    ConsultationRecord,
    HomeMeasurement,
    HealthPlanItem,
    RegionCalendar,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Organisation => "organisation",
            EntityKind::Team => "team",
            EntityKind::Person => "person",
            EntityKind::Contract => "contract",
            EntityKind::Account => "account",
            EntityKind::AccountRequest => "account_request",
            EntityKind::PracticeVault => "practice_vault",
            EntityKind::PatientDataAccess => "patient_data_access",
            EntityKind::HisLink => "his_link",
            EntityKind::Patient => "patient",
            EntityKind::Consent => "consent",
            EntityKind::PatientNetwork => "patient_network",
            EntityKind::PatientShare => "patient_share",
            EntityKind::Conversation => "conversation",
            EntityKind::Message => "message",
            EntityKind::Participation => "participation",
            EntityKind::CareNetworkMember => "care_network_member",
            EntityKind::HisReturn => "his_return",
            EntityKind::Referral => "referral",
            EntityKind::AuthorisationMatrix => "authorisation_matrix",
            EntityKind::MatrixRequest => "matrix_request",
            EntityKind::ConsultationGroup => "consultation_group",
            EntityKind::Consultation => "consultation",
            EntityKind::ConsultationRecord => "consultation_record",
            EntityKind::HomeMeasurement => "home_measurement",
            EntityKind::HealthPlanItem => "health_plan_item",
            EntityKind::RegionCalendar => "region_calendar",
        }
    }
}

/// The new state of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "entity", rename_all = "snake_case")]
pub enum ChangeBody {
    Organisation(OrganisationEntry),
    Team(TeamEntry),
    Person(PersonEntry),
    Contract(ContractEntry),
    Account(AccountEntry),
    AccountRequest(AccountRequestEntry),
    PracticeVault(PracticeVaultEntry),
    PatientDataAccess(PatientDataAccessEntry),
    HisLink(HisLinkEntry),
    Patient(PatientEntry),
    Consent(ConsentEntry),
    PatientNetwork(PatientNetworkEntry),
    PatientShare(PatientShareEntry),
    Conversation(ConversationEntry),
    Message(MessageEntry),
    Participation(ParticipationEntry),
    CareNetworkMember(CareNetworkMemberEntry),
    HisReturn(crate::conversations::HisReturnEntry),
    Referral(crate::referrals::ReferralEntry),
    AuthorisationMatrix(crate::referrals::MatrixEntry),
    MatrixRequest(crate::referrals::MatrixRequestEntry),
    ConsultationGroup(crate::consultations::ConsultationGroupEntry),
    Consultation(crate::consultations::ConsultationEntry),
    ConsultationRecord(crate::consultations::ConsultationRecordEntry),
    HomeMeasurement(crate::care::HomeMeasurementEntry),
    HealthPlanItem(crate::care::HealthPlanItemEntry),
    RegionCalendar(crate::consultations::RegionCalendarEntry),
}

impl ChangeBody {
    pub fn kind(&self) -> EntityKind {
        match self {
            ChangeBody::Organisation(_) => EntityKind::Organisation,
            ChangeBody::Team(_) => EntityKind::Team,
            ChangeBody::Person(_) => EntityKind::Person,
            ChangeBody::Contract(_) => EntityKind::Contract,
            ChangeBody::Account(_) => EntityKind::Account,
            ChangeBody::AccountRequest(_) => EntityKind::AccountRequest,
            ChangeBody::PracticeVault(_) => EntityKind::PracticeVault,
            ChangeBody::PatientDataAccess(_) => EntityKind::PatientDataAccess,
            ChangeBody::HisLink(_) => EntityKind::HisLink,
            ChangeBody::Patient(_) => EntityKind::Patient,
            ChangeBody::Consent(_) => EntityKind::Consent,
            ChangeBody::PatientNetwork(_) => EntityKind::PatientNetwork,
            ChangeBody::PatientShare(_) => EntityKind::PatientShare,
            ChangeBody::Conversation(_) => EntityKind::Conversation,
            ChangeBody::Message(_) => EntityKind::Message,
            ChangeBody::Participation(_) => EntityKind::Participation,
            ChangeBody::CareNetworkMember(_) => EntityKind::CareNetworkMember,
            ChangeBody::HisReturn(_) => EntityKind::HisReturn,
            ChangeBody::Referral(_) => EntityKind::Referral,
            ChangeBody::AuthorisationMatrix(_) => EntityKind::AuthorisationMatrix,
            ChangeBody::MatrixRequest(_) => EntityKind::MatrixRequest,
            ChangeBody::ConsultationGroup(_) => EntityKind::ConsultationGroup,
            ChangeBody::Consultation(_) => EntityKind::Consultation,
            ChangeBody::ConsultationRecord(_) => EntityKind::ConsultationRecord,
            ChangeBody::HomeMeasurement(_) => EntityKind::HomeMeasurement,
            ChangeBody::HealthPlanItem(_) => EntityKind::HealthPlanItem,
            ChangeBody::RegionCalendar(_) => EntityKind::RegionCalendar,
        }
    }

    pub fn entity_id(&self) -> Uuid {
        match self {
            ChangeBody::Organisation(e) => e.id.0,
            ChangeBody::Team(e) => e.id.0,
            ChangeBody::Person(e) => e.id.0,
            ChangeBody::Contract(e) => e.id,
            ChangeBody::Account(e) => e.id.0,
            ChangeBody::AccountRequest(e) => e.id,
            ChangeBody::PracticeVault(e) => e.organisation_id.0,
            ChangeBody::PatientDataAccess(e) => e.id,
            ChangeBody::HisLink(e) => e.id,
            ChangeBody::Patient(e) => e.id.0,
            ChangeBody::Consent(e) => e.id,
            ChangeBody::PatientNetwork(e) => e.patient_id.0,
            ChangeBody::PatientShare(e) => e.id,
            ChangeBody::Conversation(e) => e.id.0,
            ChangeBody::Message(e) => e.id,
            ChangeBody::Participation(e) => e.id,
            ChangeBody::CareNetworkMember(e) => e.id,
            ChangeBody::HisReturn(e) => e.id,
            ChangeBody::Referral(e) => e.id,
            ChangeBody::AuthorisationMatrix(_) => crate::referrals::MatrixEntry::ID,
            ChangeBody::MatrixRequest(e) => e.id,
            ChangeBody::ConsultationGroup(e) => e.team_id.0,
            ChangeBody::Consultation(e) => e.id,
            ChangeBody::ConsultationRecord(e) => e.id,
            ChangeBody::HomeMeasurement(e) => e.id,
            ChangeBody::HealthPlanItem(e) => e.id,
            ChangeBody::RegionCalendar(_) => crate::consultations::RegionCalendarEntry::ID,
        }
    }
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: Seq,
    pub scope: Scope,
    pub body: ChangeBody,
}

/// The answer to `GET /v1/sync?since=N`, and the payload of a pushed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPage {
    pub changes: Vec<Change>,
    /// Where the next request should start: the last seq examined, visible or not.
    pub cursor: Seq,
    /// More changes are waiting; ask again from `cursor`.
    pub has_more: bool,
}

/// What the server pushes over `/v1/ws`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    Changes(SyncPage),
}

/// `POST /v1/mutations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationRequest {
    /// Client-generated UUIDv7; the idempotency key.
    pub id: Uuid,
    pub mutation: Mutation,
}

/// A change a client asks for. The server checks permissions and applies it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mutation {
    /// Make `contact` the team's first point of contact, or clear it (STAFF-9).
    SetTeamContact { team_id: TeamId, contact: Option<UserId> },
    /// Send one's own login codes by SMS or e-mail from now on (ACC-1).
    SetCodeChannel { channel: crate::auth::CodeChannel },
    /// Record in the access log that the sender opened decrypted patient content (SEC-2). Goes
    /// through the outbox, so an opening made offline is logged as soon as the app reconnects.
    RecordAccess(crate::access_log::AccessRecord),
    /// Ask the region for a colleague's account (STAFF-2).
    RequestAccount { organisation_id: OrganisationId, form: kring_domain::AccountRequestForm },
    /// The region's operator approves (the invitation goes out) or rejects a request (STAFF-3).
    DecideAccountRequest { request_id: Uuid, approve: bool },
    /// Authorise or withdraw a colleague's access to the practice's patient data (STAFF-4).
    /// Withdrawing also removes their wrapped key.
    SetPatientDataAccess { organisation_id: OrganisationId, user_id: UserId, authorised: bool },
    /// The first GP in a secure session creates the practice's vault, wrapped for themselves.
    CreatePracticeVault { organisation_id: OrganisationId, public_key: String, wrapped_for_me: String },
    /// A key holder wraps the practice's vault key for an authorised colleague (STAFF-1: the
    /// warning turns green).
    ShareVaultKey { organisation_id: OrganisationId, user_id: UserId, wrapped_key: String },
    /// The practice key wrapped for me does not open (a colleague wrapped garbage, or for a key I
    /// no longer have): drop it, so a key holder shares it again.
    DropOwnVaultKey { organisation_id: OrganisationId },
    /// Deactivate a leaver's account (STAFF-6): sessions end, keys are withdrawn, the record stays.
    DeactivateAccount { user_id: UserId },
    /// Link a colleague's account to their user id in the practice's HIS, or unlink (STAFF-11).
    SetHisUser { organisation_id: OrganisationId, user_id: UserId, his_user_id: Option<String> },
    /// Save one's own profile (PROF-1, PROF-3, PROF-4).
    UpdateProfile(kring_domain::ProfileForm),
    /// Add a patient the HIS launched for but Kring did not know (PAT-4), sealed on the client.
    CreatePatient { organisation_id: OrganisationId, patient_id: PatientId, patient: crate::patients::SealedPatient },
    /// Record the patient's consent for digital network care under a consent text (PAT-6).
    RecordConsent { consent_id: Uuid, patient_id: PatientId, given_by: kring_domain::ConsentGiver, text_version: String },
    /// Record that the patient withdrew a consent (PAT-6).
    WithdrawConsent { consent_id: Uuid },
    /// The practice opens (or narrows) a patient's care network to partner organisations (PAT-5):
    /// the whole new state, made by a key holder's client.
    SetPatientNetwork(crate::patients::PatientNetworkEntry),
    /// Start a conversation (CHAT-1, CHAT-2) with its first message. `participants` includes the
    /// author; each holds epoch 0's key wrapped for them.
    StartConversation {
        conversation_id: ConversationId,
        patient_id: Option<PatientId>,
        title: String,
        participants: Vec<NewParticipant>,
        first_message: NewMessage,
        /// Team inboxes taking part (CHAT-3); their members are in `participants` `via_inbox`.
        #[serde(default)]
        inboxes: Vec<TeamId>,
    },
    /// Post a message. When a participant left since the newest epoch, the message starts a new
    /// epoch wrapped for exactly the active participants (`new_epoch`), or is refused.
    PostMessage { conversation_id: ConversationId, message: NewMessage, new_epoch: Option<Vec<WrappedKey>> },
    /// Add participants, each with every epoch's key: they read the whole history (CHAT-9).
    AddParticipants { conversation_id: ConversationId, participants: Vec<NewParticipant> },
    /// Leave (CHAT-7): still readable, no longer writable; `archive` also hides it from the list.
    LeaveConversation { conversation_id: ConversationId, archive: bool },
    /// Hide a conversation one left from the list, or bring it back (CHAT-7).
    SetArchived { conversation_id: ConversationId, archived: bool },
    /// CHAT-6: the conversation was sent to the practice's HIS (the client delivered the MEDVRI).
    RecordHisReturn { conversation_id: ConversationId, reference: String },
    /// Everything sent up to `up_to` is read (CHAT-8).
    MarkRead {
        conversation_id: ConversationId,
        #[serde(with = "time::serde::rfc3339")]
        up_to: time::OffsetDateTime,
    },
    /// A member of a team inbox left the team (or Kring): they leave the inbox's conversation,
    /// and the next message starts a new key epoch without them (CHAT-3).
    RemoveInboxMember { conversation_id: ConversationId, user_id: UserId },
    /// Add a caregiver to a patient's care network by hand (NET-2).
    JoinCareNetwork { patient_id: PatientId, user_id: UserId },
    /// Take out of a patient's care network someone one added by hand by mistake (NET-2).
    LeaveCareNetwork { patient_id: PatientId, user_id: UserId },
    /// Refer a patient (REF-1, REF-4): the sealed referral and the conversation that goes with it
    /// (its participants: the referrer and the receiving caregivers), in one commit.
    Refer {
        referral: Box<crate::referrals::NewReferral>,
        conversation_id: ConversationId,
        title: String,
        participants: Vec<NewParticipant>,
        first_message: NewMessage,
        #[serde(default)]
        inboxes: Vec<TeamId>,
    },
    /// A step in a referral's workflow (REF-1, REF-3): take, feedback, decline (the receiver);
    /// close, withdraw (the practice). The text of feedback or a refusal is a message in the
    /// referral's conversation.
    ReferralStep { referral_id: Uuid, step: kring_domain::referral::ReferralStep },
    /// The practice refreshes a referral's sealed content after a new HIS extraction, and gives
    /// its key to receiving caregivers who joined later (REF-2). `seen_steps`: how many steps the
    /// referral had when the client sealed it; when another practice client refreshed (or a
    /// step came) meanwhile, the server drops this one and the next maintenance looks again.
    UpdateReferral {
        referral_id: Uuid,
        content: String,
        members: Vec<crate::patients::NetworkKey>,
        #[serde(default)]
        seen_steps: usize,
        /// The signature of the refreshed content by the one refreshing (always sent, also when
        /// only keys were added: that step then names them as the content's signer).
        #[serde(default)]
        content_signature: String,
    },
    /// A partner asks the region to let one more category go to a kind of organisation (REF-2).
    RequestMatrixExtension {
        request_id: Uuid,
        kind: kring_domain::OrganisationKind,
        category: kring_domain::referral::DataCategory,
        explanation: String,
    },
    /// The region's operator approves (a new matrix version) or rejects a request (REF-2).
    DecideMatrixRequest { request_id: Uuid, approve: bool },
    /// Ask a specialist group (or one of its specialists) for advice (CONS-1): the consultation
    /// and its conversation (the asker and the group's specialists; the question is the first
    /// message, the subject the title), in one commit.
    AskConsultation {
        consultation: Box<crate::consultations::NewConsultation>,
        conversation_id: ConversationId,
        title: String,
        participants: Vec<NewParticipant>,
        first_message: NewMessage,
    },
    /// Pick up (a specialist of the group) or close (the asker) a consultation (CONS-2); the
    /// answer is a message. Picking up is a compare-and-set: of two at once, one wins and the
    /// others leave the conversation.
    ConsultationStep { consultation_id: Uuid, step: kring_domain::consultation::ConsultationStep },
    /// The specialist who picked it up books one of the group's services (CONS-4).
    DeclareConsultation { consultation_id: Uuid, declaration_id: Uuid, code: String },
    /// A caregiver who sees the patient records measurements taken at home (CARE-4), sealed to
    /// the patient's network vault and signed.
    RecordHomeMeasurement { id: Uuid, patient_id: PatientId, sealed: String, signature: String },
    /// Add an item to a patient's health plan, or a new version of one (CARE-2): `number` is the
    /// version this makes (1 for a new item); another number means someone changed it meanwhile.
    SaveHealthPlanItem { id: Uuid, patient_id: PatientId, number: u32, sealed: String, signature: String },
}

/// What became of a mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MutationOutcome {
    /// Committed as change `seq`.
    Applied { seq: Seq },
    /// Refused for good: resending will not help. Shown to the user.
    Rejected { code: ErrorCode, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_as_strings_and_unknown_ones_are_refused() {
        let org = Scope::Organisation(OrganisationId(Uuid::nil()));
        let json = serde_json::to_string(&org).unwrap();
        assert_eq!(json, "\"org:00000000-0000-0000-0000-000000000000\"");
        assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), org);
        assert_eq!(serde_json::from_str::<Scope>("\"directory\"").unwrap(), Scope::Directory);
        assert!(serde_json::from_str::<Scope>("\"patient:123\"").is_err());
        assert!(serde_json::from_str::<Scope>("\"user:not-a-uuid\"").is_err());
    }

    #[test]
    fn mutations_and_outcomes_have_a_stable_tagged_shape() {
        let request = MutationRequest {
            id: Uuid::nil(),
            mutation: Mutation::SetTeamContact { team_id: TeamId(Uuid::nil()), contact: None },
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["mutation"]["type"], "set_team_contact");
        let rejected = MutationOutcome::Rejected { code: ErrorCode::Forbidden, message: "no".into() };
        assert_eq!(serde_json::to_value(&rejected).unwrap()["code"], "forbidden");
    }
}
