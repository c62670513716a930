//! What the patient screens show: the overview, the patient page (card, series, consent,
//! timeline, sharing) and import progress (the types the UI receives, generated into TypeScript).

use kring_domain::patient::{Address, Gender};
use kring_domain::{Action, CareProgramme, ConsentGiver, OrganisationId, PatientChart, PatientId};
use kring_protocol::patients::PatientSource;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// How far an import is, for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ImportProgress {
    pub phase: ImportPhase,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    Reading,
    Sealing,
    Sending,
    Syncing,
    /// Open referrals get the permitted part of the new chart (REF-2).
    Referrals,
    Done,
}

/// What an import did: the import report (issue 14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ImportSummary {
    pub created: u32,
    pub updated: u32,
    pub measurements: usize,
    /// What the file held that Kring left out, counted per reason.
    pub skipped: Vec<SkippedCount>,
    /// Each left-out resource or row with its place in the file (`entry[12]`), for the report the
    /// user can save: places and reasons only, never content.
    pub skipped_places: Vec<SkippedPlace>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SkippedCount {
    pub reason: kring_extraction::SkipReason,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SkippedPlace {
    pub reason: kring_extraction::SkipReason,
    pub place: String,
}

/// A patient in the overview.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PatientSummary {
    pub id: PatientId,
    pub organisation_id: OrganisationId,
    /// "de Vries, Jan"; empty for a patient a HIS launch added before any extraction had them.
    pub name: String,
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub birth_date: Date,
    pub gender: Gender,
    pub bsn: String,
    pub programmes: Vec<CareProgramme>,
    pub has_consent: bool,
    /// Seen through the care network the practice opened (PAT-5), not as the practice.
    pub via_network: bool,
}

/// The patient page.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PatientView {
    pub summary: PatientSummary,
    /// "J.P.M. van Putten-van der Giessen" (with the roepnaam, when known, in brackets after it).
    pub formal_name: String,
    pub call_name: Option<String>,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub source: PatientSource,
    pub chart: PatientChart,
    /// Measurements grouped per kind, oldest first: one trend chart each.
    pub series: Vec<MeasurementSeries>,
    pub consents: Vec<ConsentView>,
    /// The text a new consent is recorded under.
    pub consent_text: ConsentTextView,
    /// Newest first.
    pub timeline: Vec<TimelineEvent>,
    /// What this user may do here (the Acties tab shows only these).
    pub actions: Vec<Action>,
    /// For those who may share (PAT-5): the partner organisations and which see the patient.
    pub sharing: Option<Sharing>,
    /// The practice shared the patient and I see it: there is a care network to record home
    /// measurements (CARE-4) and keep the health plan (CARE-2) for.
    pub care_network_open: bool,
}

/// The practice's choice of who outside it sees the patient (PAT-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Sharing {
    pub partners: Vec<Partner>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Partner {
    pub organisation_id: OrganisationId,
    pub name: String,
    pub city: String,
    pub shared: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MeasurementSeries {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub points: Vec<SeriesPoint>,
    /// The guideline's target band the chart shades (kring_domain::targets).
    pub target: Option<kring_domain::targets::TargetRange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SeriesPoint {
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub date: Date,
    pub value: f64,
    /// Outside the series' target band (`TargetRange::excludes`): the chart marks it.
    pub out_of_range: bool,
    /// Where it was measured: the practice (the HIS) or at home (CARE-4).
    pub source: MeasurementSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementSource {
    His,
    Home,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConsentTextView {
    pub version: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConsentView {
    pub id: Uuid,
    pub given_by: ConsentGiver,
    pub text: ConsentTextView,
    pub recorded_by: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub withdrawn_by: Option<String>,
    #[ts(type = "string | null")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
}

/// One line of the timeline (Tijdlijn). The UI words it by `kind`; `detail` is data.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct TimelineEvent {
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub date: Date,
    pub kind: TimelineKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    AddedFromExtraction,
    AddedFromHis,
    ExtractionUpdated,
    ConsentGiven,
    ConsentWithdrawn,
    Measurement,
    MedicationStarted,
    ReferralSent,
    ReferralTaken,
    ReferralFeedback,
    ReferralClosed,
    ReferralDeclined,
    ReferralWithdrawn,
    ReferralDataUpdated,
    /// A caregiver measured at home (CARE-4).
    HomeMeasurement,
}

impl From<kring_domain::referral::ReferralStep> for TimelineKind {
    fn from(step: kring_domain::referral::ReferralStep) -> Self {
        use kring_domain::referral::ReferralStep as S;
        match step {
            S::Sent => TimelineKind::ReferralSent,
            S::Taken => TimelineKind::ReferralTaken,
            S::Feedback => TimelineKind::ReferralFeedback,
            S::Closed => TimelineKind::ReferralClosed,
            S::Declined => TimelineKind::ReferralDeclined,
            S::Withdrawn => TimelineKind::ReferralWithdrawn,
            S::DataUpdated => TimelineKind::ReferralDataUpdated,
        }
    }
}

/// What a HIS launch leads to once the lock is open (PAT-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LaunchOpening {
    /// Open this patient.
    Open { patient_id: PatientId },
    /// Kring does not know the patient and the HIS sent no birth date: ask it, once.
    AskBirthDate,
}
