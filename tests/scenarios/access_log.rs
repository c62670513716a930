//! SEC-2 (NEN 7513): every opening of patient data is logged, hash-chained, and a GP sees the
//! practice's log with its verification. Tampering with the stored log is detected.

use kring_domain::{AccessKind, PatientId};
use kring_protocol::access_log::ChainVerification;
use kring_tests::TestRegion;

fn practice(client: &kring_client::KringClient) -> kring_domain::OrganisationId {
    client.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id
}

const BUNDLE: &str = include_str!("../../crates/kring-extraction/tests/fixtures/nl-core-bundle.json");

/// The GP with the practice vault made and the two patients of the nl-core fixture imported.
async fn gp_with_patients(region: &TestRegion) -> (kring_client::KringClient, Vec<PatientId>) {
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    gp.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    gp.import_extraction(practice(&gp), BUNDLE.as_bytes().to_vec(), |_| {}).await.unwrap();
    let patients = gp.search_patients("", 10).unwrap().into_iter().map(|p| p.id).collect();
    (gp, patients)
}

#[tokio::test]
async fn sec_2_openings_are_logged_with_who_what_and_where_and_only_the_gp_sees_them() {
    let region = TestRegion::start().await;
    let (gp, patients) = gp_with_patients(&region).await;
    let poh = region.login("pohggz").await;
    let practice = practice(&gp);
    let patient = patients[0];
    poh.record_access(practice, patient, AccessKind::Conversation).await.unwrap();
    gp.record_access(practice, patient, AccessKind::PatientCard).await.unwrap();

    let log = gp.access_log(practice, None).await.unwrap();
    let rows: Vec<_> = log.entries.iter().take(2).map(|e| (e.actor, e.patient_id, e.kind, e.device.as_str())).collect();
    assert_eq!(
        rows,
        [
            (gp.me().user_id, patient, AccessKind::PatientCard, "testwerkplek"),
            (poh.me().user_id, patient, AccessKind::Conversation, "testwerkplek"),
        ],
        "newest first; who and where come from the session"
    );
    assert!(matches!(log.verification, ChainVerification::Intact { .. }));

    assert_eq!(poh.access_log(practice, None).await.err().map(|e| e.code()), Some("forbidden"), "a POH-GGZ does not see the log");
}

#[tokio::test]
async fn sec_2_an_opening_made_offline_reaches_the_log_when_the_app_reconnects() {
    let mut region = TestRegion::start().await;
    let (gp, patients) = gp_with_patients(&region).await;
    let practice = practice(&gp);
    region.stop().await;
    gp.record_access(practice, patients[1], AccessKind::Consultation).await.unwrap();
    assert_eq!(gp.outbox().unwrap().len(), 1, "kept in the outbox");
    region.restart().await;
    gp.flush_outbox().await.unwrap();
    let log = gp.access_log(practice, None).await.unwrap();
    assert_eq!((log.entries[0].kind, log.entries[0].patient_id), (AccessKind::Consultation, patients[1]));
}

#[tokio::test]
async fn sec_2_altering_or_removing_a_stored_entry_shows_as_a_broken_chain() {
    let region = TestRegion::start().await;
    let (gp, patients) = gp_with_patients(&region).await;
    let practice = practice(&gp);
    for _ in 0..3 {
        gp.record_access(practice, patients[0], AccessKind::PatientCard).await.unwrap();
    }
    assert!(matches!(gp.access_log(practice, None).await.unwrap().verification, ChainVerification::Intact { .. }));

    // Someone with access to the database file covers their tracks. A view checks only what
    // was added since the last one; the whole chain is walked again once an hour.
    let database = rusqlite::Connection::open(region.dir.path().join("server.sqlite")).unwrap();
    database.execute("UPDATE access_log SET device = 'andere werkplek' WHERE seq = 2", []).unwrap();
    region.clock.advance(kring_server::FULL_CHECK_EVERY);
    assert_eq!(gp.access_log(practice, None).await.unwrap().verification, ChainVerification::Broken { at_seq: 2 });

    database.execute("DELETE FROM access_log WHERE seq = 2", []).unwrap();
    region.clock.advance(kring_server::FULL_CHECK_EVERY);
    assert_eq!(gp.access_log(practice, None).await.unwrap().verification, ChainVerification::Broken { at_seq: 2 });
}

/// Issue 12: the newest entries cut off the end leave a chain that verifies from the start. The
/// server notices that the link it verified last is gone; after a restart (nothing in memory) the
/// GP's client notices that the chain lost the head it saw.
#[tokio::test]
async fn sec_2_entries_cut_off_the_end_are_noticed_by_the_server_and_by_the_gp_s_client() {
    let mut region = TestRegion::start().await;
    let (gp, patients) = gp_with_patients(&region).await;
    let practice = practice(&gp);
    for _ in 0..3 {
        gp.record_access(practice, patients[0], AccessKind::PatientCard).await.unwrap();
    }
    let seen = gp.access_log(practice, None).await.unwrap();
    let head = seen.head.clone().expect("a head");
    assert!(matches!(seen.verification, ChainVerification::Intact { .. }));

    let database = rusqlite::Connection::open(region.dir.path().join("server.sqlite")).unwrap();
    database.execute("DELETE FROM access_log WHERE seq > ?1", [head.seq - 2]).unwrap();
    // Also when the hourly walk from the start comes first, and asked without a kept head.
    region.clock.advance(kring_server::FULL_CHECK_EVERY);
    let raw = kring_tests::RawApi::login(&region, "huisarts").await;
    let page: kring_protocol::access_log::AccessLogPage =
        raw.get(&format!("v1/access-log?organisation_id={practice}")).await.json().await.unwrap();
    assert_eq!(page.verification, ChainVerification::Broken { at_seq: head.seq });
    assert_eq!(gp.access_log(practice, None).await.unwrap().verification, ChainVerification::Broken { at_seq: head.seq });

    region.restart().await;
    let after = gp.access_log(practice, None).await.unwrap();
    assert_eq!(after.verification, ChainVerification::Truncated { known_seq: head.seq });
}

