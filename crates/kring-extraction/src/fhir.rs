//! The FHIR R4 bundle (nl-core profiles of zib2020, medication in the MP9 shape): Patient with its
//! BSN identifier, Observation (numbers, also the parts of a panel such as blood pressure),
//! MedicationStatement (with its Medication) and EpisodeOfCare (care programmes). What a valid
//! file holds that Kring cannot use is left out and reported (docs/patients.md lists it).

use crate::{check_unique_bsns, Extraction, ExtractionError, ImportedPatient, Location, Problem, SkipReason, Skipped};
use fhir_model::r4b::codes::{AdministrativeGender, EpisodeOfCareStatus, ObservationStatus};
use fhir_model::r4b::resources::{
    Bundle, EpisodeOfCare, MedicationStatement, MedicationStatementEffective, MedicationStatementMedication, Observation,
    ObservationComponentValue, ObservationEffective, ObservationValue, Patient, Resource,
};
use fhir_model::r4b::types::{CodeableConcept, HumanName, Reference};
use fhir_model::{Date as FhirDate, DateTime as FhirDateTime};
use kring_domain::patient::{Address, Gender, Measurement, Medication, NameDetails, NameUsage};
use kring_domain::{Bsn, CareProgramme, PatientCard, PatientChart};
use std::collections::HashMap;
use time::Date;

/// The NamingSystem of the Dutch BSN.
pub const BSN_SYSTEM: &str = "http://fhir.nl/fhir/NamingSystem/bsn";

pub fn read(text: &str) -> Result<Extraction, ExtractionError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let bundle: Bundle = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let location = Location {
            line: Some(inner.line() as u64),
            column: Some(inner.column() as u64),
            field: (path != ".").then_some(path),
        };
        // serde's own words can quote a value from the file (patient data): only its kind is kept.
        let problem = if inner.is_eof() { Problem::Truncated } else { Problem::InvalidFhir };
        ExtractionError::new(location, problem)
    })?;

    let mut patients: Vec<ImportedPatient> = Vec::new();
    let mut subjects = Subjects::default();
    let mut medicines: HashMap<String, String> = HashMap::new();
    let mut entry_of_patient = Vec::new();
    let mut later = Vec::new();
    let mut skipped = Vec::new();
    let skip = |skipped: &mut Vec<Skipped>, index: usize, reason: SkipReason| {
        skipped.push(Skipped { reason, place: format!("entry[{index}]") });
    };
    for (index, entry) in bundle.entry.iter().enumerate() {
        let Some(entry) = entry else { continue };
        let full_url = entry.full_url.as_deref();
        match &entry.resource {
            Some(Resource::Patient(patient)) => {
                let keys = subjects.keys_of(full_url, patient.id.as_deref(), "Patient");
                match card(patient, index)? {
                    Card::Read(card) => {
                        let position = patients.len();
                        subjects.found(keys, Some(card.bsn.expose().to_owned()), position);
                        patients.push(ImportedPatient { card: *card, chart: PatientChart::default() });
                        entry_of_patient.push(index);
                    }
                    Card::LeftOut(reason, bsn) => {
                        subjects.left_out(keys, bsn);
                        skip(&mut skipped, index, reason);
                    }
                }
            }
            Some(Resource::Medication(medication)) => {
                if let Some(name) = medication.code.as_ref().and_then(label) {
                    for key in Subjects::reference_keys(full_url, medication.id.as_deref(), "Medication") {
                        medicines.insert(key, name.clone());
                    }
                }
            }
            Some(resource @ (Resource::Observation(_) | Resource::MedicationStatement(_) | Resource::EpisodeOfCare(_))) => {
                later.push((index, resource));
            }
            _ => skip(&mut skipped, index, SkipReason::OtherResource),
        }
    }
    check_unique_bsns(&patients, |position| field(entry_of_patient[position], "identifier"))?;

    // Second pass: everything that points at a patient, wherever it stands in the bundle.
    for (index, resource) in later {
        let outcome = match resource {
            Resource::Observation(observation) => observation_into(observation, index, &subjects, &mut patients)?,
            Resource::MedicationStatement(statement) => medication_into(statement, index, &subjects, &medicines, &mut patients)?,
            Resource::EpisodeOfCare(episode) => programme_into(episode, index, &subjects, &mut patients)?,
            _ => Some(SkipReason::OtherResource),
        };
        if let Some(reason) = outcome {
            skip(&mut skipped, index, reason);
        }
    }
    // In file order (the passes found them in another).
    skipped.sort_by_key(|skipped| entry_number(&skipped.place));
    Ok(Extraction { patients, skipped })
}

