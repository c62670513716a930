//! Issue 14 (PAT-1): the shapes real HIS systems send in nl-core (zib2020) and MP9, each read as
//! the profile defines it, and what a valid file holds that Kring cannot use left out and reported
//! instead of refusing the file. The published Nictiz examples are in `fixtures/nictiz/`
//! (`nictiz.rs`); these small bundles pin one shape each.

use kring_extraction::{read, Extraction, SkipReason};
use serde_json::{json, Value};

const BSN_SYSTEM: &str = "http://fhir.nl/fhir/NamingSystem/bsn";

fn patient(id: &str, bsn: Option<&str>, birth_date: &str) -> Value {
    let identifier: Vec<Value> = bsn.iter().map(|bsn| json!({ "system": BSN_SYSTEM, "value": bsn })).collect();
    json!({
        "resourceType": "Patient", "id": id, "identifier": identifier,
        "name": [{ "use": "official", "family": "Putten", "given": ["Johanna"] }],
        "gender": "female", "birthDate": birth_date
    })
}

fn bundle(resources: Vec<Value>) -> Extraction {
    let entries: Vec<Value> = resources.into_iter().map(|resource| json!({ "resource": resource })).collect();
    let text = json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }).to_string();
    read(text.as_bytes()).expect("a valid file is read")
}

fn reasons(extraction: &Extraction) -> Vec<(SkipReason, String)> {
    extraction.skipped.iter().map(|skipped| (skipped.reason, skipped.place.clone())).collect()
}

#[test]
fn pat_1_a_blood_pressure_panel_gives_its_systolic_and_diastolic_parts() {
    // nl-core-BloodPressure: LOINC 85354-9 with the pressures in `component`, no top-level value.
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1934-04-28"),
        json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel" }] },
            "subject": { "reference": "Patient/p1" },
            "effectiveDateTime": "2012-10-02T09:30:00+02:00",
            "component": [
                { "code": { "coding": [{ "system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure" }] },
                  "valueQuantity": { "value": 120, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]" } },
                { "code": { "coding": [{ "system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure" }] },
                  "valueQuantity": { "value": 80, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]" } }
            ]
        }),
        // A whole-number score (nl-core-PainScore: valueInteger).
        json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "1141000146104", "display": "Pijnscore" }] },
            "subject": { "reference": "Patient/p1" },
            "effectiveDateTime": "2012-10-03", "valueInteger": 3
        }),
    ]);
    let measurements = &extraction.patients[0].chart.measurements;
    let read: Vec<(&str, f64, &str)> = measurements.iter().map(|m| (m.code.as_str(), m.value, m.unit.as_str())).collect();
    assert_eq!(
        read,
        vec![
            ("http://loinc.org|8480-6", 120.0, "mmHg"),
            ("http://loinc.org|8462-4", 80.0, "mmHg"),
            ("http://snomed.info/sct|1141000146104", 3.0, "")
        ]
    );
    assert_eq!(measurements[0].date, time::macros::date!(2012 - 10 - 02));
    assert!(extraction.skipped.is_empty());
}

#[test]
fn pat_1_an_undated_measurement_and_a_problem_episode_are_left_out_and_reported() {
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1934-04-28"),
        json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7", "display": "Body weight" }] },
            "subject": { "reference": "Patient/p1" },
            "valueQuantity": { "value": 70, "unit": "kg" }
        }),
        // zib2020 EpisodeOfCare: a problem episode, no type.
        json!({
            "resourceType": "EpisodeOfCare", "status": "active", "patient": { "reference": "Patient/p1" },
            "extension": [{ "url": "http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.Title", "valueString": "de novo diabetes" }]
        }),
    ]);
    assert_eq!(extraction.patients.len(), 1);
    assert!(extraction.patients[0].chart.measurements.is_empty());
    assert_eq!(
        reasons(&extraction),
        vec![(SkipReason::UndatedMeasurement, "entry[1]".into()), (SkipReason::UnknownEpisode, "entry[2]".into())]
    );
}

#[test]
fn pat_1_a_patient_without_bsn_or_whole_birth_date_is_left_out_with_what_is_about_them() {
    let extraction = bundle(vec![
        patient("zonder-bsn", None, "1970-01-01"),
        patient("half", Some("999911132"), "1934-04"),
        patient("p1", Some("999911120"), "1950-03-04"),
        json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7" }], "text": "Gewicht" },
            "subject": { "reference": "Patient/zonder-bsn" },
            "effectiveDateTime": "2024-01-01", "valueQuantity": { "value": 70, "unit": "kg" }
        }),
        // A subject given only by its BSN (as some HIS exports do).
        json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7" }], "text": "Gewicht" },
            "subject": { "identifier": { "system": BSN_SYSTEM, "value": "999911120" } },
            "effectiveDateTime": "2024-01-01", "valueQuantity": { "value": 82.5, "unit": "kg" }
        }),
    ]);
    assert_eq!(extraction.patients.len(), 1);
    assert_eq!(extraction.patients[0].card.bsn.expose(), "999911120");
    assert_eq!(extraction.patients[0].chart.measurements[0].value, 82.5, "found by BSN");
    assert_eq!(
        reasons(&extraction),
        vec![
            (SkipReason::PatientWithoutBsn, "entry[0]".into()),
            (SkipReason::IncompleteBirthDate, "entry[1]".into()),
            (SkipReason::PatientLeftOut, "entry[3]".into())
        ]
    );
}

