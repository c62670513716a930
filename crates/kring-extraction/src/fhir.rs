//! The FHIR R4 bundle (nl-core profiles of zib2020, medication in the MP9 shape): Patient with its
//! BSN identifier, Observation (numbers, also the parts of a panel such as blood pressure),
//! MedicationStatement (with its Medication) and EpisodeOfCare (care programmes). What a valid
//! file holds that Kring cannot use is left out and reported (docs/patients.md lists it).

use crate::{check_unique_bsns, Extraction, ExtractionError, ImportedPatient, Location, Problem, SkipReason, Skipped};
use fhir_model::r4b::codes::{AdministrativeGender, EpisodeOfCareStatus, ObservationStatus};
use fhir_model::r4b::resources::{
    EpisodeOfCare, MedicationStatement, MedicationStatementEffective, MedicationStatementMedication, Observation,
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

/// The BSN's OID, which older HIS exports (and HL7v3-derived ones) still write as the system.
const BSN_OID: &str = "urn:oid:2.16.840.1.113883.2.4.6.3";

fn is_bsn_system(system: Option<&str>) -> bool {
    matches!(system, Some(BSN_SYSTEM | BSN_OID))
}

pub fn read(text: &str) -> Result<Extraction, ExtractionError> {
    let bundle: RawBundle = parse(text, text, None)?;
    if bundle.resource_type != "Bundle" {
        return Err(ExtractionError::new(Location::field("resourceType"), Problem::InvalidFhir));
    }
    // Each entry is parsed as its type only when Kring reads that type: a valid file is not
    // refused for an Organization or Encounter (no use to Kring) that its parser would not take.
    let mut resources = Vec::with_capacity(bundle.entry.len());
    for (index, entry) in bundle.entry.iter().enumerate() {
        let Some(raw) = entry.as_ref().and_then(|entry| entry.resource) else { continue };
        let place = format!("entry[{index}].resource");
        let kind: ResourceKind = parse(text, raw.get(), Some(&place))?;
        let resource = match kind.resource_type.as_str() {
            "Patient" | "Observation" | "MedicationStatement" | "Medication" | "EpisodeOfCare" => {
                Some(parse::<Resource>(text, raw.get(), Some(&place))?)
            }
            _ => None,
        };
        let full_url = entry.as_ref().and_then(|entry| entry.full_url.as_deref());
        resources.push((index, full_url, resource));
    }

    let mut patients: Vec<ImportedPatient> = Vec::new();
    let mut subjects = Subjects::default();
    let mut medicines: HashMap<String, String> = HashMap::new();
    let mut entry_of_patient = Vec::new();
    let mut later = Vec::new();
    let mut skipped = Vec::new();
    let skip = |skipped: &mut Vec<Skipped>, index: usize, reason: SkipReason| {
        skipped.push(Skipped { reason, place: format!("entry[{index}]") });
    };
    for (index, full_url, resource) in &resources {
        let index = *index;
        let full_url = *full_url;
        match resource {
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

/// A bundle as far as the import needs it before knowing each entry's type.
#[derive(serde::Deserialize)]
struct RawBundle<'a> {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(borrow, default)]
    entry: Vec<Option<RawEntry<'a>>>,
}

#[derive(serde::Deserialize)]
struct RawEntry<'a> {
    #[serde(rename = "fullUrl")]
    full_url: Option<String>,
    #[serde(borrow, default)]
    resource: Option<&'a serde_json::value::RawValue>,
}

#[derive(serde::Deserialize)]
struct ResourceKind {
    #[serde(rename = "resourceType")]
    resource_type: String,
}

/// Parses `part` (the file, or an entry's slice of it) as `T`. A failure names the line and
/// column in the whole file and the field path below `place`; serde's own words can quote a
/// value from the file (patient data), so only the kind of failure is kept.
fn parse<'a, T: serde::Deserialize<'a>>(text: &str, part: &'a str, place: Option<&str>) -> Result<T, ExtractionError> {
    let deserializer = &mut serde_json::Deserializer::from_str(part);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // Where `part` starts in the file: a slice of `text`, or `text` itself.
        let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let before = text.get(..offset).unwrap_or_default();
        let lines_before = before.matches('\n').count();
        let column_before = before.len() - before.rfind('\n').map_or(0, |newline| newline + 1);
        // serde_json knows no position for a failure inside a buffered value (a resource is
        // read by its `resourceType` tag): then the place is where that resource starts.
        let (line, column) = match inner.line() {
            0 => (lines_before + 1, column_before + 1),
            1 => (lines_before + 1, column_before + inner.column()),
            line => (lines_before + line, inner.column()),
        };
        let field = match (place, path.as_str()) {
            (None, ".") => None,
            (None, path) => Some(path.to_owned()),
            (Some(place), ".") => Some(place.to_owned()),
            (Some(place), path) => Some(format!("{place}.{path}")),
        };
        let location = Location { line: Some(line as u64), column: Some(column as u64), field };
        let problem = if inner.is_eof() { Problem::Truncated } else { Problem::InvalidFhir };
        ExtractionError::new(location, problem)
    })
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
        .filter(|identifier| is_bsn_system(identifier.system.as_deref()))
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
        .find(|identifier| is_bsn_system(identifier.system.as_deref()))
        .and_then(|identifier| identifier.value.as_deref());
    let Some(bsn) = bsn else { return Ok(Card::LeftOut(SkipReason::PatientWithoutBsn, None)) };
    let bsn = Bsn::parse(bsn).map_err(|_| ExtractionError::new(field(index, "identifier.value"), Problem::InvalidBsn))?;

    let names: Vec<_> = patient.name.iter().flatten().collect();
    let name = chosen_name(&names).ok_or_else(|| ExtractionError::new(field(index, "name"), Problem::MissingName))?;
    let (details, given_names) = name_details(name, &names);
    // The family name as published; assembled from its parts where `family` is missing; a name
    // given only as `text` (valid FHIR) is shown as that text.
    let non_empty = |text: Option<&str>| text.map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned);
    let family_name = non_empty(name.family.as_deref())
        .or_else(|| details.family())
        .or_else(|| non_empty(name.text.as_deref()))
        .ok_or_else(|| ExtractionError::new(field(index, "name.family"), Problem::MissingName))?;

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

