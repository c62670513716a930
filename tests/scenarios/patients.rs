//! Patients (PAT-1, PAT-2, PAT-4, PAT-6): the HIS extraction sealed on the client and imported in
//! one transaction, search on an index that exists only while unlocked, the patient page with its
//! access-log entry, the HIS launch for an unknown patient, and consent.

use kring_client::patients::{ImportPhase, LaunchOpening, TimelineKind};
use kring_client::{ClientError, KringClient};
use kring_domain::{AccessKind, Bsn, ConsentGiver, OrganisationId};
use kring_extraction::SkipReason;
use kring_protocol::{EntityKind, ErrorCode, LaunchTarget};
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;
use std::sync::{Arc, Mutex};

const BUNDLE: &str = include_str!("../../crates/kring-extraction/tests/fixtures/nl-core-bundle.json");

fn practice(client: &KringClient) -> OrganisationId {
    client.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id
}

/// The GP, unlocked, with the practice vault made and shared with the authorised colleagues.
async fn gp_with_vault(region: &TestRegion) -> KringClient {
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    gp.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    gp
}

async fn import(client: &KringClient, text: &str) -> Result<kring_client::patients::ImportSummary, ClientError> {
    client.import_extraction(practice(client), text.as_bytes().to_vec(), |_| {}).await
}

#[tokio::test]
async fn pat_1_the_extraction_is_sealed_deduplicated_and_never_readable_on_the_server() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    let phases = Arc::new(Mutex::new(Vec::new()));
    let seen = phases.clone();
    let summary = gp
        .import_extraction(practice(&gp), BUNDLE.as_bytes().to_vec(), move |p| seen.lock().unwrap().push(p.phase))
        .await
        .unwrap();
    assert_eq!((summary.created, summary.updated, summary.measurements), (2, 0, 2));
    let skipped: Vec<_> = summary.skipped.iter().map(|s| (s.reason, s.count)).collect();
    assert_eq!(skipped, vec![(SkipReason::OtherResource, 1), (SkipReason::NotNumeric, 1)], "the import report");
    assert_eq!(summary.skipped_places.len(), 2);
    assert_eq!(phases.lock().unwrap().last(), Some(&ImportPhase::Done));
    assert_eq!(gp.patient_count().unwrap(), 2);

    // Re-importing (hours later) updates, never duplicates: a changed address arrives on the
    // same patient.
    region.clock.advance(time::Duration::hours(2));
    let moved = BUNDLE.replace("Dorpsstraat 1", "Kerkplein 7");
    let summary = import(&gp, &moved).await.unwrap();
    assert_eq!((summary.created, summary.updated), (0, 2));
    let found = gp.search_patients("vries", 10).unwrap();
    assert_eq!(found.len(), 1);
    let page = gp.open_patient(found[0].id).await.unwrap();
    assert_eq!(page.address.unwrap().street, "Kerkplein 7");
    assert!(page.timeline.iter().any(|event| event.kind == TimelineKind::ExtractionUpdated));

    // What the server holds: hashes and ciphertext only, no BSN, no name, no measurement.
    let stored = region.server().state.store().entities_of_kind(EntityKind::Patient).await.unwrap();
    assert_eq!(stored.len(), 2);
    let raw = serde_json::to_string(&stored).unwrap();
    for secret in ["999911120", "999911132", "Vries", "Bakker", "Dorpsstraat", "Kerkplein", "Metformine", "1950-03-04"] {
        assert!(!raw.contains(secret), "{secret} reached the server in plaintext");
    }

    // The import and the opening are in the access log (SEC-2).
    let log = gp.access_log(practice(&gp), None).await.unwrap();
    let kinds: Vec<AccessKind> = log.entries.iter().map(|entry| entry.kind).collect();
    assert_eq!(kinds.iter().filter(|kind| **kind == AccessKind::HisImport).count(), 4, "two imports of two patients");
    assert!(kinds.contains(&AccessKind::PatientCard));
}

