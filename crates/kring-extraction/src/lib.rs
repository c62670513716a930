//! Reads a practice's HIS extraction (PAT-1) into patient cards and charts, on the client, before
//! anything is sealed. Two formats (docs/patients.md, "Import"):
//!
//! - a **FHIR R4 Bundle** (JSON) of Patient, Observation, MedicationStatement and EpisodeOfCare as
//!   the Dutch nl-core profiles write them, read with the `fhir-model` crate;
//! - the **Kring CSV** for small practices: one `;`-separated file with patient, measurement and
//!   medication rows.
//!
//! A structurally broken file is refused whole, with the place of the first problem (line and
//! column, or the field path), so nothing is ever half-imported. A valid file is imported, and
//! what Kring cannot use of it (an undated measurement, an unknown episode, a patient without a
//! BSN, another resource type) is left out and listed in the import report ([`Skipped`]), by
//! reason and place, never by content.
//!
//! Pure: text in, domain values out. This crate must never depend on crypto, storage or
//! networking (kring-client seals and sends what it returns), and its errors never quote the
//! file's content, which is patient data.

mod csv_format;
mod fhir;
pub mod sample;

pub use fhir::BSN_SYSTEM;

use kring_domain::{PatientCard, PatientChart};
use std::fmt;

/// One patient from the extraction.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPatient {
    pub card: PatientCard,
    pub chart: PatientChart,
}

/// A whole extraction, read and checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    pub patients: Vec<ImportedPatient>,
    /// What was left out, in file order: the import report.
    pub skipped: Vec<Skipped>,
}

/// One resource or row left out of a valid extraction, and where (`entry[12]`, `line 40`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub reason: SkipReason,
    pub place: String,
}

/// Why something in a valid extraction was left out (docs/patients.md lists them per resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A resource type the import has no use for (Organization, Encounter, Condition, …).
    OtherResource,
    /// Entered in error or cancelled at the source.
    EnteredInError,
    /// A measurement without a date: `effective[x]` is optional in R4 and nl-core.
    UndatedMeasurement,
    /// A measurement without a number (a text or coded result).
    NotNumeric,
    /// A measurement given only as a bound ("<0.1", ">90", `Quantity.comparator`): a chart
    /// would show the bound as if it were the value.
    BoundedValue,
    /// An episode (a problem episode in zib2020, or a programme Kring does not know).
    UnknownEpisode,
    /// A patient without a BSN: Kring keys each patient on its BSN (a keyed hash).
    PatientWithoutBsn,
    /// A patient without a whole birth date (none, or `1934-04`): ages, search and the HIS launch
    /// need the day.
    IncompleteBirthDate,
    /// About a patient who was left out.
    PatientLeftOut,
    /// Carries a modifier extension Kring does not understand (such as MP9's cyclical schedule):
    /// FHIR forbids reading it as if the extension were absent.
    NotUnderstood,
    /// A medication statement saying the patient does not take it (`not-taken`).
    NotTaken,
}

impl Extraction {
    pub fn measurement_count(&self) -> usize {
        self.patients.iter().map(|patient| patient.chart.measurements.len()).sum()
    }

    /// How many were left out for each reason, in the order of [`SkipReason`].
    pub fn skip_counts(&self) -> Vec<(SkipReason, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for skipped in &self.skipped {
            *counts.entry(skipped.reason).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }
}

/// Read an extraction, FHIR when it starts with `{`, the Kring CSV otherwise.
pub fn read(bytes: &[u8]) -> Result<Extraction, ExtractionError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = bytes[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        ExtractionError::new(Location::line(line), Problem::NotUtf8)
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let extraction = if text.trim_start().starts_with('{') { fhir::read(text)? } else { csv_format::read(text)? };
    if extraction.patients.is_empty() {
        return Err(ExtractionError::new(Location::default(), Problem::NoPatients));
    }
    Ok(extraction)
}

/// Why an extraction is refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} ({location})")]
pub struct ExtractionError {
    pub location: Location,
    pub problem: Problem,
}

impl ExtractionError {
    fn new(location: Location, problem: Problem) -> Self {
        Self { location, problem }
    }
}

/// Where in the file: a line (and column) when known, and the field (a FHIR path such as
/// `entry[3].resource.birthDate`, or a CSV column name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub field: Option<String>,
}

impl Location {
    fn line(line: u64) -> Self {
        Self { line: Some(line), ..Self::default() }
    }

    fn field(field: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::default() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = self.column {
            parts.push(format!("column {column}"));
        }
        if let Some(field) = &self.field {
            parts.push(format!("field {field}"));
        }
        if parts.is_empty() {
            f.write_str("the whole file")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// What is wrong. `code()` is what the UI turns into Dutch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::EnumIter)]
pub enum Problem {
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    /// The JSON is not a FHIR Bundle (syntax, a wrong type, an unknown code).
    #[error("not a valid FHIR bundle")]
    InvalidFhir,
    #[error("the file ends too early (cut off?)")]
    Truncated,
    #[error("the extraction holds no patients")]
    NoPatients,
    #[error("the BSN is not valid")]
    InvalidBsn,
    #[error("the same BSN appears twice")]
    DuplicateBsn,
    #[error("a patient has no family name")]
    MissingName,
    #[error("a patient has no complete birth date")]
    MissingBirthDate,
    #[error("the date is not a date (YYYY-MM-DD)")]
    InvalidDate,
    #[error("the value is not a number")]
    InvalidNumber,
    #[error("a required value is empty")]
    MissingValue,
    #[error("it refers to a patient the extraction does not contain")]
    UnknownPatient,
    #[error("unknown row kind (expected patient, meting or medicatie)")]
    UnknownRowKind,
    #[error("unknown care programme")]
    UnknownProgramme,
    #[error("unknown gender (expected M, V, X or O)")]
    UnknownGender,
    #[error("the row has too few columns")]
    TooFewColumns,
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NotUtf8 => "extraction_not_utf8",
            Problem::InvalidFhir => "extraction_invalid_fhir",
            Problem::Truncated => "extraction_truncated",
            Problem::NoPatients => "extraction_no_patients",
            Problem::InvalidBsn => "extraction_invalid_bsn",
            Problem::DuplicateBsn => "extraction_duplicate_bsn",
            Problem::MissingName => "extraction_missing_name",
            Problem::MissingBirthDate => "extraction_missing_birth_date",
            Problem::InvalidDate => "extraction_invalid_date",
            Problem::InvalidNumber => "extraction_invalid_number",
            Problem::MissingValue => "extraction_missing_value",
            Problem::UnknownPatient => "extraction_unknown_patient",
            Problem::UnknownRowKind => "extraction_unknown_row_kind",
            Problem::UnknownProgramme => "extraction_unknown_programme",
            Problem::UnknownGender => "extraction_unknown_gender",
            Problem::TooFewColumns => "extraction_too_few_columns",
        }
    }
}

/// Guards shared by both formats: one patient per BSN.
fn check_unique_bsns(patients: &[ImportedPatient], location_of: impl Fn(usize) -> Location) -> Result<(), ExtractionError> {
    let mut seen = std::collections::HashSet::new();
    for (index, patient) in patients.iter().enumerate() {
        if !seen.insert(patient.card.bsn.expose()) {
            return Err(ExtractionError::new(location_of(index), Problem::DuplicateBsn));
        }
    }
    Ok(())
}
