//! The FHIR R4 bundle (nl-core profiles): Patient with its BSN identifier, Observation (numeric
//! measurements), MedicationStatement and EpisodeOfCare (care programmes).

use crate::{check_unique_bsns, Extraction, ExtractionError, ImportedPatient, Location, Problem};
use fhir_model::r4b::codes::{AdministrativeGender, EpisodeOfCareStatus, ObservationStatus};
use fhir_model::r4b::resources::{
    Bundle, EpisodeOfCare, MedicationStatement, MedicationStatementEffective, MedicationStatementMedication, Observation,
    ObservationEffective, ObservationValue, Patient, Resource,
};
use fhir_model::r4b::types::{CodeableConcept, Reference};
use fhir_model::{Date as FhirDate, DateTime as FhirDateTime};
use kring_domain::patient::{Address, Gender, Measurement, Medication};
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
    let mut by_reference: HashMap<String, usize> = HashMap::new();
    let mut entry_of_patient = Vec::new();
    let mut later = Vec::new();
    let mut skipped = 0;
    for (index, entry) in bundle.entry.iter().enumerate() {
        let Some(entry) = entry else { continue };
        match &entry.resource {
            Some(Resource::Patient(patient)) => {
                let card = card(patient, index)?;
                let position = patients.len();
                if let Some(url) = &entry.full_url {
                    by_reference.insert(url.clone(), position);
                }
                if let Some(id) = &patient.id {
                    by_reference.insert(format!("Patient/{id}"), position);
                }
                patients.push(ImportedPatient { card, chart: PatientChart::default() });
                entry_of_patient.push(index);
            }
            Some(resource @ (Resource::Observation(_) | Resource::MedicationStatement(_) | Resource::EpisodeOfCare(_))) => {
                later.push((index, resource));
            }
            _ => skipped += 1,
        }
    }
    check_unique_bsns(&patients, |position| field(entry_of_patient[position], "identifier"))?;

    // Second pass: everything that points at a patient, wherever it stands in the bundle.
    for (index, resource) in later {
        let used = match resource {
            Resource::Observation(observation) => observation_into(observation, index, &by_reference, &mut patients)?,
            Resource::MedicationStatement(statement) => medication_into(statement, index, &by_reference, &mut patients)?,
            Resource::EpisodeOfCare(episode) => programme_into(episode, index, &by_reference, &mut patients)?,
            _ => false,
        };
        if !used {
            skipped += 1;
        }
    }
    Ok(Extraction { patients, skipped })
}

fn field(index: usize, path: &str) -> Location {
    Location::field(format!("entry[{index}].resource.{path}"))
}

