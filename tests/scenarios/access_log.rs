//! SEC-2 (NEN 7513): every opening of patient data is logged, hash-chained, and a GP sees the
//! practice's log with its verification. Tampering with the stored log is detected.

use kring_domain::{AccessKind, PatientId};
use kring_protocol::access_log::ChainVerification;
use kring_tests::TestRegion;

fn practice(client: &kring_client::KringClient) -> kring_domain::OrganisationId {
    client.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id
}

#[tokio::test]
async fn sec_2_openings_are_logged_with_who_what_and_where_and_only_the_gp_sees_them() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let poh = region.login("pohggz").await;
    let practice = practice(&gp);
    let patient = PatientId::new();
    poh.record_access(practice, patient, AccessKind::Conversation).await.unwrap();
    gp.record_access(practice, patient, AccessKind::PatientCard).await.unwrap();

    let log = gp.access_log(practice).await.unwrap();
    assert_eq!(log.verification, ChainVerification::Intact { entries: 2 });
    let rows: Vec<_> = log.entries.iter().map(|e| (e.actor, e.patient_id, e.kind, e.device.as_str())).collect();
    assert_eq!(
        rows,
        [
            (gp.me().user_id, patient, AccessKind::PatientCard, "testwerkplek"),
            (poh.me().user_id, patient, AccessKind::Conversation, "testwerkplek"),
        ],
        "newest first; who and where come from the session"
    );

    assert_eq!(poh.access_log(practice).await.err().map(|e| e.code()), Some("forbidden"), "a POH-GGZ does not see the log");
}

#[tokio::test]
async fn sec_2_an_opening_made_offline_reaches_the_log_when_the_app_reconnects() {
    let mut region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    region.stop().await;
    gp.record_access(practice, PatientId::new(), AccessKind::Consultation).await.unwrap();
    assert_eq!(gp.outbox().unwrap().len(), 1, "kept in the outbox");
    region.restart().await;
    gp.flush_outbox().await.unwrap();
    let log = gp.access_log(practice).await.unwrap();
    assert_eq!(log.entries.len(), 1);
    assert_eq!(log.entries[0].kind, AccessKind::Consultation);
}

#[tokio::test]
async fn sec_2_altering_or_removing_a_stored_entry_shows_as_a_broken_chain() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    for _ in 0..3 {
        gp.record_access(practice, PatientId::new(), AccessKind::PatientCard).await.unwrap();
    }
    assert_eq!(gp.access_log(practice).await.unwrap().verification, ChainVerification::Intact { entries: 3 });

    // Someone with access to the database file covers their tracks.
    let database = rusqlite::Connection::open(region.dir.path().join("server.sqlite")).unwrap();
    database.execute("UPDATE access_log SET device = 'andere werkplek' WHERE seq = 2", []).unwrap();
    assert_eq!(gp.access_log(practice).await.unwrap().verification, ChainVerification::Broken { at_seq: 2 });

    database.execute("DELETE FROM access_log WHERE seq = 2", []).unwrap();
    assert_eq!(gp.access_log(practice).await.unwrap().verification, ChainVerification::Broken { at_seq: 2 });
}
