//! Fictitious extractions, as a HIS would write them: for the demo, the end-to-end test and the
//! import benchmark. Every BSN is in the 9999xxxxx test range and passes the 11-proef.

use serde_json::{json, Value};

/// The first `count` valid test BSNs (9999xxxxx).
pub fn test_bsns(count: usize) -> Vec<String> {
    (999_900_000u32..)
        .map(|number| number.to_string())
        .filter(|digits| kring_domain::Bsn::parse(digits).is_ok())
        .take(count)
        .collect()
}

const FAMILY: [&str; 10] =
    ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot"];
const GIVEN: [&str; 10] = ["Jan", "Maria", "Pieter", "Anna", "Kees", "Fatima", "Mohamed", "Sanne", "Henk", "Noor"];
const CITIES: [&str; 4] = ["Utrecht", "Zeist", "Houten", "Nieuwegein"];
/// (LOINC code, label, unit, base value, spread)
const MEASUREMENTS: [(&str, &str, &str, f64, f64); 5] = [
    ("8480-6", "Systolische bloeddruk", "mmHg", 125.0, 30.0),
    ("8462-4", "Diastolische bloeddruk", "mmHg", 80.0, 15.0),
    ("29463-7", "Lichaamsgewicht", "kg", 78.0, 20.0),
    ("4548-4", "HbA1c", "mmol/mol", 50.0, 15.0),
    ("2093-3", "Totaal cholesterol", "mmol/l", 5.0, 1.5),
];

/// A FHIR R4 bundle of `patients` patients with `observations` measurements in all, spread
/// evenly and dated a month apart back from the day before `today` (never in the future), two
/// medication statements each and care programmes for some.
pub fn fhir_bundle(patients: usize, observations: usize, today: time::Date) -> Value {
    let bsns = test_bsns(patients);
    let mut entries = Vec::with_capacity(patients * 4 + observations);
    for (index, bsn) in bsns.iter().enumerate() {
        let url = format!("urn:uuid:00000000-0000-4000-8000-{index:012}");
        entries.push(json!({
            "fullUrl": url,
            "resource": {
                "resourceType": "Patient",
                "id": format!("p{index}"),
                "meta": {"profile": ["http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient"]},
                "identifier": [{"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": bsn}],
                "name": [{"use": "official", "family": FAMILY[index % 10], "given": [GIVEN[(index / 10) % 10]]}],
                "gender": if index % 2 == 0 { "female" } else { "male" },
                "birthDate": format!("{}-{:02}-{:02}", 1930 + index % 70, 1 + index % 12, 1 + index % 28),
                "address": [{"line": [format!("Dorpsstraat {}", 1 + index % 200)], "postalCode": format!("35{:02}AB", index % 100), "city": CITIES[index % 4]}],
                "telecom": [{"system": "phone", "value": format!("030{:07}", index)}]
            }
        }));
        entries.push(json!({"resource": {
            "resourceType": "MedicationStatement", "status": "active",
            "medicationCodeableConcept": {"text": "Metformine 500 mg tablet"},
            "subject": {"reference": url}, "effectiveDateTime": "2024-02-01",
            "dosage": [{"text": "2 maal per dag 1 tablet"}]
        }}));
        entries.push(json!({"resource": {
            "resourceType": "MedicationStatement", "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": "urn:oid:2.16.840.1.113883.2.4.4.10", "code": "1234", "display": "Amoxicilline 500 mg capsule"}]},
            "subject": {"reference": url}, "effectiveDateTime": "2025-11-03"
        }}));
        if index % 3 == 0 {
            entries.push(json!({"resource": {
                "resourceType": "EpisodeOfCare", "status": "active",
                "type": [{"coding": [{"code": if index % 2 == 0 { "DM" } else { "CVRM" }}]}],
                "patient": {"reference": url}
            }}));
        }
    }
    for number in 0..observations {
        let patient = number % patients.max(1);
        let (code, label, unit, base, spread) = MEASUREMENTS[(number / patients.max(1)) % MEASUREMENTS.len()];
        let round = number / patients.max(1);
        let value = base + spread * (((number * 7919) % 100) as f64 / 100.0 - 0.5);
        entries.push(json!({"resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": label}]},
            "subject": {"reference": format!("urn:uuid:00000000-0000-4000-8000-{patient:012}")},
            "effectiveDateTime": measured_on(today, round).to_string(),
            "valueQuantity": {"value": (value * 10.0).round() / 10.0, "unit": unit, "system": "http://unitsofmeasure.org"}
        }}));
    }
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
}

/// The day of a patient's `round`-th measurement: a month (30 days) apart, the newest yesterday,
/// at most twenty years back.
fn measured_on(today: time::Date, round: usize) -> time::Date {
    let days_back = 1 + 30 * i64::try_from(round % 240).unwrap_or(0);
    today.saturating_sub(time::Duration::days(days_back))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pat_1_the_demo_extraction_has_no_measurement_in_the_future() {
        let today = time::macros::date!(2026 - 12 - 03);
        let bundle = fhir_bundle(25, 400, today);
        let dates: Vec<time::Date> = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|entry| entry["resource"]["effectiveDateTime"].as_str())
            .map(|text| time::Date::parse(text, &time::format_description::well_known::Iso8601::DEFAULT).unwrap())
            .collect();
        assert!(dates.len() >= 400);
        assert!(dates.iter().all(|date| *date < today), "{:?}", dates.iter().max());
    }
}
