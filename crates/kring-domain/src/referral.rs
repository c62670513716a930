//! Referrals (REF-1 … REF-4): the workflow a referral goes through, the categories of medical
//! data a referral can carry, and the region's authorisation matrix (REF-2) that says which
//! categories go to which kind of organisation. Pure rules: the client seals exactly
//! [`SharedChart::permitted`] of a chart, and the server checks the same matrix.

use crate::organisation::OrganisationKind;
use crate::patient::{CareProgramme, Measurement, Medication, PatientCard, PatientChart};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest reason for referral, remarks or feedback text (characters).
pub const MAX_REFERRAL_TEXT_CHARS: usize = 4_000;
/// The longest explanation of a request to extend the matrix (server-visible, no patient data).
pub const MAX_MATRIX_REQUEST_CHARS: usize = 500;

/// Where a referral stands. Both the practice and the receiving organisation see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Verzonden: waiting for the receiving organisation.
    Sent,
    /// In behandeling: a caregiver of the receiver took it.
    InTreatment,
    /// Teruggekoppeld: the receiver reported back (any number of times).
    FeedbackGiven,
    /// Gesloten by the practice.
    Closed,
    /// Afgewezen by the receiver, with a reason.
    Declined,
    /// Ingetrokken by the practice before anyone took it.
    Withdrawn,
}

/// What happens to a referral; each step is a timeline item with who and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStep {
    Sent,
    Taken,
    Feedback,
    Closed,
    Declined,
    Withdrawn,
    /// The practice's new HIS extraction refreshed the shared data.
    DataUpdated,
}

/// Which side of a referral someone acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralSide {
    /// The referring practice.
    Practice,
    /// The receiving organisation (or team).
    Receiver,
}

impl ReferralStep {
    /// Which side takes this step.
    pub fn side(self) -> ReferralSide {
        match self {
            ReferralStep::Sent | ReferralStep::Closed | ReferralStep::Withdrawn | ReferralStep::DataUpdated => {
                ReferralSide::Practice
            }
            ReferralStep::Taken | ReferralStep::Feedback | ReferralStep::Declined => ReferralSide::Receiver,
        }
    }
}

impl ReferralStatus {
    /// Still running: the shared data follow new extractions and feedback can come.
    pub fn is_open(self) -> bool {
        matches!(self, ReferralStatus::Sent | ReferralStatus::InTreatment | ReferralStatus::FeedbackGiven)
    }

    /// The status after `step`, or why the step is not possible now.
    pub fn after(self, step: ReferralStep) -> Result<ReferralStatus, ReferralError> {
        use ReferralStatus as S;
        use ReferralStep as T;
        if !self.is_open() {
            return Err(ReferralError::NotOpen);
        }
        match (self, step) {
            (S::Sent, T::Taken) => Ok(S::InTreatment),
            (_, T::Taken) => Err(ReferralError::AlreadyTaken),
            (S::Sent, T::Declined) => Ok(S::Declined),
            (_, T::Declined) => Err(ReferralError::AlreadyTaken),
            (S::Sent, T::Withdrawn) => Ok(S::Withdrawn),
            (_, T::Withdrawn) => Err(ReferralError::WithdrawAfterTaken),
            (S::Sent, T::Feedback | T::Closed) => Err(ReferralError::NotTaken),
            (_, T::Feedback) => Ok(S::FeedbackGiven),
            (_, T::Closed) => Ok(S::Closed),
            (status, T::DataUpdated) => Ok(status),
            (_, T::Sent) => Err(ReferralError::NotOpen),
        }
    }
}

