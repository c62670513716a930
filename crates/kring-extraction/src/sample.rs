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
/// (LOINC code, label, unit, base value, spread). The first two come together, as nl-core's
/// blood pressure panel (LOINC 85354-9) with both in `component`.
const MEASUREMENTS: [(&str, &str, &str, f64, f64); 5] = [
    ("8480-6", "Systolische bloeddruk", "mmHg", 125.0, 30.0),
    ("8462-4", "Diastolische bloeddruk", "mmHg", 80.0, 15.0),
    ("29463-7", "Lichaamsgewicht", "kg", 78.0, 20.0),
    ("4548-4", "HbA1c", "mmol/mol", 50.0, 15.0),
    ("2093-3", "Totaal cholesterol", "mmol/l", 5.0, 1.5),
];

/// The kinds of Observation the sample writes: the blood pressure panel, then one per other value.
const KINDS: usize = MEASUREMENTS.len() - 1;

/// A FHIR R4 bundle in the shapes a HIS sends (nl-core, MP9) of `patients` patients with
/// `observations` Observation resources in all (a quarter of them blood pressure panels, which
/// give two measurements each: [`measurements_in`]), spread evenly and dated a month apart back
/// from the day before `today` (never in the future), two medication statements each (one in the
/// MP9 shape: a referenced Medication, the rendered dosage instruction) and care programmes for
/// some.
pub fn fhir_bundle(patients: usize, observations: usize, today: time::Date) -> Value {
    let bsns = test_bsns(patients);
    let mut entries = Vec::with_capacity(patients * 4 + observations + 1);
    entries.push(json!({"fullUrl": "urn:uuid:00000000-0000-4000-9000-000000000001", "resource": {
        "resourceType": "Medication", "id": "metformine",
        "code": {"coding": [{"system": "urn:oid:2.16.840.1.113883.2.4.4.7", "code": "2194", "display": "Metformine 500 mg tablet"}]}
    }}));
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
            "extension": [{"url": "http://nictiz.nl/fhir/StructureDefinition/ext-RenderedDosageInstruction",
                           "valueString": "2 maal per dag 1 tablet"}],
            "medicationReference": {"reference": "Medication/metformine"},
            "subject": {"reference": url}, "effectivePeriod": {"start": "2024-02-01"},
            "dosage": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}}]
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
        let round = number / patients.max(1);
        let kind = round % KINDS;
        let sample = |(code, label, unit, base, spread): (&str, &str, &str, f64, f64)| {
            let value = base + spread * (((number * 7919) % 100) as f64 / 100.0 - 0.5);
            let quantity = json!({"value": (value * 10.0).round() / 10.0, "unit": unit, "system": "http://unitsofmeasure.org"});
            (json!({"coding": [{"system": "http://loinc.org", "code": code, "display": label}]}), quantity)
        };
        let mut resource = json!({
            "resourceType": "Observation", "status": "final",
            "subject": {"reference": format!("urn:uuid:00000000-0000-4000-8000-{patient:012}")},
            "effectiveDateTime": measured_on(today, round).to_string(),
        });
        if kind == 0 {
            let (systolic, systolic_value) = sample(MEASUREMENTS[0]);
            let (diastolic, diastolic_value) = sample(MEASUREMENTS[1]);
            resource["code"] = json!({"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Bloeddruk"}]});
            resource["component"] = json!([
                {"code": systolic, "valueQuantity": systolic_value},
                {"code": diastolic, "valueQuantity": diastolic_value}
            ]);
        } else {
            let (code, quantity) = sample(MEASUREMENTS[kind + 1]);
            resource["code"] = code;
            resource["valueQuantity"] = quantity;
        }
        entries.push(json!({ "resource": resource }));
    }
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
}

/// How many measurements `observations` Observation resources of [`fhir_bundle`] hold: a blood
/// pressure panel gives two.
pub fn measurements_in(patients: usize, observations: usize) -> usize {
    let panels = (0..observations).filter(|number| (number / patients.max(1)).is_multiple_of(KINDS)).count();
    observations + panels
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