/// `12` of `entry[12]`.
fn entry_number(place: &str) -> usize {
    place.trim_start_matches("entry[").trim_end_matches(']').parse().unwrap_or(usize::MAX)
}

/// The patients a resource can point at: by `fullUrl`, by `Patient/<id>`, or by BSN identifier
/// (a HIS may reference the subject only by its BSN); and those left out of the import, whose
/// resources are left out too instead of refusing the file.
#[derive(Default)]
struct Subjects {
    by_reference: HashMap<String, usize>,
    by_bsn: HashMap<String, usize>,
    left_out: std::collections::HashSet<String>,
    left_out_bsns: std::collections::HashSet<String>,
}

impl Subjects {
    fn reference_keys(full_url: Option<&str>, id: Option<&str>, kind: &str) -> Vec<String> {
        full_url.map(str::to_owned).into_iter().chain(id.map(|id| format!("{kind}/{id}"))).collect()
    }

    fn keys_of(&self, full_url: Option<&str>, id: Option<&str>, kind: &str) -> Vec<String> {
        Self::reference_keys(full_url, id, kind)
    }

    fn found(&mut self, keys: Vec<String>, bsn: Option<String>, position: usize) {
        for key in keys {
            self.by_reference.insert(key, position);
        }
        if let Some(bsn) = bsn {
            self.by_bsn.insert(bsn, position);
        }
    }

    fn left_out(&mut self, keys: Vec<String>, bsn: Option<Bsn>) {
        self.left_out.extend(keys);
        self.left_out_bsns.extend(bsn.map(|bsn| bsn.expose().to_owned()));
    }
}

/// Whom a resource is about: a patient read, one left out, or (a broken file) nobody in it.
enum Subject {
    Read(usize),
    LeftOut,
}

fn subject(reference: &Reference, index: usize, path: &str, subjects: &Subjects) -> Result<Subject, ExtractionError> {
    if let Some(text) = reference.reference.as_deref() {
        if let Some(position) = subjects.by_reference.get(text) {
            return Ok(Subject::Read(*position));
        }
        if subjects.left_out.contains(text) {
            return Ok(Subject::LeftOut);
        }
    }
    let bsn = reference
        .identifier
        .as_ref()
        .filter(|identifier| identifier.system.as_deref() == Some(BSN_SYSTEM))
        .and_then(|identifier| identifier.value.as_deref())
        .and_then(|value| Bsn::parse(value).ok());
    if let Some(bsn) = bsn {
        if let Some(position) = subjects.by_bsn.get(bsn.expose()) {
            return Ok(Subject::Read(*position));
        }
        if subjects.left_out_bsns.contains(bsn.expose()) {
            return Ok(Subject::LeftOut);
        }
    }
    Err(ExtractionError::new(field(index, path), Problem::UnknownPatient))
}

fn field(index: usize, path: &str) -> Location {
    Location::field(format!("entry[{index}].resource.{path}"))
}

/// A Patient read into a card, or left out of a valid file (and why).
enum Card {
    Read(Box<PatientCard>),
    /// Left out, with the BSN when it had one (what is about them may point at it by BSN).
    LeftOut(SkipReason, Option<Bsn>),
}