/// Why a referral or a step is refused. `code()` is what the UI words in Dutch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, strum::EnumIter)]
pub enum ReferralError {
    #[error("a reason for referral is required")]
    ReasonRequired,
    #[error("the text is longer than {MAX_REFERRAL_TEXT_CHARS} characters")]
    TextTooLong,
    #[error("choose the receiving organisation")]
    UnknownOrganisation,
    #[error("the region's authorisation matrix has no entry for this kind of organisation")]
    NoMatrixEntry,
    #[error("the receiving organisation has nobody who can receive a referral yet")]
    NoReceivers,
    #[error("a POH-GGZ refers on behalf of one of the practice's GPs")]
    OnBehalfOfRequired,
    #[error("the phone number is not a Dutch phone number")]
    InvalidPhone,
    #[error("the referral is closed, declined or withdrawn")]
    NotOpen,
    #[error("someone already took the referral")]
    AlreadyTaken,
    #[error("a referral someone took cannot be withdrawn")]
    WithdrawAfterTaken,
    #[error("nobody took the referral yet")]
    NotTaken,
    #[error("a reason for declining is required")]
    DeclineReasonRequired,
    #[error("feedback needs a text or an attachment")]
    FeedbackEmpty,
    #[error("the explanation of the request is longer than {MAX_MATRIX_REQUEST_CHARS} characters")]
    RequestTooLong,
    #[error("the matrix already lets this data go to this kind of organisation")]
    AlreadyPermitted,
    #[error("a request to extend the matrix needs an explanation")]
    RequestExplanationRequired,
    #[error("the same extension of the matrix is asked already and not decided yet")]
    AlreadyRequested,
    #[error("only the practice and the receiving organisation take part in a referral's conversation")]
    OutsideParticipant,
}

impl ReferralError {
    pub fn code(self) -> &'static str {
        match self {
            ReferralError::ReasonRequired => "referral_reason_required",
            ReferralError::TextTooLong => "referral_text_too_long",
            ReferralError::UnknownOrganisation => "referral_unknown_organisation",
            ReferralError::NoMatrixEntry => "referral_no_matrix_entry",
            ReferralError::NoReceivers => "referral_no_receivers",
            ReferralError::OnBehalfOfRequired => "referral_on_behalf_of_required",
            ReferralError::InvalidPhone => "referral_invalid_phone",
            ReferralError::NotOpen => "referral_not_open",
            ReferralError::AlreadyTaken => "referral_already_taken",
            ReferralError::WithdrawAfterTaken => "referral_withdraw_after_taken",
            ReferralError::NotTaken => "referral_not_taken",
            ReferralError::DeclineReasonRequired => "referral_decline_reason_required",
            ReferralError::FeedbackEmpty => "referral_feedback_empty",
            ReferralError::RequestTooLong => "referral_request_too_long",
            ReferralError::AlreadyPermitted => "referral_already_permitted",
            ReferralError::RequestExplanationRequired => "referral_request_explanation_required",
            ReferralError::AlreadyRequested => "referral_already_requested",
            ReferralError::OutsideParticipant => "referral_outside_participant",
        }
    }
}

/// A text as a referral keeps it: trimmed, at most [`MAX_REFERRAL_TEXT_CHARS`].
pub fn check_text(text: &str) -> Result<String, ReferralError> {
    let text = text.trim();
    if text.chars().count() > MAX_REFERRAL_TEXT_CHARS {
        return Err(ReferralError::TextTooLong);
    }
    Ok(text.to_owned())
}

/// The reason for referral: required (REF-4 step 1), at most [`MAX_REFERRAL_TEXT_CHARS`].
pub fn check_reason(reason: &str) -> Result<String, ReferralError> {
    let reason = check_text(reason)?;
    if reason.is_empty() {
        return Err(ReferralError::ReasonRequired);
    }
    Ok(reason)
}

/// A category of medical data a referral can carry: each measurement kind, medication, and the
/// care programmes. Measurements are matched by LOINC code; one coded otherwise belongs to no
/// category and never goes along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    BloodPressure,
    Pulse,
    Weight,
    Height,
    Bmi,
    Glucose,
    Hba1c,
    Cholesterol,
    KidneyFunction,
    Medication,
    Programmes,
}