#[tokio::test]
async fn pat_1_a_malformed_extraction_is_refused_whole_with_its_place() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let broken = BUNDLE.replace("Dorpsstraat 1", "Kerkplein 7").replace("999911132", "999911133");
    match import(&gp, &broken).await {
        Err(ClientError::Extraction(error)) => {
            assert_eq!(error.problem.code(), "extraction_invalid_bsn");
            assert_eq!(error.location.field.as_deref(), Some("entry[1].resource.identifier.value"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let vries = gp.search_patients("vries", 1).unwrap();
    let page = gp.open_patient(vries[0].id).await.unwrap();
    assert_eq!(page.address.unwrap().street, "Dorpsstraat 1", "nothing of the refused file was applied");
}

#[tokio::test]
async fn pat_1_only_the_practice_imports_and_partners_and_the_account_manager_receive_no_patients() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();

    let manager = region.login("beheer").await;
    manager.sync_now().await.unwrap();
    let refused = manager.import_extraction(practice(&manager), BUNDLE.as_bytes().to_vec(), |_| {}).await;
    assert!(matches!(refused, Err(ClientError::Refused { code: ErrorCode::Forbidden, .. })), "{refused:?}");

    // The server refuses too, whatever a client claims.
    let raw = kring_tests::RawApi::login(&region, "beheer").await;
    let request = kring_protocol::patients::ImportRequest { organisation_id: practice(&gp), patients: vec![] };
    assert_eq!(raw.post("v1/patients/import", &request).await.status(), 403);

    for username in ["beheer", "wijkverpleging"] {
        let other = region.login(username).await;
        other.sync_now().await.unwrap();
        assert_eq!(other.search_patients("", 10).unwrap().len(), 0, "{username} sees no patient (PAT-5)");
    }
}

#[tokio::test]
async fn pat_2_search_by_name_birth_date_or_bsn_and_the_index_goes_with_the_lock() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    for query in ["Vries", "jan willem", "04-03-1950", "4-3-1950", "1950-03-04", "999911120"] {
        let found = gp.search_patients(query, 10).unwrap();
        assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["de Vries, Jan Willem"], "{query}");
    }
    assert_eq!(gp.search_patients("", 10).unwrap().len(), 2);
    assert!(gp.search_patients("Jansen", 10).unwrap().is_empty());
    // Issue 13, patient safety: a BSN typed in pieces is that patient or none, never a look-alike
    // ("9999 111 20" found both: 999911132 holds "111" and its birth date "20").
    for query in ["9999 111 20", "9999.111.20", " 999911120 ", "vries 999911120", "an 9999 111 20"] {
        let found = gp.search_patients(query, 10).unwrap();
        assert_eq!(found.iter().map(|p| p.bsn.as_str()).collect::<Vec<_>>(), vec!["999911120"], "{query}");
    }
    for query in ["04 03 1950", "4-3-1950"] {
        let found = gp.search_patients(query, 10).unwrap();
        assert_eq!(found.iter().map(|p| p.bsn.as_str()).collect::<Vec<_>>(), vec!["999911120"], "{query}");
    }
    assert!(gp.search_patients("9999 111 21", 10).unwrap().is_empty(), "an unknown BSN finds no one");
    assert!(gp.search_patients("bakker 4-3-1950", 10).unwrap().is_empty(), "a birth date matches whole");
    assert!(
        matches!(gp.search_patients("31-02-1950", 10), Err(ClientError::InvalidBirthDate)),
        "an impossible date says so instead of 'no patient found'"
    );

    // The POH-GGZ, authorised by the GP, reads the same patients with the shared vault key.
    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    assert_eq!(poh.search_patients("bakker", 10).unwrap()[0].programmes, vec![kring_domain::CareProgramme::Dm]);

    gp.lock();
    assert!(matches!(gp.search_patients("vries", 10), Err(ClientError::Locked)), "no plaintext index while locked");
    gp.unlock(DEMO_PASSWORD).await.unwrap();
    assert_eq!(gp.search_patients("vries", 10).unwrap().len(), 1);
}

