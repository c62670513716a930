//! The C tab at practice scale (CONS-2): a POH-GGZ with 1,000 consultations opens the tab after
//! unlocking (decrypting each consultation's title through its conversation's key, the status
//! and the next deadline in business time), and the patient's timeline lists its consultations.
//!
//!   cargo bench -p kring-tests --bench consultations
//!
//! Prints the figures docs/performance.md reports. A bench binary: the set-up (1,000 consultations
//! asked through the server) is seconds long; what is timed is the list.

use kring_client::consultations::ConsultationForm;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;
use std::time::{Duration, Instant};

const CONSULTATIONS: usize = 1_000;
const ROUNDS: usize = 20;

#[tokio::main]
async fn main() {
    let region = TestRegion::start().await;
    let (gp, patients) = kring_tests::gp_with_sample_patients(&region, 20).await;
    let poh = region.login("pohggz").await;
    gp.maintain_practice_keys().await.expect("share the vault key");
    poh.sync_now().await.expect("sync");
    let group = poh.consultation_groups().expect("groups").remove(0).team_id;

    let started = Instant::now();
    for n in 0..CONSULTATIONS {
        let form = ConsultationForm {
            patient_id: patients[n % patients.len()].id,
            group,
            specialist: None,
            subject: format!("Vraag {n}"),
            question: "Graag advies over de medicatie bij somberheid en slecht slapen.".into(),
        };
        poh.ask_consultation(form, Vec::new()).await.expect("ask");
    }
    let asking = started.elapsed();
    println!(
        "asked {CONSULTATIONS} consultations in {:.1} s ({:.1} ms each: seal, wrap for 3, commit, sync)",
        asking.as_secs_f64(),
        asking.as_secs_f64() * 1e3 / CONSULTATIONS as f64
    );

    // After unlock: the first opening of the C tab, then warm ones.
    poh.lock();
    poh.unlock(DEMO_PASSWORD).await.expect("unlock");
    let started = Instant::now();
    let list = poh.consultations().expect("C tab");
    let first = started.elapsed();
    assert_eq!(list.len(), CONSULTATIONS);
    assert!(list.iter().all(|c| c.subject.is_some() && c.deadline.is_some()));
    let mut rounds: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let list = poh.consultations().expect("C tab");
            assert_eq!(list.len(), CONSULTATIONS);
            started.elapsed()
        })
        .collect();
    rounds.sort();
    println!(
        "C tab with {CONSULTATIONS} consultations: first after unlock {:.0} ms; then median {:.0} ms, max {:.0} ms",
        first.as_secs_f64() * 1e3,
        rounds[ROUNDS / 2].as_secs_f64() * 1e3,
        rounds[ROUNDS - 1].as_secs_f64() * 1e3
    );

    gp.sync_now().await.expect("sync");
    let started = Instant::now();
    let timeline = gp.patient_consultations(patients[0].id).expect("timeline");
    println!(
        "a patient's timeline with {} of them (the GP, through the practice vault): {:.0} ms",
        timeline.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
}