/// (category, LOINC codes): the measurement kinds, as the extraction keeps them (`system|code`).
const MEASUREMENT_CODES: &[(DataCategory, &[&str])] = &[
    // Systolic, diastolic, mean; the panel itself.
    (DataCategory::BloodPressure, &["8480-6", "8462-4", "8478-0", "85354-9"]),
    (DataCategory::Pulse, &["8867-4", "8893-0"]),
    (DataCategory::Weight, &["29463-7", "3141-9"]),
    (DataCategory::Height, &["8302-2", "8306-3"]),
    (DataCategory::Bmi, &["39156-5"]),
    // Fasting, random and capillary glucose.
    (DataCategory::Glucose, &["1558-6", "2345-7", "2339-0", "15074-8"]),
    (DataCategory::Hba1c, &["4548-4", "17856-6", "59261-8"]),
    // Total, HDL, LDL (calculated and measured), triglycerides.
    (DataCategory::Cholesterol, &["2093-3", "2085-9", "13457-7", "18262-6", "2571-8"]),
    // eGFR (CKD-EPI and MDRD), creatinine, albumin/creatinine ratio.
    (DataCategory::KidneyFunction, &["62238-1", "33914-3", "14682-9", "2160-0", "14959-1", "9318-7"]),
];

impl DataCategory {
    /// The category of a measurement code (`http://loinc.org|8480-6` or a bare LOINC code).
    pub fn of_measurement(code: &str) -> Option<DataCategory> {
        let loinc = match code.split_once('|') {
            Some(("http://loinc.org", loinc)) => loinc,
            Some(_) => return None,
            None => code,
        };
        MEASUREMENT_CODES.iter().find(|(_, codes)| codes.contains(&loinc)).map(|(category, _)| *category)
    }
}

/// One row of the matrix: what a kind of organisation may receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct MatrixRow {
    pub kind: OrganisationKind,
    pub categories: Vec<DataCategory>,
}

/// The region's authorisation matrix (REF-2): per kind of receiving organisation, the data
/// categories a referral may carry. A kind without a row cannot be referred to. Versioned: only
/// the region operator's approval of a partner's request makes a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AuthorisationMatrix {
    pub version: u32,
    pub rows: Vec<MatrixRow>,
}

impl AuthorisationMatrix {
    /// Version 1, what a region starts with: the measurements each partner's work needs. Home
    /// care (district nursing) gets the vital signs and glucose; the GGZ provider the somatic
    /// picture that matters for psychopharmaca (blood pressure, pulse, weight, medication,
    /// programmes). Neighbourhood teams and care groups have no row: one does not refer there
    /// with medical data.
    pub fn initial() -> Self {
        use DataCategory::*;
        AuthorisationMatrix {
            version: 1,
            rows: vec![
                MatrixRow {
                    kind: OrganisationKind::HomeCare,
                    categories: vec![BloodPressure, Pulse, Weight, Height, Bmi, Glucose],
                },
                MatrixRow {
                    kind: OrganisationKind::GgzProvider,
                    categories: vec![BloodPressure, Pulse, Weight, Medication, Programmes],
                },
            ],
        }
    }

    /// The categories a kind of organisation may receive; `None` when the matrix has no row.
    pub fn permitted(&self, kind: OrganisationKind) -> Option<&[DataCategory]> {
        self.rows.iter().find(|row| row.kind == kind).map(|row| row.categories.as_slice())
    }

    /// The next version, with `category` added for `kind` (a row is made when there is none).
    pub fn extended(&self, kind: OrganisationKind, category: DataCategory) -> Result<Self, ReferralError> {
        if self.permitted(kind).is_some_and(|categories| categories.contains(&category)) {
            return Err(ReferralError::AlreadyPermitted);
        }
        let mut next = self.clone();
        next.version += 1;
        match next.rows.iter_mut().find(|row| row.kind == kind) {
            Some(row) => {
                row.categories.push(category);
                row.categories.sort();
            }
            None => next.rows.push(MatrixRow { kind, categories: vec![category] }),
        }
        Ok(next)
    }
}

