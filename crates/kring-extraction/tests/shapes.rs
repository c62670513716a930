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

fn observation(subject: &str, code: &str, value: Value) -> Value {
    let mut resource = json!({
        "resourceType": "Observation", "status": "final",
        "code": { "coding": [{ "system": "http://loinc.org", "code": code }], "text": code },
        "subject": { "reference": subject }, "effectiveDateTime": "2024-01-01"
    });
    if let (Some(resource), Some(value)) = (resource.as_object_mut(), value.as_object()) {
        resource.extend(value.clone());
    }
    resource
}

#[test]
fn pat_1_a_resource_kring_does_not_read_is_not_parsed_so_its_oddities_do_not_refuse_the_file() {
    let extraction = bundle(vec![
        // An Encounter with a status no R4 parser takes, an Organization of another FHIR version.
        json!({ "resourceType": "Encounter", "status": "bezig", "class": "AMB" }),
        json!({ "resourceType": "Organization", "name": ["Huisartsenpraktijk"], "x-his-eigen": true }),
        patient("p1", Some("999911120"), "1950-03-04"),
    ]);
    assert_eq!(extraction.patients.len(), 1);
    assert_eq!(
        reasons(&extraction),
        vec![(SkipReason::OtherResource, "entry[0]".into()), (SkipReason::OtherResource, "entry[1]".into())]
    );
}

#[test]
fn pat_1_a_broken_resource_kring_reads_still_refuses_the_file_at_its_own_line() {
    let entries = vec![
        json!({ "resource": patient("p1", Some("999911120"), "1950-03-04") }),
        json!({ "resource": observation("Patient/p1", "8480-6", json!({ "status": "klaar", "valueInteger": 1 })) }),
    ];
    let text =
        serde_json::to_string_pretty(&json!({ "resourceType": "Bundle", "type": "collection", "entry": entries })).expect("json");
    let error = read(text.as_bytes()).expect_err("an Observation status R4 does not know");
    assert_eq!(error.location.field.as_deref(), Some("entry[1].resource"));
    let line = usize::try_from(error.location.line.expect("a line")).expect("line");
    let resource_lines: Vec<usize> =
        text.lines().enumerate().filter(|(_, line)| line.contains("\"resource\": {")).map(|(at, _)| at + 1).collect();
    assert_eq!(line, resource_lines[1], "where the refused resource starts");

    let no_type = json!({ "resourceType": "Bundle", "entry": [{ "resource": { "id": "x" } }] }).to_string();
    let error = read(no_type.as_bytes()).expect_err("a resource without resourceType");
    assert_eq!(error.location.field.as_deref(), Some("entry[0].resource"));

    let not_a_bundle = json!({ "resourceType": "Patient", "id": "x" }).to_string();
    assert_eq!(read(not_a_bundle.as_bytes()).expect_err("not a bundle").location.field.as_deref(), Some("resourceType"));
}

#[test]
fn pat_1_the_bsn_under_its_oid_is_a_bsn_too() {
    let mut old = patient("p1", None, "1950-03-04");
    old["identifier"] = json!([{ "system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": "999911120" }]);
    let extraction = bundle(vec![old]);
    assert_eq!(extraction.patients[0].card.bsn.expose(), "999911120");
}

#[test]
fn pat_1_the_name_shown_is_the_official_one_else_one_in_use_with_its_first_names_apart_from_initials_and_roepnaam() {
    let mut without_official = patient("p1", Some("999911120"), "1950-03-04");
    without_official["name"] = json!([
        { "use": "usual", "given": ["Jo"] },
        { "use": "old", "family": "Meisjesnaam" },
        { "family": "Jansen", "given": ["Johanna", "Jo", "J.P."],
          "_given": [
            { "extension": [{ "url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier", "valueCode": "BR" }] },
            { "extension": [{ "url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier", "valueCode": "CL" }] },
            null
          ] }
    ]);
    let mut text_only = patient("p2", Some("999911132"), "1950-03-04");
    text_only["name"] = json!([{ "text": "J. de Boer" }]);
    let mut only_initials = patient("p3", Some("999900663"), "1950-03-04");
    only_initials["name"] = json!([{ "use": "official", "family": "Bakker", "given": ["J.P.M."] }]);
    let extraction = bundle(vec![without_official, text_only, only_initials]);

    let jansen = &extraction.patients[0].card;
    assert_eq!(jansen.family_name, "Jansen", "not the roepnaam-only or the old name");
    assert_eq!(jansen.given_names, "Johanna", "first names only: not the roepnaam, not the initials");
    assert_eq!((jansen.name.call_name.as_deref(), jansen.formal_name()), (Some("Jo"), "J.P. Jansen".to_owned()));
    let boer = &extraction.patients[1].card;
    assert_eq!(
        (boer.family_name.as_str(), boer.given_names.as_str()),
        ("J. de Boer", ""),
        "a text-only name is shown as written"
    );
    let bakker = &extraction.patients[2].card;
    assert_eq!((bakker.given_names.as_str(), bakker.formal_name()), ("", "J.P.M. Bakker".to_owned()));
}

