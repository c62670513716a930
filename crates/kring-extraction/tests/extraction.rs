//! PAT-1: reading a HIS extraction, and refusing a bad one with the place of the problem.

use kring_domain::patient::Gender;
use kring_domain::CareProgramme;
use kring_extraction::{read, sample, ExtractionError, Problem, SkipReason};
use proptest::prelude::*;

const BUNDLE: &str = include_str!("fixtures/nl-core-bundle.json");
const CSV: &str = include_str!("fixtures/small-practice.csv");

fn refusal(text: &str) -> ExtractionError {
    read(text.as_bytes()).expect_err("the extraction should be refused")
}

#[test]
fn pat_1_an_nl_core_bundle_gives_cards_measurements_medication_and_programmes() {
    let extraction = read(BUNDLE.as_bytes()).unwrap();
    assert_eq!(extraction.patients.len(), 2);
    let vries = &extraction.patients[0];
    assert_eq!(vries.card.bsn.expose(), "999911120");
    assert_eq!(vries.card.display_name(), "de Vries, Jan Willem");
    assert_eq!(vries.card.birth_date, time::macros::date!(1950 - 03 - 04));
    assert_eq!(vries.card.gender, Gender::Male);
    let address = vries.card.address.as_ref().unwrap();
    assert_eq!(
        (address.street.as_str(), address.postal_code.as_str(), address.city.as_str()),
        ("Dorpsstraat 1", "3511 AA", "Utrecht")
    );
    assert_eq!(vries.card.phone.as_deref(), Some("030-1234567"));
    let pressure = &vries.chart.measurements[0];
    assert_eq!(
        (pressure.code.as_str(), pressure.label.as_str(), pressure.value, pressure.unit.as_str()),
        ("http://loinc.org|8480-6", "Systolische bloeddruk", 142.0, "mmHg")
    );
    assert_eq!(pressure.date, time::macros::date!(2026 - 01 - 02));

    let bakker = &extraction.patients[1];
    assert_eq!(bakker.chart.measurements.len(), 1, "the text-valued smoking observation is not a measurement");
    assert_eq!(bakker.chart.measurements[0].label, "HbA1c");
    assert_eq!(bakker.chart.medication[0].name, "Metformine 500 mg tablet");
    assert_eq!(bakker.chart.medication[0].dosage.as_deref(), Some("2 maal per dag 1 tablet"));
    assert!(bakker.chart.medication[0].active);
    assert_eq!(bakker.card.programmes, vec![CareProgramme::Dm]);
    assert_eq!(
        extraction.skip_counts(),
        vec![(SkipReason::OtherResource, 1), (SkipReason::NotNumeric, 1)],
        "the Organization and the text observation, in the report"
    );
}

#[test]
fn pat_1_the_kring_csv_reads_the_same_practice() {
    let extraction = read(CSV.as_bytes()).unwrap();
    assert_eq!(extraction.patients.len(), 2);
    let vries = &extraction.patients[0];
    assert_eq!(vries.card.birth_date, time::macros::date!(1950 - 03 - 04), "DD-MM-YYYY as Dutch users write it");
    assert_eq!(vries.card.programmes, vec![CareProgramme::Cvrm]);
    assert!(!vries.chart.medication[0].active);
    let bakker = &extraction.patients[1];
    assert_eq!(bakker.card.programmes, vec![CareProgramme::Dm, CareProgramme::Copd]);
    assert_eq!(bakker.card.address, None);
    assert_eq!(bakker.chart.measurements[0].value, 53.5, "a decimal comma");
    assert_eq!(extraction.measurement_count(), 2);
}