fn card(patient: &Patient, index: usize) -> Result<PatientCard, ExtractionError> {
    let bsn = patient
        .identifier
        .iter()
        .flatten()
        .find(|identifier| identifier.system.as_deref() == Some(BSN_SYSTEM))
        .and_then(|identifier| identifier.value.as_deref())
        .ok_or_else(|| ExtractionError::new(field(index, "identifier"), Problem::MissingBsn))?;
    let bsn = Bsn::parse(bsn).map_err(|_| ExtractionError::new(field(index, "identifier.value"), Problem::InvalidBsn))?;

    let names: Vec<_> = patient.name.iter().flatten().collect();
    let name = names
        .iter()
        .find(|name| matches!(name.r#use, Some(fhir_model::r4b::codes::NameUse::Official)))
        .or_else(|| names.first())
        .ok_or_else(|| ExtractionError::new(field(index, "name"), Problem::MissingName))?;
    let family_name = name.family.as_deref().map(str::trim).filter(|family| !family.is_empty());
    let family_name = family_name.ok_or_else(|| ExtractionError::new(field(index, "name.family"), Problem::MissingName))?;
    let given_names = name.given.iter().flatten().map(|given| given.trim()).collect::<Vec<_>>().join(" ");

    let birth_date = match &patient.birth_date {
        Some(FhirDate::Date(date)) => *date,
        _ => return Err(ExtractionError::new(field(index, "birthDate"), Problem::MissingBirthDate)),
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
    Ok(PatientCard {
        bsn,
        family_name: family_name.to_owned(),
        given_names,
        birth_date,
        gender,
        address,
        phone,
        programmes: Vec::new(),
    })
}

fn subject<'a>(
    reference: &Reference,
    index: usize,
    path: &str,
    by_reference: &HashMap<String, usize>,
    patients: &'a mut [ImportedPatient],
) -> Result<&'a mut ImportedPatient, ExtractionError> {
    reference
        .reference
        .as_ref()
        .and_then(|reference| by_reference.get(reference))
        .and_then(|position| patients.get_mut(*position))
        .ok_or_else(|| ExtractionError::new(field(index, path), Problem::UnknownPatient))
}

fn observation_into(
    observation: &Observation,
    index: usize,
    by_reference: &HashMap<String, usize>,
    patients: &mut [ImportedPatient],
) -> Result<bool, ExtractionError> {
    if matches!(observation.status, ObservationStatus::EnteredInError | ObservationStatus::Cancelled) {
        return Ok(false);
    }
    let Some(ObservationValue::Quantity(quantity)) = &observation.value else { return Ok(false) };
    let reference =
        observation.subject.as_ref().ok_or_else(|| ExtractionError::new(field(index, "subject"), Problem::UnknownPatient))?;
    let patient = subject(reference, index, "subject", by_reference, patients)?;
    let value = quantity.value.ok_or_else(|| ExtractionError::new(field(index, "valueQuantity.value"), Problem::MissingValue))?;
    let date = match &observation.effective {
        Some(ObservationEffective::DateTime(date_time)) => date_of(date_time),
        Some(ObservationEffective::Instant(instant)) => Some(instant.0.date()),
        Some(ObservationEffective::Period(period)) => period.start.as_ref().and_then(date_of),
        _ => None,
    };
    let date = date.ok_or_else(|| ExtractionError::new(field(index, "effectiveDateTime"), Problem::InvalidDate))?;
    let coding = observation.code.coding.iter().flatten().next();
    let code = coding
        .map(|coding| format!("{}|{}", coding.system.as_deref().unwrap_or(""), coding.code.as_deref().unwrap_or("")))
        .unwrap_or_default();
    let label = label(&observation.code).ok_or_else(|| ExtractionError::new(field(index, "code"), Problem::MissingValue))?;
    patient.chart.measurements.push(Measurement {
        code,
        label,
        value,
        unit: quantity.unit.clone().or_else(|| quantity.code.clone()).unwrap_or_default(),
        date,
    });
    Ok(true)
}

fn medication_into(
    statement: &MedicationStatement,
    index: usize,
    by_reference: &HashMap<String, usize>,
    patients: &mut [ImportedPatient],
) -> Result<bool, ExtractionError> {
    if statement.status == "entered-in-error" {
        return Ok(false);
    }
    let patient = subject(&statement.subject, index, "subject", by_reference, patients)?;
    let name = match &statement.medication {
        MedicationStatementMedication::CodeableConcept(concept) => label(concept),
        MedicationStatementMedication::Reference(reference) => reference.display.clone(),
    };
    let name = name.ok_or_else(|| ExtractionError::new(field(index, "medicationCodeableConcept"), Problem::MissingValue))?;
    let since = match &statement.effective {
        Some(MedicationStatementEffective::DateTime(date_time)) => date_of(date_time),
        Some(MedicationStatementEffective::Period(period)) => period.start.as_ref().and_then(date_of),
        None => None,
    };
    patient.chart.medication.push(Medication {
        name,
        dosage: statement.dosage.iter().flatten().find_map(|dosage| dosage.text.clone()),
        since,
        active: matches!(statement.status.as_str(), "active" | "intended" | "on-hold"),
    });
    Ok(true)
}

fn programme_into(
    episode: &EpisodeOfCare,
    index: usize,
    by_reference: &HashMap<String, usize>,
    patients: &mut [ImportedPatient],
) -> Result<bool, ExtractionError> {
    if !matches!(episode.status, EpisodeOfCareStatus::Active | EpisodeOfCareStatus::Waitlist) {
        return Ok(false);
    }
    let patient = subject(&episode.patient, index, "patient", by_reference, patients)?;
    let programme = episode.r#type.iter().flatten().find_map(|concept| {
        concept
            .coding
            .iter()
            .flatten()
            .find_map(|coding| coding.code.as_deref().and_then(CareProgramme::parse))
            .or_else(|| concept.text.as_deref().and_then(CareProgramme::parse))
    });
    let programme = programme.ok_or_else(|| ExtractionError::new(field(index, "type"), Problem::UnknownProgramme))?;
    if !patient.card.programmes.contains(&programme) {
        patient.card.programmes.push(programme);
        patient.card.programmes.sort();
    }
    Ok(true)
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