#[test]
fn pat_1_a_value_given_only_as_a_bound_is_reported_and_weights_and_heights_come_in_one_unit() {
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1950-03-04"),
        observation("Patient/p1", "14682-9", json!({ "valueQuantity": { "value": 0.1, "comparator": "<", "unit": "mmol/l" } })),
        observation(
            "Patient/p1",
            "29463-7",
            json!({ "valueQuantity": { "value": 81250, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g" } }),
        ),
        observation("Patient/p1", "8302-2", json!({ "valueQuantity": { "value": 1.82, "unit": "m" } })),
        observation("Patient/p1", "29463-7", json!({ "valueQuantity": { "value": 80.5, "unit": "kg" } })),
    ]);
    let read: Vec<(f64, &str)> = extraction.patients[0].chart.measurements.iter().map(|m| (m.value, m.unit.as_str())).collect();
    assert_eq!(read, vec![(81.25, "kg"), (182.0, "cm"), (80.5, "kg")]);
    assert_eq!(reasons(&extraction), vec![(SkipReason::BoundedValue, "entry[1]".into())], "\"<0.1\" is not 0.1");
}

fn statement(status: &str, period: Value, extra: Value) -> Value {
    let mut resource = json!({
        "resourceType": "MedicationStatement", "status": status,
        "medicationCodeableConcept": { "text": "Amoxicilline 500 mg" },
        "subject": { "reference": "Patient/p1" }, "effectivePeriod": period
    });
    if let (Some(resource), Some(extra)) = (resource.as_object_mut(), extra.as_object()) {
        resource.extend(extra.clone());
    }
    resource
}

fn for_a(value: f64, code: &str, start: &str) -> Value {
    json!({ "start": start, "extension": [{
        "url": "http://nictiz.nl/fhir/StructureDefinition/ext-TimeInterval.Duration",
        "valueDuration": { "value": value, "system": "http://unitsofmeasure.org", "code": code } }] })
}

#[test]
fn pat_1_mp9_durations_in_hours_days_weeks_months_and_years_give_the_last_day_of_use() {
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1950-03-04"),
        statement("active", for_a(36.0, "h", "2024-01-31T20:00:00+01:00"), json!({})),
        statement("active", for_a(24.0, "h", "2024-01-31T00:00:00+01:00"), json!({})),
        statement("active", for_a(10.0, "d", "2024-01-31"), json!({})),
        statement("active", for_a(2.0, "wk", "2024-01-31"), json!({})),
        statement("active", for_a(1.0, "mo", "2024-01-15"), json!({})),
        statement("active", for_a(1.0, "mo", "2024-01-31"), json!({})),
        statement("active", for_a(1.0, "a", "2024-02-29"), json!({})),
        statement("active", for_a(3.0, "min", "2024-01-31"), json!({})),
    ]);
    let until: Vec<Option<time::Date>> = extraction.patients[0].chart.medication.iter().map(|m| m.until).collect();
    use time::macros::date;
    assert_eq!(
        until,
        vec![
            Some(date!(2024 - 02 - 02)), // 20:00 + 36 h ends 2 feb 08:00
            Some(date!(2024 - 01 - 31)), // the whole of 31 jan
            Some(date!(2024 - 02 - 09)),
            Some(date!(2024 - 02 - 13)),
            Some(date!(2024 - 02 - 14)),
            Some(date!(2024 - 02 - 28)), // "a month later" is 29 feb (clamped): the day before
            Some(date!(2025 - 02 - 27)),
            None, // a unit a period of use does not come in: no end rather than a wrong one
        ]
    );
}

#[test]
fn pat_1_medication_status_not_taken_is_reported_unknown_goes_by_its_period_and_the_rendered_text_wins() {
    let rendered = json!({
        "extension": [{ "url": "http://nictiz.nl/fhir/StructureDefinition/ext-RenderedDosageInstruction",
                        "valueString": "1 week 3 maal per dag 1 capsule, daarna 1 maal per dag 1 capsule" }],
        "dosage": [{ "text": "3 maal per dag 1 capsule" }, { "text": "1 maal per dag 1 capsule" }]
    });
    let extraction = bundle(vec![
        patient("p1", Some("999911120"), "1950-03-04"),
        statement("not-taken", json!({ "start": "2024-01-01" }), json!({})),
        statement("unknown", json!({ "start": "2024-01-01" }), rendered),
        statement("unknown", json!({ "start": "2024-01-01", "end": "2024-02-01" }), json!({})),
        statement("completed", json!({ "start": "2024-01-01" }), json!({})),
    ]);
    let today = time::macros::date!(2026 - 12 - 03);
    let medication = &extraction.patients[0].chart.medication;
    let current: Vec<bool> = medication.iter().map(|m| m.current_on(today)).collect();
    assert_eq!(current, vec![true, false, false], "unknown without end: in use; with a past end: over; completed: over");
    assert_eq!(
        medication[0].dosage.as_deref(),
        Some("1 week 3 maal per dag 1 capsule, daarna 1 maal per dag 1 capsule"),
        "the whole schedule, not its first part"
    );
    assert_eq!(reasons(&extraction), vec![(SkipReason::NotTaken, "entry[1]".into())]);
}