#[tokio::test]
async fn pat_2_the_patient_page_has_chart_series_medication_timeline_and_allowed_actions() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let bakker = gp.search_patients("bakker", 1).unwrap().remove(0);
    let page = gp.open_patient(bakker.id).await.unwrap();
    assert_eq!(page.series.len(), 1);
    assert_eq!((page.series[0].label.as_str(), page.series[0].points[0].value), ("HbA1c", 53.0));
    let target = page.series[0].target.expect("HbA1c has the NHG target band");
    assert_eq!((target.low, target.high), (None, Some(53.0)));
    assert_eq!(page.chart.medication[0].name, "Metformine 500 mg tablet");
    let dates: Vec<_> = page.timeline.iter().map(|event| event.date).collect();
    assert!(dates.windows(2).all(|pair| pair[0] >= pair[1]), "newest first");
    assert!(page.timeline.iter().any(|event| event.kind == TimelineKind::MedicationStarted));
    assert!(page.actions.contains(&kring_domain::Action::RecordConsent));

    let assistant = region.login("assistent").await;
    assistant.sync_now().await.unwrap();
    let page = assistant.open_patient(bakker.id).await.unwrap();
    assert!(!page.actions.contains(&kring_domain::Action::StartConsultation), "an assistant does not start consultations");
}

#[tokio::test]
async fn pat_4_an_unknown_launched_patient_is_asked_for_once_and_found_directly_next_time() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let target = |bsn: &str| LaunchTarget { organisation_id: practice(&gp), bsn: Bsn::parse(bsn).unwrap(), birth_date: None };

    let known = gp.open_launch(&target("999911120")).await.unwrap();
    let vries = gp.search_patients("vries", 1).unwrap().remove(0);
    assert_eq!(known, LaunchOpening::Open { patient_id: vries.id });

    let unknown = target("999911144");
    assert_eq!(gp.open_launch(&unknown).await.unwrap(), LaunchOpening::AskBirthDate);
    let future = time::OffsetDateTime::now_utc().date().next_day().unwrap();
    assert!(matches!(gp.add_launched_patient(&unknown, future).await, Err(ClientError::InvalidBirthDate)));
    let added = gp.add_launched_patient(&unknown, time::macros::date!(1988 - 07 - 14)).await.unwrap();
    assert_eq!(gp.open_launch(&unknown).await.unwrap(), LaunchOpening::Open { patient_id: added }, "found directly");
    assert_eq!(gp.search_patients("14-07-1988", 5).unwrap()[0].id, added);

    // A birth date in the launch creates the patient without asking; the server refuses a second
    // patient with the same BSN.
    let with_date = LaunchTarget { birth_date: Some(time::macros::date!(1971 - 01 - 30)), ..target("999911156") };
    let LaunchOpening::Open { patient_id } = gp.open_launch(&with_date).await.unwrap() else { panic!("no patient opened") };
    assert!(matches!(
        gp.add_launched_patient(&with_date, time::macros::date!(1971 - 01 - 30)).await,
        Err(ClientError::Refused { .. })
    ));
    assert_eq!(gp.open_launch(&with_date).await.unwrap(), LaunchOpening::Open { patient_id });

    // The next extraction fills in the name on the same patient.
    let extended = BUNDLE.replace("bakker", "nieuw").replace("999911132", "999911144").replace("Bakker", "Nieuw");
    let summary = import(&gp, &extended).await.unwrap();
    assert_eq!(summary.updated, 2, "de Vries and the launched patient");
    assert_eq!(gp.search_patients("nieuw", 1).unwrap()[0].id, added);
}