/// The part of a patient's chart a referral carries: only permitted categories.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SharedChart {
    pub measurements: Vec<Measurement>,
    pub medication: Vec<Medication>,
    pub programmes: Vec<CareProgramme>,
}

impl SharedChart {
    /// Exactly the `categories` of a chart (and the card's programmes): nothing else.
    pub fn permitted(card: &PatientCard, chart: &PatientChart, categories: &[DataCategory]) -> Self {
        SharedChart {
            measurements: chart
                .measurements
                .iter()
                .filter(|m| DataCategory::of_measurement(&m.code).is_some_and(|c| categories.contains(&c)))
                .cloned()
                .collect(),
            medication: if categories.contains(&DataCategory::Medication) { chart.medication.clone() } else { Vec::new() },
            programmes: if categories.contains(&DataCategory::Programmes) { card.programmes.clone() } else { Vec::new() },
        }
    }

    /// What of this falls outside `categories`: the receiving client drops it and says so
    /// (defence in depth against a sender that sealed more than the matrix allows).
    pub fn within(self, categories: &[DataCategory]) -> (Self, bool) {
        let before = (self.measurements.len(), self.medication.len(), self.programmes.len());
        let measurements: Vec<Measurement> = self
            .measurements
            .into_iter()
            .filter(|m| DataCategory::of_measurement(&m.code).is_some_and(|c| categories.contains(&c)))
            .collect();
        let medication = if categories.contains(&DataCategory::Medication) { self.medication } else { Vec::new() };
        let programmes = if categories.contains(&DataCategory::Programmes) { self.programmes } else { Vec::new() };
        let trimmed = (measurements.len(), medication.len(), programmes.len()) != before;
        (SharedChart { measurements, medication, programmes }, trimmed)
    }
}

/// Main categories of a suspected disorder for a GGZ referral (REF-4), as GGZ intake uses them
/// (the DSM-5 main groups a GP distinguishes), each with a short explanation for the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum SuspectedDisorder {
    Depressive,
    Anxiety,
    TraumaStress,
    ObsessiveCompulsive,
    Bipolar,
    Psychotic,
    Personality,
    Substance,
    Eating,
    Neurodevelopmental,
    Somatic,
    Other,
}

impl SuspectedDisorder {
    /// The main category as the letter and the form name it.
    pub fn dutch_name(self) -> &'static str {
        match self {
            SuspectedDisorder::Depressive => "Depressieve stoornis",
            SuspectedDisorder::Anxiety => "Angststoornis",
            SuspectedDisorder::TraumaStress => "Trauma- of stressorgerelateerde stoornis",
            SuspectedDisorder::ObsessiveCompulsive => "Obsessieve-compulsieve stoornis",
            SuspectedDisorder::Bipolar => "Bipolaire stemmingsstoornis",
            SuspectedDisorder::Psychotic => "Psychotische stoornis",
            SuspectedDisorder::Personality => "Persoonlijkheidsstoornis",
            SuspectedDisorder::Substance => "Middelengebruik of verslaving",
            SuspectedDisorder::Eating => "Eetstoornis",
            SuspectedDisorder::Neurodevelopmental => "Neurobiologische ontwikkelingsstoornis",
            SuspectedDisorder::Somatic => "Somatisch-symptoomstoornis",
            SuspectedDisorder::Other => "Anders of nog onduidelijk",
        }
    }

    /// What the category covers, for the form's explanation.
    pub fn explanation(self) -> &'static str {
        match self {
            SuspectedDisorder::Depressive => {
                "Somberheid of verlies van interesse, met klachten als slecht slapen, moeheid of piekeren, \
                 het grootste deel van de dag en minstens twee weken."
            }
            SuspectedDisorder::Anxiety => {
                "Paniekaanvallen, gegeneraliseerde angst, sociale angst of een fobie die het dagelijks leven beperkt."
            }
            SuspectedDisorder::TraumaStress => "Klachten na een ingrijpende gebeurtenis (zoals PTSS) of een aanpassingsstoornis.",
            SuspectedDisorder::ObsessiveCompulsive => {
                "Dwanggedachten of dwanghandelingen die veel tijd kosten of lijden veroorzaken."
            }
            SuspectedDisorder::Bipolar => {
                "Perioden van verhoogde of prikkelbare stemming (manie of hypomanie), vaak afgewisseld met depressie."
            }
            SuspectedDisorder::Psychotic => "Wanen, hallucinaties of verward denken en spreken.",
            SuspectedDisorder::Personality => {
                "Langdurige patronen in denken, voelen en omgaan met anderen die steeds tot problemen leiden."
            }
            SuspectedDisorder::Substance => "Problematisch gebruik van alcohol, drugs of medicijnen, of gokken.",
            SuspectedDisorder::Eating => "Anorexia nervosa, boulimia nervosa of een eetbuistoornis.",
            SuspectedDisorder::Neurodevelopmental => "ADHD of een autismespectrumstoornis, ook op volwassen leeftijd.",
            SuspectedDisorder::Somatic => "Lichamelijke klachten zonder (voldoende) verklaring, met veel zorgen en beperkingen.",
            SuspectedDisorder::Other => "Het beeld past in geen van deze groepen of is nog onduidelijk.",
        }
    }
}