#[test]
fn pat_1_a_malformed_bundle_names_the_line_and_the_field() {
    let error = refusal(&BUNDLE.replacen("\"status\": \"final\"", "\"status\": \"klaar\"", 1));
    assert_eq!(error.problem, Problem::InvalidFhir);
    assert_eq!(error.location.field.as_deref(), Some("entry[2].resource"));
    assert!(error.location.line.is_some());

    let error = refusal(&BUNDLE.replace("999911132", "999911133"));
    assert_eq!(error.problem, Problem::InvalidBsn);
    assert_eq!(error.location.field.as_deref(), Some("entry[1].resource.identifier.value"));

    let error = refusal(&BUNDLE.replace("999911132", "999911120"));
    assert_eq!(error.problem, Problem::DuplicateBsn);

    let error = refusal(&BUNDLE.replace("Patient/bakker", "Patient/onbekend"));
    assert_eq!(error.problem, Problem::UnknownPatient);
    assert_eq!(error.location.field.as_deref(), Some("entry[3].resource.subject"));

    let error = refusal(&BUNDLE[..BUNDLE.len() / 2]);
    assert_eq!(error.problem, Problem::Truncated, "a file cut off halfway");

    let error = refusal(r#"{"resourceType": "Bundle", "type": "collection", "entry": []}"#);
    assert_eq!(error.problem, Problem::NoPatients);
}

#[test]
fn pat_1_a_bad_csv_row_names_its_line_and_column() {
    let error = refusal(&CSV.replace("53,5", "drie"));
    assert_eq!(error.problem, Problem::InvalidNumber);
    assert_eq!((error.location.line, error.location.column), (Some(5), Some(5)));
    assert_eq!(error.location.field.as_deref(), Some("waarde"));

    let error = refusal(&CSV.replace("1962-11-20", "20/11/1962"));
    assert_eq!(
        (error.problem, error.location.line, error.location.field.as_deref()),
        (Problem::InvalidDate, Some(3), Some("geboortedatum"))
    );

    let error = refusal(&CSV.replace("DM, COPD", "DM, HVZ"));
    assert_eq!(error.problem, Problem::UnknownProgramme);

    let error = refusal(&CSV.replace("meting;999911120", "meting;999911156"));
    assert_eq!((error.problem, error.location.line), (Problem::UnknownPatient, Some(4)));

    let error = refusal(&CSV.replace("medicatie;999911120", "recept;999911120"));
    assert_eq!((error.problem, error.location.line), (Problem::UnknownRowKind, Some(7)));

    let error = refusal("patient;999911120;de Vries\n");
    assert_eq!(error.problem, Problem::TooFewColumns);

    assert_eq!(read(&[0x70, 0xff, 0xfe]).unwrap_err().problem, Problem::NotUtf8);
}

#[test]
fn pat_1_the_sample_bundle_has_what_it_promises() {
    let bundle = sample::fhir_bundle(50, 1_000, time::macros::date!(2026 - 12 - 03)).to_string();
    let extraction = read(bundle.as_bytes()).unwrap();
    assert_eq!(extraction.patients.len(), 50);
    assert_eq!(extraction.measurement_count(), sample::measurements_in(50, 1_000), "panels give two each");
    assert!(extraction.measurement_count() > 1_000);
    assert!(extraction.skipped.is_empty(), "the sample is all readable");
    assert!(extraction.patients.iter().all(|patient| patient.chart.medication.len() == 2));
    let metformine = &extraction.patients[0].chart.medication[0];
    assert_eq!(metformine.name, "Metformine 500 mg tablet", "from the referenced Medication (MP9)");
    assert_eq!(metformine.dosage.as_deref(), Some("2 maal per dag 1 tablet"), "from the rendered instruction");
    assert!(extraction.patients[0].card.programmes.contains(&CareProgramme::Dm));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Whatever bytes arrive, reading answers with an extraction or an error: it never panics.
    #[test]
    fn any_input_is_read_or_refused_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read(&bytes);
    }

    /// A bundle cut anywhere or with one byte changed is refused or read, never half-read.
    #[test]
    fn a_damaged_bundle_is_refused_or_read_whole(cut in 0usize..BUNDLE.len(), byte in any::<u8>()) {
        let mut damaged = BUNDLE.as_bytes().to_vec();
        damaged[cut] = byte;
        if let Ok(extraction) = read(&damaged) {
            prop_assert!(extraction.patients.len() <= 2);
        }
        let _ = read(&BUNDLE.as_bytes()[..cut]);
    }
}
