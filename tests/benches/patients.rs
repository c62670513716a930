//! Practice-scale patient data (PAT-1, PAT-2): import a HIS extraction of 2,500 patients with
//! 50,000 measurements through the whole path (read, seal, one-transaction commit on the embedded
//! SQLite server, sync back), re-import it, build the search index after unlock, and search it.
//! Referrals (REF-1, REF-2): refer a patient with 2,000 measurements (sealing and upload), and
//! re-import with 200 referrals open, whose shared data the import refreshes.
//!
//!   cargo bench -p kring-tests --bench patients
//!
//! Prints the figures docs/performance.md reports. A bench binary rather than criterion: one
//! import is seconds long and is measured as a whole, per phase.

use kring_client::patients::{ImportPhase, ImportProgress};
use kring_client::referrals::ReferralForm;
use kring_client::KringClient;
use kring_domain::referral::ReferralStep;
use kring_domain::{ConsentGiver, OrganisationId, OrganisationKind};
use kring_extraction::sample;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PATIENTS: usize = 2_500;
const MEASUREMENTS: usize = 50_000;
const SEARCHES: usize = 2_000;
/// Open referrals while the practice re-imports (issue 15: refreshed in < 2 s).
const OPEN_REFERRALS: usize = 200;
/// Measurements of the one heavy patient referred (issue 15: sealed and sent in < 200 ms).
const HEAVY_OBSERVATIONS: usize = 1_600;

#[tokio::main]
async fn main() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.sync_now().await.expect("sync");
    gp.maintain_practice_keys().await.expect("practice vault");
    gp.sync_now().await.expect("sync");
    let practice = gp.me().contracts[0].organisation_id;

    let bundle = sample::fhir_bundle(PATIENTS, MEASUREMENTS, time::OffsetDateTime::now_utc().date()).to_string();
    println!("extraction: {PATIENTS} patients, {MEASUREMENTS} measurements, {:.1} MB FHIR JSON", bundle.len() as f64 / 1e6);

    let today = time::OffsetDateTime::now_utc().date();
    for round in ["first import", "re-import (all updated)"] {
        if round != "first import" {
            open_referrals(&gp, practice).await;
            // The test region's clock stands still: the re-import must come after the referrals,
            // as it does in a practice.
            region.clock.advance(time::Duration::hours(1));
        }
        // The re-import's measurements are a month older: every open referral's data change.
        let bundle = if round == "first import" {
            bundle.clone()
        } else {
            sample::fhir_bundle(PATIENTS, MEASUREMENTS, today - time::Duration::days(31)).to_string()
        };
        let marks: Arc<Mutex<Vec<(ImportPhase, Instant)>>> = Arc::default();
        let seen = marks.clone();
        let started = Instant::now();
        let summary = gp
            .import_extraction(practice, bundle.into_bytes(), move |progress: ImportProgress| {
                let mut marks = seen.lock().expect("marks");
                if marks.last().map(|(phase, _)| *phase) != Some(progress.phase) {
                    marks.push((progress.phase, Instant::now()));
                }
            })
            .await
            .expect("import");
        let total = started.elapsed();
        println!("{round}: {:.2} s total ({} created, {} updated)", total.as_secs_f64(), summary.created, summary.updated);
        let marks = marks.lock().expect("marks");
        for pair in marks.windows(2) {
            println!(
                "  {:<8} {:>7.0} ms",
                format!("{:?}", pair[0].0).to_lowercase(),
                (pair[1].1 - pair[0].1).as_secs_f64() * 1e3
            );
        }
    }

    let refreshed = gp
        .referrals()
        .expect("referrals")
        .iter()
        .filter(|r| gp.referral_view(r.id).is_ok_and(|v| v.history.iter().any(|e| e.step == ReferralStep::DataUpdated)))
        .count();
    println!("  (the referrals phase refreshed {refreshed} open referrals)");

    // The index is built on first use after unlock, from the cache.
    gp.lock();
    gp.unlock(DEMO_PASSWORD).await.expect("unlock");
    let started = Instant::now();
    assert_eq!(gp.patient_count().expect("count"), PATIENTS);
    println!("search index after unlock: {:.0} ms for {PATIENTS} patients", started.elapsed().as_secs_f64() * 1e3);

    let everyone = gp.search_patients("", PATIENTS).expect("list");
    let queries: Vec<String> = everyone
        .iter()
        .enumerate()
        .map(|(index, patient)| match index % 4 {
            0 => patient.name.split(',').next().unwrap_or_default().to_owned(),
            1 => patient.bsn.clone(),
            2 => {
                let date = patient.birth_date;
                format!("{:02}-{:02}-{}", date.day(), u8::from(date.month()), date.year())
            }
            _ => patient.name.to_lowercase(),
        })
        .cycle()
        .take(SEARCHES)
        .collect();
    let mut latencies: Vec<Duration> = Vec::with_capacity(SEARCHES);
    for query in &queries {
        let started = Instant::now();
        let found = gp.search_patients(query, 200).expect("search");
        latencies.push(started.elapsed());
        assert!(!found.is_empty(), "{query} finds someone");
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64() * 1e3;
    println!("search over {PATIENTS} patients ({SEARCHES} queries: surname, BSN, birth date, full name):");
    println!("  p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", at(0.50), at(0.99), at(1.0));
}