/// The name to show: the official one, else one in use (not only a roepnaam, an old name or a
/// nickname), else the first.
fn chosen_name<'a>(names: &[&'a HumanName]) -> Option<&'a HumanName> {
    use fhir_model::r4b::codes::NameUse;
    names
        .iter()
        .find(|name| matches!(name.r#use, Some(NameUse::Official)))
        .or_else(|| names.iter().find(|name| !matches!(name.r#use, Some(NameUse::Usual | NameUse::Old | NameUse::Nickname))))
        .or_else(|| names.first())
        .copied()
}

const HUMANNAME: &str = "http://hl7.org/fhir/StructureDefinition/humanname-";
const NAME_QUALIFIER: &str = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier";

/// The Dutch name parts nl-core's HumanName carries in extensions (zib NameInformation): on
/// `_family` own/partner prefix and name, on the name the usage (`humanname-assembly-order`,
/// NL1-NL4), on each `_given` whether it is a first name (`BR`), an initial (`IN`) or a call
/// name (`CL`); a name with `use=usual` holds the roepnaam. Returns the parts and the first
/// names (voornamen: not the initials, not the roepnaam); an unqualified given written with a
/// dot ("J.P.M.") is taken for initials.
fn name_details(name: &HumanName, names: &[&HumanName]) -> (NameDetails, String) {
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
    let is_initial = |(given, qualifier): &&(String, Option<String>)| match qualifier.as_deref() {
        Some(qualifier) => qualifier == "IN",
        None => given.contains('.'),
    };
    let published_initials: Vec<&str> = givens.iter().filter(is_initial).map(|(given, _)| given.as_str()).collect();
    let first_names: Vec<&str> = givens
        .iter()
        .filter(|given| !is_initial(given) && given.1.as_deref() != Some("CL"))
        .map(|(given, _)| given.as_str())
        .collect();
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
    let details = NameDetails {
        own_prefix: family_part("own-prefix"),
        own_name: family_part("own-name"),
        partner_prefix: family_part("partner-prefix"),
        partner_name: family_part("partner-name"),
        usage,
        initials,
        call_name,
    };
    (details, first_names.join(" "))
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
    let top = observation.value.as_ref().map(|value| (&observation.code, number_of_value(value)));
    let parts = observation
        .component
        .iter()
        .flatten()
        .filter_map(|component| component.value.as_ref().map(|value| (&component.code, number_of_component(value))));
    let mut values: Vec<(&CodeableConcept, f64, String)> = Vec::new();
    let mut bounded = false;
    for (concept, number) in top.into_iter().chain(parts) {
        match number {
            Number::Exact(value, unit) => values.push((concept, value, unit)),
            Number::Bounded => bounded = true,
            Number::None => {}
        }
    }
    if values.is_empty() {
        return Ok(Some(if bounded { SkipReason::BoundedValue } else { SkipReason::NotNumeric }));
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
        let code = code_of(concept);
        let (value, unit) = in_chart_unit(&code, value, unit);
        patients[position].chart.measurements.push(Measurement { code, label, value, unit, date });
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

/// What a measurement's value gives a chart.
enum Number {
    /// A number and its unit (as the person reads it: `unit`, else the UCUM code).
    Exact(f64, String),
    /// Only a bound (`comparator`: "<0.1", ">90"): plotting the bound as the value would mislead.
    Bounded,
    /// Text, a code, or nothing.
    None,
}

fn number_of_quantity(quantity: &fhir_model::r4b::types::Quantity) -> Number {
    let unit = quantity.unit.clone().or_else(|| quantity.code.clone()).unwrap_or_default();
    match (quantity.value, &quantity.comparator) {
        (Some(_), Some(_)) => Number::Bounded,
        (Some(value), None) => Number::Exact(value, unit),
        (None, _) => Number::None,
    }
}

fn number_of_value(value: &ObservationValue) -> Number {
    match value {
        ObservationValue::Quantity(quantity) => number_of_quantity(quantity),
        ObservationValue::Integer(score) => Number::Exact(f64::from(*score), String::new()),
        _ => Number::None,
    }
}

fn number_of_component(value: &ObservationComponentValue) -> Number {
    match value {
        ObservationComponentValue::Quantity(quantity) => number_of_quantity(quantity),
        ObservationComponentValue::Integer(score) => Number::Exact(f64::from(*score), String::new()),
        _ => Number::None,
    }
}

/// (LOINC code, unit as sent, unit a chart uses, factor): one series keeps one unit, whatever
/// unit each HIS writes (nl-core's BodyWeight example is in grams, most HIS systems write kg).
const CHART_UNITS: &[(&str, &str, &str, f64)] = &[
    ("29463-7", "g", "kg", 0.001),
    ("29463-7", "gram", "kg", 0.001),
    ("29463-7", "[lb_av]", "kg", 0.453_592_37),
    ("8302-2", "m", "cm", 100.0),
    ("8302-2", "[in_i]", "cm", 2.54),
];

fn in_chart_unit(code: &str, value: f64, unit: String) -> (f64, String) {
    let loinc = code.strip_prefix("http://loinc.org|").unwrap_or_default();
    match CHART_UNITS.iter().find(|(code, sent, _, _)| *code == loinc && *sent == unit) {
        // Rounded to what the source's precision can carry (grams to 0.001 kg).
        Some((_, _, chart_unit, factor)) => (((value * factor) * 1000.0).round() / 1000.0, (*chart_unit).to_owned()),
        None => (value, unit),
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
    match statement.status.as_str() {
        "entered-in-error" => return Ok(Some(SkipReason::EnteredInError)),
        // "Not taken": a statement that the patient does not use it, not a medication in use.
        "not-taken" => return Ok(Some(SkipReason::NotTaken)),
        _ => {}
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
            let until = period.end.as_ref().and_then(date_of).or_else(|| end_by_duration(period));
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
    // MP9 renders the whole instruction once, where each `dosage` holds only one part of a
    // schedule: the rendered text describes it whole.
    let dosage = rendered.or_else(|| statement.dosage.iter().flatten().find_map(|dosage| dosage.text.clone()));
    patients[position].chart.medication.push(Medication {
        name,
        dosage,
        since,
        until,
        // `unknown` says nothing either way: the period decides, as it does for `active`.
        active: !matches!(statement.status.as_str(), "completed" | "stopped") && stop_type.as_deref() != Some(STOPPED),
        on_hold: statement.status == "on-hold" || stop_type.as_deref() == Some(PAUSED),
    });
    Ok(None)
}

/// MP9 gives a period of use as a start and a duration (`ext-TimeInterval.Duration` on the
/// period): the last day of use. Hours count from the start's time of day; days, weeks, months
/// and years (UCUM `h`, `d`, `wk`, `mo`, `a`) from its date, the start day being the first.
fn end_by_duration(period: &fhir_model::r4b::types::Period) -> Option<Date> {
    let start = period.start.as_ref()?;
    let duration =
        period.extension.iter().filter(|ext| ext.url.ends_with("TimeInterval.Duration")).find_map(|ext| match &ext.value {
            Some(fhir_model::r4b::types::ExtensionValue::Duration(duration)) => Some(duration),
            _ => None,
        })?;
    let amount = duration.value?;
    if !(amount.is_finite() && amount > 0.0) {
        return None;
    }
    let start_date = date_of(start)?;
    let whole = amount.round() as i64;
    let after = |days: i64| start_date.checked_add(time::Duration::days(days - 1));
    match duration.code.as_deref()? {
        "h" => match start {
            FhirDateTime::DateTime(instant) => {
                // The end is the moment the last hour ends; an end at midnight is the day before.
                let end = instant.0.checked_add(time::Duration::seconds_f64(amount * 3600.0))?;
                let end = end.checked_sub(time::Duration::nanoseconds(1))?;
                Some(end.date().max(start_date))
            }
            _ => after((amount / 24.0).ceil() as i64),
        },
        "d" => after(whole),
        "wk" => after(whole * 7),
        "mo" => months_after(start_date, whole),
        "a" => months_after(start_date, whole * 12),
        _ => None,
    }
    .filter(|end| *end >= start_date)
}

/// The day before the same day `months` later, that day clamped to the month's end: from
/// 15 jan one month ends on 14 feb, from 31 jan on 27 feb (28 feb being "a month later").
fn months_after(start: Date, months: i64) -> Option<Date> {
    let index = i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = start.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()?.previous_day()
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
