//! Issue 14 (PAT-1) against data we did not write: the published Nictiz zib2020 nl-core examples
//! and MP9 3.0 MedicationUse2 examples, assembled into one collection bundle
//! (`fixtures/nictiz/`, sources and every change in SOURCES.md, what a reader must get in
//! EXPECTED.md).

use kring_extraction::{read, Extraction, SkipReason};
use time::macros::date;

const BUNDLE: &str = include_str!("fixtures/nictiz/nictiz-practice-bundle.json");

fn extraction() -> Extraction {
    read(BUNDLE.as_bytes()).expect("the published examples are a valid file")
}

fn value_of(extraction: &Extraction, patient: usize, code: &str) -> Option<(f64, String, time::Date)> {
    extraction.patients[patient].chart.measurements.iter().find(|m| m.code == code).map(|m| (m.value, m.unit.clone(), m.date))
}

#[test]
fn pat_1_the_published_patients_are_read_and_the_one_without_bsn_is_reported() {
    let extraction = extraction();
    let bsns: Vec<&str> = extraction.patients.iter().map(|p| p.card.bsn.expose()).collect();
    assert_eq!(bsns, vec!["111222333", "999900663", "999900596"]);
    let jo = &extraction.patients[0].card;
    assert_eq!((jo.family_name.as_str(), jo.birth_date), ("van Putten-van der Giessen", date!(1934 - 04 - 28)));
    let skipped: Vec<(SkipReason, &str)> = extraction.skipped.iter().map(|s| (s.reason, s.place.as_str())).collect();
    assert_eq!(
        skipped,
        vec![
            (SkipReason::UnknownEpisode, "entry[7]"),
            (SkipReason::PatientWithoutBsn, "entry[8]"),
            (SkipReason::PatientLeftOut, "entry[9]"),
            (SkipReason::NotUnderstood, "entry[10]"),
        ],
        "the CareTeam patient has no BSN (its heart rate goes with it); the episode is a problem episode; \
         the cyclical schedule is a modifier extension"
    );
}

#[test]
fn pat_1_the_published_measurements_come_through_with_the_blood_pressure_panel_and_the_pain_score() {
    let extraction = extraction();
    let on = date!(2013 - 02 - 08);
    assert_eq!(value_of(&extraction, 0, "http://loinc.org|8480-6"), Some((125.0, "mmHg".into(), on)), "systolic");
    assert_eq!(value_of(&extraction, 0, "http://loinc.org|8462-4"), Some((75.0, "mmHg".into(), on)), "diastolic");
    assert_eq!(value_of(&extraction, 0, "http://snomed.info/sct|225908003"), Some((7.0, String::new(), on)), "pain score");
    assert_eq!(value_of(&extraction, 0, "http://loinc.org|8302-2"), Some((153.0, "cm".into(), on)), "height");
    assert_eq!(value_of(&extraction, 0, "http://loinc.org|8893-0"), Some((50.0, "/min".into(), on)), "pulse");
    assert_eq!(
        value_of(&extraction, 0, "http://loinc.org|2947-0"),
        Some((138.0, "mmol/l".into(), date!(2021 - 06 - 12))),
        "sodium"
    );
    assert_eq!(
        value_of(&extraction, 0, "http://loinc.org|29463-7"),
        Some((2.4, "kg".into(), date!(2013 - 02 - 06))),
        "the published 2400 gram, in the kilograms every weight series uses"
    );
}

#[test]
fn pat_1_mp9_medication_takes_its_name_from_the_medication_and_its_dosage_from_the_rendered_instruction() {
    let extraction = extraction();
    assert!(extraction.patients[1].chart.medication.is_empty(), "its one statement has a cyclical schedule: reported");

    let groot = &extraction.patients[2].chart.medication;
    let innohep = groot.iter().find(|m| m.name.starts_with("INNOHEP")).expect("innohep");
    assert_eq!(innohep.dosage.as_deref(), Some("Vanaf <T-20D{00:00:00}>, gedurende 5 dagen, 2 maal per dag 2 stuks"));
    assert_eq!((innohep.since, innohep.until), (Some(date!(2024 - 11 - 06)), Some(date!(2024 - 11 - 10))), "5 days");
    assert!(innohep.active && !innohep.current_on(date!(2026 - 12 - 03)), "active at the source, but its period is over");
    let fenprocoumon = groot.iter().find(|m| m.name == "FENPROCOUMON TABLET 3MG").expect("fenprocoumon");
    assert_eq!(fenprocoumon.dosage.as_deref(), Some("Volgens schema trombosedienst"));
    assert!(fenprocoumon.current_on(date!(2026 - 12 - 03)), "no end: in use");
    assert_eq!(groot.len(), 4);
}

#[test]
fn pat_1_the_dutch_name_parts_initials_and_roepnaam_are_kept() {
    let extraction = extraction();
    let jo = &extraction.patients[0].card;
    let name = &jo.name;
    assert_eq!(
        (name.own_prefix.as_deref(), name.own_name.as_deref(), name.partner_prefix.as_deref(), name.partner_name.as_deref()),
        (Some("van"), Some("Putten"), Some("van der"), Some("Giessen"))
    );
    assert_eq!(name.usage, None, "the file does not say NL4: not invented");
    assert_eq!((name.initials.as_deref(), name.call_name.as_deref()), (Some("J.P.M."), Some("Jo")));
    assert_eq!(jo.formal_name(), "J.P.M. van Putten-van der Giessen", "shown the Dutch way");
    assert!(jo.sort_key().starts_with("putten"), "sorted under her own name");

    let huyser = &extraction.patients[1].card;
    assert_eq!(huyser.name.usage, Some(kring_domain::patient::NameUsage::Own), "NL1");
    assert_eq!(huyser.formal_name(), "H. de XXX_Huyser", "a published initial is kept as it is");
}