/// A patient with 2,000 measurements referred to home care (the patient already shared, so what
/// is timed is the referral: opening the chart, keeping the permitted part, sealing, sending),
/// then referrals for the next patients until [`OPEN_REFERRALS`] are open.
async fn open_referrals(gp: &KringClient, practice: OrganisationId) {
    let home_care = gp
        .directory()
        .expect("directory")
        .organisations
        .into_iter()
        .find(|o| o.kind == OrganisationKind::HomeCare)
        .expect("home care")
        .id;
    // The sample's first patient again, now with 2,000 measurements of their own.
    let heavy = sample::fhir_bundle(1, HEAVY_OBSERVATIONS, time::OffsetDateTime::now_utc().date()).to_string();
    gp.import_extraction(practice, heavy.into_bytes(), |_| {}).await.expect("heavy patient");
    let patients = gp.search_patients("", PATIENTS).expect("patients");
    let bsn = sample::test_bsns(1).remove(0);
    let heaviest = gp.search_patients(&bsn, 1).expect("search").remove(0).id;
    let measurements = gp.open_patient(heaviest).await.expect("open").chart.measurements.len();
    assert!(measurements >= 2_000, "{measurements}");
    gp.record_consent(heaviest, ConsentGiver::Patient).await.expect("consent");
    gp.share_patient(heaviest, home_care, true).await.expect("share");
    let form = |patient_id| ReferralForm {
        patient_id,
        organisation_id: home_care,
        team_id: None,
        reason: "Wondzorg na val, graag controle bloeddruk en gewicht".into(),
        suspected_disorder: None,
        remarks: String::new(),
        phone: None,
        on_behalf_of: None,
    };
    let mut timings = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        gp.refer(form(heaviest), Vec::new()).await.expect("refer");
        timings.push(started.elapsed());
    }
    timings.sort();
    println!(
        "referral of a patient with {measurements} measurements (home care: blood pressure and weight go along): median {:.0} ms, max {:.0} ms of 5",
        timings[2].as_secs_f64() * 1e3,
        timings[4].as_secs_f64() * 1e3
    );
    let started = Instant::now();
    for patient in patients.iter().filter(|p| p.id != heaviest).take(OPEN_REFERRALS - 5) {
        gp.record_consent(patient.id, ConsentGiver::Patient).await.expect("consent");
        gp.refer(form(patient.id), Vec::new()).await.expect("refer");
    }
    println!("{OPEN_REFERRALS} open referrals made in {:.1} s", started.elapsed().as_secs_f64());
}