fn card(patient: &Patient, index: usize) -> Result<Card, ExtractionError> {
    let bsn = patient
        .identifier
        .iter()
        .flatten()
        .find(|identifier| identifier.system.as_deref() == Some(BSN_SYSTEM))
        .and_then(|identifier| identifier.value.as_deref());
    let Some(bsn) = bsn else { return Ok(Card::LeftOut(SkipReason::PatientWithoutBsn, None)) };
    let bsn = Bsn::parse(bsn).map_err(|_| ExtractionError::new(field(index, "identifier.value"), Problem::InvalidBsn))?;

    let names: Vec<_> = patient.name.iter().flatten().collect();
    let name = names
        .iter()
        .find(|name| matches!(name.r#use, Some(fhir_model::r4b::codes::NameUse::Official)))
        .or_else(|| names.first())
        .ok_or_else(|| ExtractionError::new(field(index, "name"), Problem::MissingName))?;
    let details = name_details(name, &names);
    // The family name as published; assembled from its parts only where `family` is missing.
    let family_name = name.family.as_deref().map(str::trim).filter(|family| !family.is_empty()).map(str::to_owned);
    let family_name = family_name
        .or_else(|| details.family())
        .ok_or_else(|| ExtractionError::new(field(index, "name.family"), Problem::MissingName))?;
    let given_names = name.given.iter().flatten().map(|given| given.trim()).collect::<Vec<_>>().join(" ");

    let birth_date = match &patient.birth_date {
        Some(FhirDate::Date(date)) => *date,
        Some(FhirDate::YearMonth(..) | FhirDate::Year(_)) | None => {
            return Ok(Card::LeftOut(SkipReason::IncompleteBirthDate, Some(bsn)));
        }
    };
    let gender = match patient.gender {
        Some(AdministrativeGender::Male) => Gender::Male,
        Some(AdministrativeGender::Female) => Gender::Female,
        Some(AdministrativeGender::Other) => Gender::Other,
        _ => Gender::Unknown,
    };
    let address = patient.address.iter().flatten().next().map(|address| Address {
        street: address.line.iter().flatten().map(|line| line.trim()).collect::<Vec<_>>().join(" "),
        postal_code: address.postal_code.clone().unwrap_or_default(),
        city: address.city.clone().unwrap_or_default(),
    });
    let phone = patient
        .telecom
        .iter()
        .flatten()
        .find(|contact| matches!(contact.system, Some(fhir_model::r4b::codes::ContactPointSystem::Phone)))
        .and_then(|contact| contact.value.clone());
    Ok(Card::Read(Box::new(PatientCard {
        bsn,
        family_name,
        given_names,
        birth_date,
        gender,
        address,
        phone,
        programmes: Vec::new(),
        name: details,
    })))
}

const HUMANNAME: &str = "http://hl7.org/fhir/StructureDefinition/humanname-";
const NAME_QUALIFIER: &str = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier";

/// The Dutch name parts nl-core's HumanName carries in extensions (zib NameInformation): on
/// `_family` own/partner prefix and name, on the name the usage (`humanname-assembly-order`,
/// NL1-NL4), on each `_given` whether it is a first name (`BR`), an initial (`IN`) or a call
/// name (`CL`); a name with `use=usual` holds the roepnaam.
fn name_details(name: &HumanName, names: &[&HumanName]) -> NameDetails {
    let family_part = |part: &str| {
        let url = format!("{HUMANNAME}{part}");
        name.family_ext.iter().flat_map(|ext| ext.extension.iter()).find(|ext| ext.url == url).and_then(extension_text)
    };
    let usage = name
        .extension
        .iter()
        .find(|ext| ext.url == format!("{HUMANNAME}assembly-order"))
        .and_then(extension_text)
        .and_then(|code| NameUsage::from_code(&code));
    let qualifier = |position: usize| {
        name.given_ext
            .get(position)
            .and_then(Option::as_ref)
            .and_then(|ext| ext.extension.iter().find(|ext| ext.url == NAME_QUALIFIER))
            .and_then(extension_text)
    };
    let givens: Vec<(String, Option<String>)> = name
        .given
        .iter()
        .enumerate()
        .filter_map(|(position, given)| given.as_deref().map(|given| (given.trim().to_owned(), qualifier(position))))
        .collect();
    let published_initials: Vec<&str> =
        givens.iter().filter(|(_, qualifier)| qualifier.as_deref() == Some("IN")).map(|(given, _)| given.as_str()).collect();
    let first_names: Vec<&str> =
        givens.iter().filter(|(_, qualifier)| qualifier.as_deref() != Some("IN")).map(|(given, _)| given.as_str()).collect();
    let initials = if published_initials.is_empty() {
        Some(kring_domain::patient::initials_of(&first_names.join(" "))).filter(|initials| !initials.is_empty())
    } else {
        Some(published_initials.concat())
    };
    let call_name = names
        .iter()
        .find(|other| matches!(other.r#use, Some(fhir_model::r4b::codes::NameUse::Usual)))
        .and_then(|usual| usual.given.iter().flatten().next().cloned())
        .or_else(|| givens.iter().find(|(_, qualifier)| qualifier.as_deref() == Some("CL")).map(|(given, _)| given.clone()));
    NameDetails {
        own_prefix: family_part("own-prefix"),
        own_name: family_part("own-name"),
        partner_prefix: family_part("partner-prefix"),
        partner_name: family_part("partner-name"),
        usage,
        initials,
        call_name,
    }
}

fn extension_text(extension: &fhir_model::r4b::types::Extension) -> Option<String> {
    match &extension.value {
        Some(fhir_model::r4b::types::ExtensionValue::String(text) | fhir_model::r4b::types::ExtensionValue::Code(text)) => {
            Some(text.clone())
        }
        _ => None,
    }
}

/// A measurement, or each part of a panel (blood pressure: systolic and diastolic in
/// `component`), with a number: `valueQuantity` or a whole-number score (`valueInteger`).
/// Returns why it was left out, if it was.
fn observation_into(
    observation: &Observation,
    index: usize,
    subjects: &Subjects,
    patients: &mut [ImportedPatient],
) -> Result<Option<SkipReason>, ExtractionError> {
    if matches!(observation.status, ObservationStatus::EnteredInError | ObservationStatus::Cancelled) {
        return Ok(Some(SkipReason::EnteredInError));
    }
    let reference =
        observation.subject.as_ref().ok_or_else(|| ExtractionError::new(field(index, "subject"), Problem::UnknownPatient))?;
    let position = match subject(reference, index, "subject", subjects)? {
        Subject::Read(position) => position,
        Subject::LeftOut => return Ok(Some(SkipReason::PatientLeftOut)),
    };
    let mut values: Vec<(&CodeableConcept, f64, String)> = Vec::new();
    if let Some(value) = &observation.value {
        if let Some((number, unit)) = number_of_value(value) {
            values.push((&observation.code, number, unit));
        }
    }
    for component in observation.component.iter().flatten() {
        if let Some((number, unit)) = component.value.as_ref().and_then(number_of_component) {
            values.push((&component.code, number, unit));
        }
    }
    if values.is_empty() {
        return Ok(Some(SkipReason::NotNumeric));
    }
    let date = match &observation.effective {
        Some(ObservationEffective::DateTime(date_time)) => date_of(date_time),
        Some(ObservationEffective::Instant(instant)) => Some(instant.0.date()),
        Some(ObservationEffective::Period(period)) => period.start.as_ref().and_then(date_of),
        _ => None,
    };
    let Some(date) = date else { return Ok(Some(SkipReason::UndatedMeasurement)) };
    for (concept, value, unit) in values {
        let label = label(concept).ok_or_else(|| ExtractionError::new(field(index, "code"), Problem::MissingValue))?;
        patients[position].chart.measurements.push(Measurement { code: code_of(concept), label, value, unit, date });
    }
    Ok(None)
}

/// `system|code` of a concept's first coding.
fn code_of(concept: &CodeableConcept) -> String {
    concept
        .coding
        .iter()
        .flatten()
        .next()
        .map(|coding| format!("{}|{}", coding.system.as_deref().unwrap_or(""), coding.code.as_deref().unwrap_or("")))
        .unwrap_or_default()
}

fn number_of_quantity(quantity: &fhir_model::r4b::types::Quantity) -> Option<(f64, String)> {
    let unit = quantity.unit.clone().or_else(|| quantity.code.clone()).unwrap_or_default();
    quantity.value.map(|value| (value, unit))
}

fn number_of_value(value: &ObservationValue) -> Option<(f64, String)> {
    match value {
        ObservationValue::Quantity(quantity) => number_of_quantity(quantity),
        ObservationValue::Integer(score) => Some((f64::from(*score), String::new())),
        _ => None,
    }
}

fn number_of_component(value: &ObservationComponentValue) -> Option<(f64, String)> {
    match value {
        ObservationComponentValue::Quantity(quantity) => number_of_quantity(quantity),
        ObservationComponentValue::Integer(score) => Some((f64::from(*score), String::new())),
        _ => None,
    }
}

/// MP9's stop type (`ext-StopType`, a modifier extension) and its two codes (SNOMED).
const STOP_TYPE: &str = "ext-StopType";
const PAUSED: &str = "385655000";
const STOPPED: &str = "410546004";

/// The extension in which MP9 (medication process 9) renders the dosage instruction as text;
/// `dosage.text` stays empty there.
const RENDERED_DOSAGE: &str = "RenderedDosageInstruction";

/// A medication statement (in the MP9 shape too): the name from the code or from the Medication
/// resource it references, the dosage from `dosage.text` or MP9's rendered instruction, status
/// (`on-hold` is "onderbroken", not active) and the period of use (an end in the past is shown
/// as stopped by whoever shows it: the reader does not know today).
fn medication_into(
    statement: &MedicationStatement,
    index: usize,
    subjects: &Subjects,
    medicines: &HashMap<String, String>,
    patients: &mut [ImportedPatient],
) -> Result<Option<SkipReason>, ExtractionError> {
    if statement.status == "entered-in-error" {
        return Ok(Some(SkipReason::EnteredInError));
    }
    // MP9's stop type is a modifier Kring understands (it says paused or stopped); any other
    // modifier extension changes the meaning in a way Kring does not know.
    let stop_type =
        statement.modifier_extension.iter().find(|ext| ext.url.ends_with(STOP_TYPE)).and_then(|ext| match &ext.value {
            Some(fhir_model::r4b::types::ExtensionValue::CodeableConcept(concept)) => {
                concept.coding.iter().flatten().find_map(|coding| coding.code.clone())
            }
            _ => None,
        });
    let unknown_modifier = statement.modifier_extension.iter().any(|ext| !ext.url.ends_with(STOP_TYPE))
        || statement.dosage.iter().flatten().any(|dosage| !dosage.modifier_extension.is_empty());
    if unknown_modifier {
        return Ok(Some(SkipReason::NotUnderstood));
    }
    let position = match subject(&statement.subject, index, "subject", subjects)? {
        Subject::Read(position) => position,
        Subject::LeftOut => return Ok(Some(SkipReason::PatientLeftOut)),
    };
    let name = match &statement.medication {
        MedicationStatementMedication::CodeableConcept(concept) => label(concept),
        MedicationStatementMedication::Reference(reference) => {
            reference.reference.as_deref().and_then(|key| medicines.get(key).cloned()).or_else(|| reference.display.clone())
        }
    };
    let name = name.ok_or_else(|| ExtractionError::new(field(index, "medication"), Problem::MissingValue))?;
    let (since, until) = match &statement.effective {
        Some(MedicationStatementEffective::DateTime(date_time)) => (date_of(date_time), None),
        Some(MedicationStatementEffective::Period(period)) => {
            let since = period.start.as_ref().and_then(date_of);
            let until = period.end.as_ref().and_then(date_of).or_else(|| since.and_then(|start| end_by_duration(period, start)));
            (since, until)
        }
        None => (None, None),
    };
    let rendered = statement
        .extension
        .iter()
        .chain(statement.dosage.iter().flatten().flat_map(|dosage| dosage.extension.iter()))
        .filter(|extension| extension.url.ends_with(RENDERED_DOSAGE))
        .find_map(|extension| match &extension.value {
            Some(fhir_model::r4b::types::ExtensionValue::String(text)) => Some(text.clone()),
            _ => None,
        });
    let dosage = statement.dosage.iter().flatten().find_map(|dosage| dosage.text.clone()).or(rendered);
    patients[position].chart.medication.push(Medication {
        name,
        dosage,
        since,
        until,
        active: matches!(statement.status.as_str(), "active" | "intended" | "on-hold") && stop_type.as_deref() != Some(STOPPED),
        on_hold: statement.status == "on-hold" || stop_type.as_deref() == Some(PAUSED),
    });
    Ok(None)
}

/// MP9 gives a period of use as a start and a duration (`ext-TimeInterval.Duration` on the
/// period): the last day of use, for durations in days or weeks.
fn end_by_duration(period: &fhir_model::r4b::types::Period, start: Date) -> Option<Date> {
    let duration =
        period.extension.iter().filter(|ext| ext.url.ends_with("TimeInterval.Duration")).find_map(|ext| match &ext.value {
            Some(fhir_model::r4b::types::ExtensionValue::Duration(duration)) => Some(duration),
            _ => None,
        })?;
    let days = match duration.code.as_deref()? {
        "d" => duration.value?,
        "wk" => duration.value? * 7.0,
        _ => return None,
    };
    let days = days.round() as i64;
    (days >= 1).then(|| start.saturating_add(time::Duration::days(days - 1)))
}

/// A care programme (an EpisodeOfCare whose type names one Kring knows). In zib2020 an
/// EpisodeOfCare is usually a problem episode ("de novo diabetes", no type): left out, reported.
fn programme_into(
    episode: &EpisodeOfCare,
    index: usize,
    subjects: &Subjects,
    patients: &mut [ImportedPatient],
) -> Result<Option<SkipReason>, ExtractionError> {
    if !matches!(episode.status, EpisodeOfCareStatus::Active | EpisodeOfCareStatus::Waitlist) {
        return Ok(Some(SkipReason::UnknownEpisode));
    }
    let position = match subject(&episode.patient, index, "patient", subjects)? {
        Subject::Read(position) => position,
        Subject::LeftOut => return Ok(Some(SkipReason::PatientLeftOut)),
    };
    let patient = &mut patients[position];
    let programme = episode.r#type.iter().flatten().find_map(|concept| {
        concept
            .coding
            .iter()
            .flatten()
            .find_map(|coding| coding.code.as_deref().and_then(CareProgramme::parse))
            .or_else(|| concept.text.as_deref().and_then(CareProgramme::parse))
    });
    let Some(programme) = programme else { return Ok(Some(SkipReason::UnknownEpisode)) };
    if !patient.card.programmes.contains(&programme) {
        patient.card.programmes.push(programme);
        patient.card.programmes.sort();
    }
    Ok(None)
}

/// The words for a concept: its text, else the first coding's display, else its code.
fn label(concept: &CodeableConcept) -> Option<String> {
    concept.text.clone().or_else(|| {
        let coding = concept.coding.iter().flatten().next()?;
        coding.display.clone().or_else(|| coding.code.clone())
    })
}

fn date_of(date_time: &FhirDateTime) -> Option<Date> {
    match date_time {
        FhirDateTime::Date(FhirDate::Date(date)) => Some(*date),
        FhirDateTime::DateTime(instant) => Some(instant.0.date()),
        FhirDateTime::Date(_) => None,
    }
}
