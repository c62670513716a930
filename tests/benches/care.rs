//! Care planning at scale (CARE-2): a patient's health plan of 200 items, written by the district
//! nurse, opened by the GP right after unlocking (each item's newest signed version checked and
//! opened through the patient's network vault).
//!
//!   cargo bench -p kring-tests --bench care
//!
//! Prints the figures docs/performance.md reports. A bench binary: the set-up (200 items saved
//! through the server) is seconds long; what is timed is opening the plan.

use kring_domain::health_plan::{ActionStatus, HealthPlanItem, Responsible};
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;
use std::time::{Duration, Instant};

const ITEMS: usize = 200;
const ROUNDS: usize = 20;

#[tokio::main]
async fn main() {
    let region = TestRegion::start().await;
    let (gp, patients) = kring_tests::gp_with_sample_patients(&region, 1).await;
    let patient = patients[0].id;
    let home_care = gp
        .directory()
        .expect("directory")
        .organisations
        .iter()
        .find(|o| o.name == "Thuiszorg Hof van Delft")
        .expect("home care")
        .id;
    gp.share_patient(patient, home_care, true).await.expect("share");
    let nurse = region.login("wijkverpleging").await;
    nurse.sync_now().await.expect("sync");

    let started = Instant::now();
    for n in 0..ITEMS {
        let item = match n % 3 {
            0 => HealthPlanItem::Problem { title: format!("Probleem {n}"), description: "Toelichting bij het probleem.".into() },
            1 => HealthPlanItem::Goal { title: format!("Doel {n}"), by: None, measured_by: "Zo meten we het.".into() },
            _ => HealthPlanItem::Action {
                title: format!("Actie {n}"),
                who: Responsible::Patient,
                by: None,
                status: ActionStatus::Open,
            },
        };
        nurse.save_health_plan_item(patient, None, 0, item).await.expect("save");
    }
    println!("saved {ITEMS} plan items in {:.1} s", started.elapsed().as_secs_f64());

    gp.sync_now().await.expect("sync");
    gp.lock();
    gp.unlock(DEMO_PASSWORD).await.expect("unlock");
    let started = Instant::now();
    let plan = gp.health_plan(patient).expect("plan");
    let first = started.elapsed();
    assert_eq!(plan.len(), ITEMS);
    let mut rounds: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            assert_eq!(gp.health_plan(patient).expect("plan").len(), ITEMS);
            started.elapsed()
        })
        .collect();
    rounds.sort();
    println!(
        "health plan of {ITEMS} items: first after unlock {:.0} ms; then median {:.0} ms, max {:.0} ms",
        first.as_secs_f64() * 1e3,
        rounds[ROUNDS / 2].as_secs_f64() * 1e3,
        rounds[ROUNDS - 1].as_secs_f64() * 1e3
    );
}