/// Issue 12: nobody writes into a practice's log what did not happen there: a caregiver who does
/// not see the patient is refused, so is an unknown patient or the wrong organisation; the time is
/// the server's; one user's reports are limited per minute, so a flood cannot push real entries
/// out of view, and the view pages through everything.
#[tokio::test]
async fn sec_2_only_those_who_see_the_patient_write_to_the_log_at_the_server_s_time_and_a_flood_is_stopped() {
    use kring_protocol::access_log::AccessRecord;
    use kring_protocol::{Mutation, MutationOutcome, MutationRequest};
    let region = TestRegion::start().await;
    let (gp, patients) = gp_with_patients(&region).await;
    let practice = practice(&gp);
    gp.record_access(practice, patients[0], AccessKind::PatientCard).await.unwrap();

    let report = |organisation_id, patient_id| {
        let mutation = Mutation::RecordAccess(AccessRecord { organisation_id, patient_id, kind: AccessKind::Conversation });
        MutationRequest { id: uuid::Uuid::now_v7(), mutation }
    };
    let outcome = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        match response.json::<MutationOutcome>().await.unwrap() {
            MutationOutcome::Rejected { code, .. } => Some(code),
            MutationOutcome::Applied { .. } => None,
        }
    };
    let nurse = kring_tests::RawApi::login(&region, "wijkverpleging").await;
    let refused = outcome(nurse.post("v1/mutations", &report(practice, patients[0])).await).await;
    assert_eq!(refused, Some(kring_protocol::ErrorCode::Forbidden), "the nurse does not see this patient");

    let poh = kring_tests::RawApi::login(&region, "pohggz").await;
    let unknown = outcome(poh.post("v1/mutations", &report(practice, PatientId::new())).await).await;
    assert_eq!(unknown, Some(kring_protocol::ErrorCode::NotFound));
    let nurse_org = kring_domain::OrganisationId::new();
    let elsewhere = outcome(poh.post("v1/mutations", &report(nurse_org, patients[0])).await).await;
    assert_eq!(elsewhere, Some(kring_protocol::ErrorCode::InvalidRequest));

    let mut applied = 0;
    let mut limited = 0;
    for _ in 0..80 {
        let response = poh.post("v1/mutations", &report(practice, patients[1])).await;
        if response.status() == 429 {
            limited += 1;
        } else if outcome(response).await.is_none() {
            applied += 1;
        }
    }
    assert_eq!((applied, limited), (kring_server::RECORDS_PER_MINUTE as usize, 20));
    // A minute later the allowance is back.
    region.clock.advance(time::Duration::minutes(1));
    for _ in 0..kring_server::RECORDS_PER_MINUTE {
        assert_eq!(outcome(poh.post("v1/mutations", &report(practice, patients[1])).await).await, None);
    }

    let first = gp.access_log(practice, None).await.unwrap();
    assert_eq!(first.entries.len(), kring_server::ACCESS_LOG_PAGE as usize);
    let mut all = first.entries.clone();
    let mut before = first.next_before;
    while let Some(seq) = before {
        let page = gp.access_log(practice, Some(seq)).await.unwrap();
        all.extend(page.entries);
        before = page.next_before;
    }
    assert!(
        all.iter().any(|entry| entry.actor == gp.me().user_id && entry.kind == AccessKind::PatientCard),
        "the GP's own opening is still there"
    );
}

/// Issue 13: the GP sees who was viewed — the patient's name while the lock is open, nothing
/// readable while it is closed (the UI then shows a pseudonym).
#[tokio::test]
async fn sec_2_the_gp_sees_the_names_of_viewed_patients_only_while_unlocked() {
    let region = TestRegion::start().await;
    let (gp, patients) = gp_with_patients(&region).await;
    let practice = practice(&gp);
    for patient in &patients {
        gp.record_access(practice, *patient, AccessKind::PatientCard).await.unwrap();
    }
    let log = gp.access_log(practice, None).await.unwrap();
    let viewed: Vec<PatientId> = log.entries.iter().map(|entry| entry.patient_id).collect();
    let mut names: Vec<String> = gp.patient_names(&viewed).unwrap().into_iter().map(|(_, name)| name).collect();
    names.sort();
    assert_eq!(names, ["Bakker, Anna", "de Vries, Jan Willem"]);
    gp.lock();
    assert!(gp.patient_names(&viewed).unwrap().is_empty(), "no names while locked");
}
