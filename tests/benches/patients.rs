//! Practice-scale patient data (PAT-1, PAT-2): import a HIS extraction of 2,500 patients with
//! 50,000 measurements through the whole path (read, seal, one-transaction commit on the embedded
//! SQLite server, sync back), re-import it, build the search index after unlock, and search it.
//!
//!   cargo bench -p kring-tests --bench patients
//!
//! Prints the figures docs/performance.md reports. A bench binary rather than criterion: one
//! import is seconds long and is measured as a whole, per phase.

use kring_client::patients::{ImportPhase, ImportProgress};
use kring_extraction::sample;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PATIENTS: usize = 2_500;
const MEASUREMENTS: usize = 50_000;
const SEARCHES: usize = 2_000;

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

    for round in ["first import", "re-import (all updated)"] {
        let marks: Arc<Mutex<Vec<(ImportPhase, Instant)>>> = Arc::default();
        let seen = marks.clone();
        let started = Instant::now();
        let summary = gp
            .import_extraction(practice, bundle.clone().into_bytes(), move |progress: ImportProgress| {
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