#[tokio::test]
async fn pat_6_consent_is_recorded_with_who_when_and_text_version_and_can_be_withdrawn() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let vries = gp.search_patients("vries", 1).unwrap().remove(0);
    assert!(!vries.has_consent);

    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    poh.record_consent(vries.id, ConsentGiver::Representative).await.unwrap();
    gp.sync_now().await.unwrap();
    let page = gp.open_patient(vries.id).await.unwrap();
    assert!(page.summary.has_consent);
    let consent = &page.consents[0];
    assert_eq!((consent.given_by, consent.recorded_by.as_str()), (ConsentGiver::Representative, "Mehmet Yılmaz"));
    assert_eq!(consent.text.version, kring_domain::patient::current_consent_text().version);
    assert!(consent.text.text.contains("toestemming"));
    assert!(page.timeline.iter().any(|event| event.kind == TimelineKind::ConsentGiven && event.detail == "Mehmet Yılmaz"));

    gp.withdraw_consent(consent.id).await.unwrap();
    let page = gp.open_patient(vries.id).await.unwrap();
    assert!(!page.summary.has_consent);
    assert_eq!(page.consents[0].withdrawn_by.as_deref(), Some("Anne de Vries"));
    assert!(matches!(gp.withdraw_consent(consent.id).await, Err(ClientError::Refused { code: ErrorCode::InvalidRequest, .. })));

    // Who may not see patients may not record consent either.
    let manager = kring_tests::RawApi::login(&region, "beheer").await;
    let mutation = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::RecordConsent {
            consent_id: uuid::Uuid::now_v7(),
            patient_id: vries.id,
            given_by: ConsentGiver::Patient,
            text_version: "2026-1".into(),
        },
    };
    let outcome: kring_protocol::MutationOutcome = manager.post("v1/mutations", &mutation).await.json().await.unwrap();
    assert!(matches!(outcome, kring_protocol::MutationOutcome::Rejected { code: ErrorCode::Forbidden, .. }));
}

fn home_care(client: &KringClient) -> OrganisationId {
    client.directory().unwrap().organisations.iter().find(|o| o.name == "Thuiszorg Hof van Delft").unwrap().id
}