/// What a referral holds inside its vault (sealed, never seen by the server): who the patient
/// is, why, and the shared data; the GGZ letter goes along as a PDF attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralContent {
    pub card: PatientCard,
    pub reason: String,
    #[serde(default)]
    pub suspected_disorder: Option<SuspectedDisorder>,
    #[serde(default)]
    pub remarks: String,
    /// The patient's phone number, from the extraction or asked in the form (REF-4).
    #[serde(default)]
    pub phone: Option<String>,
    pub shared: SharedChart,
    /// The GGZ referral letter as it was sent (REF-4); its PDF is in the conversation.
    #[serde(default)]
    pub letter: Option<crate::referral_letter::ReferralLetter>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn ref_1_the_workflow_runs_sent_taken_feedback_closed_and_refuses_the_rest() {
        use ReferralStatus as S;
        use ReferralStep as T;
        let mut status = S::Sent;
        for (step, next) in [(T::Taken, S::InTreatment), (T::Feedback, S::FeedbackGiven), (T::Feedback, S::FeedbackGiven)] {
            status = status.after(step).expect("allowed");
            assert_eq!(status, next);
        }
        assert_eq!(status.after(T::DataUpdated), Ok(S::FeedbackGiven));
        assert_eq!(status.after(T::Taken), Err(ReferralError::AlreadyTaken), "taking twice");
        assert_eq!(status.after(T::Withdrawn), Err(ReferralError::WithdrawAfterTaken));
        assert_eq!(status.after(T::Closed), Ok(S::Closed));
        for step in T::iter() {
            assert_eq!(S::Closed.after(step), Err(ReferralError::NotOpen), "{step:?} after closing");
        }
        assert_eq!(S::Sent.after(T::Feedback), Err(ReferralError::NotTaken));
        assert_eq!(S::Sent.after(T::Closed), Err(ReferralError::NotTaken));
        assert_eq!(S::Sent.after(T::Withdrawn), Ok(S::Withdrawn));
        assert_eq!(S::Sent.after(T::Declined), Ok(S::Declined));
        assert_eq!(S::InTreatment.after(T::Declined), Err(ReferralError::AlreadyTaken));
    }

    #[test]
    fn ref_2_measurements_fall_into_their_category_by_loinc_and_other_codes_into_none() {
        assert_eq!(DataCategory::of_measurement("http://loinc.org|8480-6"), Some(DataCategory::BloodPressure));
        assert_eq!(DataCategory::of_measurement("29463-7"), Some(DataCategory::Weight));
        assert_eq!(DataCategory::of_measurement("http://loinc.org|4548-4"), Some(DataCategory::Hba1c));
        assert_eq!(DataCategory::of_measurement("http://snomed.info/sct|8480-6"), None, "not LOINC");
        assert_eq!(DataCategory::of_measurement("http://loinc.org|1234-5"), None);
        let mut seen = std::collections::HashSet::new();
        for (_, codes) in MEASUREMENT_CODES {
            for code in *codes {
                assert!(seen.insert(*code), "{code} in two categories");
            }
        }
    }

    fn card() -> PatientCard {
        PatientCard {
            bsn: crate::Bsn::parse("999911120").expect("test BSN"),
            family_name: "de Vries".into(),
            given_names: "Jan".into(),
            name: Default::default(),
            birth_date: time::macros::date!(1950 - 03 - 04),
            gender: crate::patient::Gender::Male,
            address: None,
            phone: None,
            programmes: vec![CareProgramme::Cvrm],
        }
    }

    fn chart() -> PatientChart {
        let measurement = |code: &str, value: f64| Measurement {
            code: format!("http://loinc.org|{code}"),
            label: code.into(),
            value,
            unit: String::new(),
            date: time::macros::date!(2026 - 01 - 02),
        };
        PatientChart {
            measurements: vec![measurement("8480-6", 142.0), measurement("29463-7", 80.0), measurement("4548-4", 53.0)],
            medication: vec![Medication {
                name: "Metformine".into(),
                dosage: None,
                since: None,
                until: None,
                active: true,
                on_hold: false,
            }],
        }
    }

    #[test]
    fn ref_2_a_referral_carries_exactly_the_permitted_categories() {
        let shared = SharedChart::permitted(&card(), &chart(), &[DataCategory::BloodPressure, DataCategory::Weight]);
        let codes: Vec<&str> = shared.measurements.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(codes, ["http://loinc.org|8480-6", "http://loinc.org|29463-7"]);
        assert!(shared.medication.is_empty() && shared.programmes.is_empty());

        let everything = SharedChart::permitted(&card(), &chart(), &DataCategory::iter().collect::<Vec<_>>());
        let (kept, trimmed) = everything.within(&[DataCategory::Hba1c]);
        assert!(trimmed, "the receiver notices more than the matrix allows");
        assert_eq!(kept.measurements.len(), 1);
        assert!(kept.medication.is_empty() && kept.programmes.is_empty());
    }

    #[test]
    fn ref_2_the_matrix_grows_only_by_a_new_version_and_kinds_without_a_row_cannot_receive() {
        let matrix = AuthorisationMatrix::initial();
        assert!(matrix.permitted(OrganisationKind::HomeCare).is_some_and(|c| !c.contains(&DataCategory::Medication)));
        assert_eq!(matrix.permitted(OrganisationKind::NeighbourhoodTeam), None);
        let next = matrix.extended(OrganisationKind::HomeCare, DataCategory::Medication).expect("new category");
        assert_eq!(next.version, 2);
        assert!(next.permitted(OrganisationKind::HomeCare).is_some_and(|c| c.contains(&DataCategory::Medication)));
        assert_eq!(next.extended(OrganisationKind::HomeCare, DataCategory::Medication), Err(ReferralError::AlreadyPermitted));
        let team = next.extended(OrganisationKind::NeighbourhoodTeam, DataCategory::Weight).expect("a new row");
        assert_eq!(team.permitted(OrganisationKind::NeighbourhoodTeam), Some(&[DataCategory::Weight][..]));
    }

    #[test]
    fn ref_4_the_reason_is_required_and_texts_have_a_limit() {
        assert_eq!(check_reason("  "), Err(ReferralError::ReasonRequired));
        assert_eq!(check_reason(" Somberheid "), Ok("Somberheid".into()));
        assert_eq!(check_text(&"x".repeat(MAX_REFERRAL_TEXT_CHARS + 1)), Err(ReferralError::TextTooLong));
        let codes: std::collections::HashSet<&str> = ReferralError::iter().map(ReferralError::code).collect();
        assert_eq!(codes.len(), ReferralError::iter().count(), "one code each");
    }
}