#[test]
fn pat_1_mp9_medication_reads_status_period_rendered_dosage_and_the_referenced_medication() {
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1950-03-04"),
        json!({
            "resourceType": "Medication", "id": "med-1",
            "code": { "coding": [{ "system": "urn:oid:2.16.840.1.113883.2.4.4.7", "code": "2194", "display": "METFORMINE TABLET 500MG" }] }
        }),
        json!({
            "resourceType": "MedicationStatement", "status": "on-hold",
            "extension": [{ "url": "http://nictiz.nl/fhir/StructureDefinition/ext-RenderedDosageInstruction",
                            "valueString": "2 maal per dag 1 tablet" }],
            "medicationReference": { "reference": "Medication/med-1" },
            "subject": { "reference": "Patient/p1" },
            "effectivePeriod": { "start": "2023-01-01", "end": "2024-06-30" },
            "dosage": [{ "timing": { "repeat": { "frequency": 2, "period": 1, "periodUnit": "d" } } }]
        }),
    ]);
    let medication = &extraction.patients[0].chart.medication[0];
    assert_eq!(medication.name, "METFORMINE TABLET 500MG", "the name of the referenced Medication");
    assert_eq!(medication.dosage.as_deref(), Some("2 maal per dag 1 tablet"), "from the rendered instruction");
    assert!(medication.on_hold, "on-hold is onderbroken");
    assert_eq!(medication.until, Some(time::macros::date!(2024 - 06 - 30)));
    assert!(!medication.current_on(time::macros::date!(2026 - 12 - 03)), "paused, and its period is over");
}

#[test]
fn pat_1_a_reference_to_nobody_in_the_file_still_refuses_it() {
    let text = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "resource": patient("p1", Some("999911120"), "1950-03-04") },
        { "resource": {
            "resourceType": "Observation", "status": "final", "code": { "text": "Gewicht" },
            "subject": { "reference": "Patient/niemand" }, "effectiveDateTime": "2024-01-01",
            "valueQuantity": { "value": 70, "unit": "kg" } } }
    ] })
    .to_string();
    let error = read(text.as_bytes()).expect_err("a broken file");
    assert_eq!(error.location.field.as_deref(), Some("entry[1].resource.subject"));
}

#[test]
fn pat_1_a_statement_with_a_modifier_extension_is_left_out_not_misread() {
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1950-03-04"),
        json!({
            "resourceType": "MedicationStatement", "status": "active",
            "modifierExtension": [{ "url": "http://nictiz.nl/fhir/StructureDefinition/ext-InstructionsForUse.RepeatPeriodCyclicalSchedule",
                                    "valueDuration": { "value": 21, "unit": "dag", "system": "http://unitsofmeasure.org", "code": "d" } }],
            "medicationCodeableConcept": { "text": "Capecitabine 500 mg" },
            "subject": { "reference": "Patient/p1" }
        }),
    ]);
    assert!(extraction.patients[0].chart.medication.is_empty());
    assert_eq!(reasons(&extraction), vec![(SkipReason::NotUnderstood, "entry[1]".into())]);
}

#[test]
fn pat_1_what_points_by_bsn_at_a_left_out_patient_is_left_out_too_not_a_refusal() {
    let extraction = bundle(vec![
        patient("half", Some("999911132"), "1934-04"),
        patient("p1", Some("999911120"), "1950-03-04"),
        json!({
            "resourceType": "Observation", "status": "final", "code": { "text": "Gewicht" },
            "subject": { "identifier": { "system": BSN_SYSTEM, "value": "999911132" } },
            "effectiveDateTime": "2024-01-01", "valueQuantity": { "value": 70, "unit": "kg" }
        }),
    ]);
    assert_eq!(
        reasons(&extraction),
        vec![(SkipReason::IncompleteBirthDate, "entry[0]".into()), (SkipReason::PatientLeftOut, "entry[2]".into())]
    );
}

#[test]
fn pat_1_mp9_s_stop_type_says_paused_or_stopped_and_is_understood() {
    let statement = |code: &str| {
        json!({
            "resourceType": "MedicationStatement", "status": "active",
            "modifierExtension": [{ "url": "http://nictiz.nl/fhir/StructureDefinition/ext-StopType",
                                    "valueCodeableConcept": { "coding": [{ "system": "http://snomed.info/sct", "code": code }] } }],
            "medicationCodeableConcept": { "text": "Metformine 500 mg" },
            "subject": { "reference": "Patient/p1" }
        })
    };
    let extraction = bundle(vec![patient("p1", Some("999911120"), "1950-03-04"), statement("385655000"), statement("410546004")]);
    let medication = &extraction.patients[0].chart.medication;
    assert!(extraction.skipped.is_empty(), "the stop type is no unknown modifier");
    assert!(medication[0].on_hold && medication[0].active, "385655000: onderbroken");
    assert!(!medication[1].on_hold && !medication[1].active, "410546004: gestopt");
}