#[tokio::test]
async fn pat_5_only_the_practice_opens_a_patient_to_partners_and_only_with_consent() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let vries = gp.search_patients("vries", 1).unwrap().remove(0);
    let partner = home_care(&gp);

    assert!(matches!(gp.share_patient(vries.id, partner, true).await, Err(ClientError::ConsentRequired)));
    gp.record_consent(vries.id, ConsentGiver::Patient).await.unwrap();
    gp.share_patient(vries.id, partner, true).await.unwrap();
    let page = gp.open_patient(vries.id).await.unwrap();
    let sharing = page.sharing.unwrap();
    assert!(sharing.partners.iter().any(|p| p.organisation_id == partner && p.shared));
    assert!(sharing.partners.iter().all(|p| p.name != "Huisartsenpraktijk De Linde"), "not with itself");

    // The district nurses see the shared patient's card, nothing of the chart, and nobody else.
    for username in ["wijkverpleging", "verzorgende"] {
        let nurse = region.login(username).await;
        nurse.sync_now().await.unwrap();
        let found = nurse.search_patients("", 10).unwrap();
        assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["de Vries, Jan Willem"], "{username}");
        assert!(found[0].via_network);
        let page = nurse.open_patient(vries.id).await.unwrap();
        assert_eq!(page.address.unwrap().city, "Utrecht");
        assert!(page.chart.measurements.is_empty() && page.sharing.is_none());
    }
    // The district nurse records consent too (PAT-6): she sees the practice's record and adds one.
    let nurse = region.login("wijkverpleging").await;
    nurse.sync_now().await.unwrap();
    let page = nurse.open_patient(vries.id).await.unwrap();
    assert!(page.summary.has_consent && page.consents.len() == 1 && page.actions.contains(&kring_domain::Action::RecordConsent));
    nurse.record_consent(vries.id, ConsentGiver::Representative).await.unwrap();
    gp.sync_now().await.unwrap();
    let recorded_by: Vec<String> = gp.open_patient(vries.id).await.unwrap().consents.into_iter().map(|c| c.recorded_by).collect();
    assert_eq!(recorded_by, vec!["Fatima el Amrani", "Anne de Vries"], "newest first");

    let psychiatrist = region.login("psychiater").await;
    psychiatrist.sync_now().await.unwrap();
    assert!(psychiatrist.search_patients("", 10).unwrap().is_empty(), "not shared with the GGZ provider");

    // The practice's log shows the partner's opening.
    let log = gp.access_log(practice(&gp), None).await.unwrap();
    assert!(log.entries.iter().any(|entry| entry.actor == nurse.me().user_id && entry.kind == AccessKind::PatientCard));

    // Closing the network again: the nurse no longer sees the patient.
    gp.share_patient(vries.id, partner, false).await.unwrap();
    nurse.sync_now().await.unwrap();
    assert!(nurse.search_patients("", 10).unwrap().is_empty());

    // The server holds the line whatever a client sends: a partner cannot open the network, and
    // the practice cannot widen it after the consent is withdrawn.
    let network = gp.patient_network(vries.id).unwrap().unwrap();
    let widen = kring_protocol::patients::PatientNetworkEntry { shared_with: vec![partner], ..network };
    let outcome = |raw: kring_tests::RawApi, entry: kring_protocol::patients::PatientNetworkEntry| async move {
        let request = kring_protocol::MutationRequest {
            id: uuid::Uuid::now_v7(),
            mutation: kring_protocol::Mutation::SetPatientNetwork(entry),
        };
        let outcome: kring_protocol::MutationOutcome = raw.post("v1/mutations", &request).await.json().await.unwrap();
        outcome
    };
    let by_nurse = outcome(kring_tests::RawApi::login(&region, "wijkverpleging").await, widen.clone()).await;
    assert!(matches!(by_nurse, kring_protocol::MutationOutcome::Rejected { code: ErrorCode::Forbidden, .. }));
    for consent in gp.open_patient(vries.id).await.unwrap().consents {
        gp.withdraw_consent(consent.id).await.unwrap();
    }
    let without_consent = outcome(kring_tests::RawApi::login(&region, "huisarts").await, widen).await;
    assert!(matches!(without_consent, kring_protocol::MutationOutcome::Rejected { code: ErrorCode::InvalidRequest, .. }));
}

#[tokio::test]
async fn pat_5_a_caregiver_who_joins_the_partner_later_gets_the_network_key_from_the_practice() {
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let vries = gp.search_patients("vries", 1).unwrap().remove(0);
    let partner = home_care(&gp);
    gp.record_consent(vries.id, ConsentGiver::Patient).await.unwrap();
    gp.share_patient(vries.id, partner, true).await.unwrap();
    assert_eq!(gp.maintain_network_keys().await.unwrap(), 0, "everyone there has the key already");

    // A new district nurse at the home-care organisation.
    let spec = kring_server::seed::AccountSpec {
        username: "nieuwe-wijkverpleegkundige".into(),
        first_name: "Lotte".into(),
        last_name: "Kok".into(),
        agb: None,
        email: kring_domain::Email::parse("l.kok@hofvandelft.nl").ok(),
        mobile: None,
        code_channel: kring_protocol::CodeChannel::Email,
        contracts: vec![(partner, None, kring_domain::Role::Zorgverlener)],
    };
    region.create_account_outside_the_api(spec).await;
    let newcomer = region.login("nieuwe-wijkverpleegkundige").await;
    newcomer.sync_now().await.unwrap();
    assert!(newcomer.search_patients("", 10).unwrap().is_empty(), "no key yet");

    gp.sync_now().await.unwrap();
    assert_eq!(gp.maintain_network_keys().await.unwrap(), 1);
    assert_eq!(gp.maintain_network_keys().await.unwrap(), 0, "once");
    newcomer.sync_now().await.unwrap();
    assert_eq!(newcomer.search_patients("vries", 10).unwrap()[0].name, "de Vries, Jan Willem");

    // A locked practice session shares nothing.
    gp.lock();
    assert_eq!(gp.maintain_network_keys().await.unwrap(), 0);
}

/// Issue 12 (STAFF-4): a key holder cannot overwrite a colleague's wrapped practice key with
/// garbage (the server cannot open wrapped keys, so it never lets one replace another), and a
/// malformed wrapped key is refused outright.
#[tokio::test]
async fn staff_4_a_colleague_s_working_key_cannot_be_overwritten() {
    use kring_protocol::{Mutation, MutationOutcome, MutationRequest};
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();
    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    assert_eq!(poh.search_patients("", 10).unwrap().len(), 2, "the POH holds the practice key");

    let raw = kring_tests::RawApi::login(&region, "pohggz").await;
    let overwrite = |wrapped_key: &str| MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: Mutation::ShareVaultKey {
            organisation_id: practice(&gp),
            user_id: gp.me().user_id,
            wrapped_key: wrapped_key.into(),
        },
    };
    let garbage =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, [0u8; kring_crypto::SEALED_VAULT_SECRET_LEN]);
    for wrapped in [garbage.as_str(), "bm90IGEga2V5"] {
        let outcome: MutationOutcome = raw.post("v1/mutations", &overwrite(wrapped)).await.json().await.unwrap();
        assert!(matches!(outcome, MutationOutcome::Rejected { .. }), "{outcome:?}");
    }

    let later = region.login("huisarts").await;
    later.sync_now().await.unwrap();
    assert_eq!(later.search_patients("", 10).unwrap().len(), 2, "the GP's key still opens the practice's patients");
}

/// Issue 12 (STAFF-4): a key holder who shares garbage first cannot lock a colleague out for
/// good: the colleague's client finds that its key does not open, drops it, and a key holder's
/// maintenance shares a working one.
#[tokio::test]
async fn staff_4_a_wrapped_key_that_does_not_open_is_dropped_and_shared_again() {
    use kring_protocol::staff::PatientDataAccessEntry;
    use kring_protocol::{ChangeBody, EntityKind, Scope};
    let region = TestRegion::start().await;
    let gp = gp_with_vault(&region).await;
    import(&gp, BUNDLE).await.unwrap();

    // The POH's wrapped key replaced by garbage of the right shape, as a careless or hostile key
    // holder could have shared it first.
    let store = region.server().state.store();
    let id = PatientDataAccessEntry::id_for(practice(&gp), region_user(&gp, "Mehmet"));
    let Some(ChangeBody::PatientDataAccess(entry)) = store.entity(EntityKind::PatientDataAccess, id).await.unwrap() else {
        panic!("the POH is authorised in the demo");
    };
    assert!(entry.wrapped_key.is_some(), "the GP shared the key");
    let garbage =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, [9u8; kring_crypto::SEALED_VAULT_SECRET_LEN]);
    let bad = PatientDataAccessEntry { wrapped_key: Some(garbage), ..entry };
    let changes = vec![(Scope::Organisation(practice(&gp)), ChangeBody::PatientDataAccess(bad))];
    let seq = store.commit(kring_server::store::Commit { changes, ..Default::default() }).await.unwrap();
    region.server().state.feed().publish_in_store(seq);

    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    assert!(poh.search_patients("", 10).map(|found| found.is_empty()).unwrap_or(true), "the garbage opens nothing");
    poh.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    assert_eq!(gp.maintain_practice_keys().await.unwrap(), 1, "the GP shares the key again");
    poh.sync_now().await.unwrap();
    assert_eq!(poh.search_patients("", 10).unwrap().len(), 2, "the POH reads the practice's patients again");
}

/// A demo colleague's user id, by first name, from the client's directory.
fn region_user(client: &KringClient, first_name: &str) -> kring_domain::UserId {
    let directory = client.directory().unwrap();
    directory
        .organisations
        .iter()
        .flat_map(|o| o.teams.iter().flat_map(|t| t.members.iter()))
        .find(|m| m.name.starts_with(first_name))
        .map(|m| m.user_id)
        .unwrap()
}
