//! Referrals (REF-1 … REF-4) and the care network they feed (NET-2): the practice refers with
//! exactly what the region's authorisation matrix allows, the receiving caregiver opens and takes
//! it (one wins when two try at once), reports back, and the practice closes it; the matrix grows
//! only by the operator's approval; a new extraction refreshes open referrals.

use kring_client::patients::TimelineKind;
use kring_client::referrals::{ReferralAction, ReferralDirection, ReferralForm};
use kring_client::{ClientError, KringClient};
use kring_domain::referral::{DataCategory, ReferralError, ReferralStatus, ReferralStep, SuspectedDisorder};
use kring_domain::{ConsentGiver, OrganisationId, OrganisationKind, PatientId};
use kring_protocol::conversations::{NetworkJoin, ParticipantKind};
use kring_protocol::{ChangeBody, EntityKind, ErrorCode, MutationOutcome};
use kring_tests::TestRegion;
use serde_json::{json, Value};

const BSN_SYSTEM: &str = "http://fhir.nl/fhir/NamingSystem/bsn";

/// One patient with a blood pressure, a weight, an HbA1c and a medication: what home care may
/// receive (the first two) and what it may not.
fn bundle(weight: f64) -> String {
    let observation = |code: &str, label: &str, value: f64, unit: &str| {
        json!({ "resource": {
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": code }], "text": label },
            "subject": { "reference": "Patient/vries" }, "effectiveDateTime": "2026-01-02",
            "valueQuantity": { "value": value, "unit": unit } } })
    };
    let entries: Vec<Value> = vec![
        json!({ "resource": {
            "resourceType": "Patient", "id": "vries",
            "identifier": [{ "system": BSN_SYSTEM, "value": "999911120" }],
            "name": [{ "use": "official", "family": "de Vries", "given": ["Jan"] }],
            "gender": "male", "birthDate": "1950-03-04" } }),
        observation("8480-6", "Systolische bloeddruk", 142.0, "mmHg"),
        observation("29463-7", "Lichaamsgewicht", weight, "kg"),
        observation("4548-4", "HbA1c", 61.0, "mmol/mol"),
        json!({ "resource": {
            "resourceType": "MedicationStatement", "status": "active",
            "medicationCodeableConcept": { "text": "Metformine 500 mg tablet" },
            "subject": { "reference": "Patient/vries" } } }),
    ];
    json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }).to_string()
}

fn organisation(client: &KringClient, name: &str) -> OrganisationId {
    client.directory().unwrap().organisations.iter().find(|o| o.name == name).unwrap().id
}

fn practice(client: &KringClient) -> OrganisationId {
    organisation(client, "Huisartsenpraktijk De Linde")
}

/// The GP with the practice vault, the patient imported and consent recorded.
async fn practice_with_patient(region: &TestRegion) -> (KringClient, PatientId) {
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    gp.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    gp.import_extraction(practice(&gp), bundle(81.0).into_bytes(), |_| {}).await.unwrap();
    let patient = gp.search_patients("vries", 1).unwrap().remove(0).id;
    gp.record_consent(patient, ConsentGiver::Patient).await.unwrap();
    (gp, patient)
}

fn form(patient_id: PatientId, organisation_id: OrganisationId, reason: &str) -> ReferralForm {
    ReferralForm {
        patient_id,
        organisation_id,
        team_id: None,
        reason: reason.into(),
        suspected_disorder: None,
        remarks: String::new(),
        phone: None,
        on_behalf_of: None,
    }
}

async fn logged_in(region: &TestRegion, username: &str) -> KringClient {
    let client = region.login(username).await;
    client.sync_now().await.unwrap();
    client
}

#[tokio::test]
async fn ref_1_ref_3_gp_refers_to_home_care_and_the_nurse_opens_exactly_the_permitted_data_takes_it_and_reports_back() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let home_care = organisation(&gp, "Thuiszorg Hof van Delft");

    let options = gp.referral_options(patient).unwrap();
    let target = options.targets.iter().find(|t| t.organisation_id == home_care).expect("home care has a matrix row");
    assert!(target.categories.contains(&DataCategory::BloodPressure) && !target.categories.contains(&DataCategory::Medication));
    assert!(options
        .targets
        .iter()
        .all(|t| t.kind != OrganisationKind::NeighbourhoodTeam && t.kind != OrganisationKind::CareGroup));

    let empty = gp.refer(form(patient, home_care, "  "), Vec::new()).await;
    assert!(matches!(empty, Err(ClientError::Referral(ReferralError::ReasonRequired))), "{empty:?}");
    let care_group = gp.refer(form(patient, organisation(&gp, "Zorggroep Delfland"), "Ketenzorg"), Vec::new()).await;
    assert!(matches!(care_group, Err(ClientError::Referral(ReferralError::NoMatrixEntry))), "{care_group:?}");
    let nowhere = gp.refer(form(patient, OrganisationId::new(), "Wondzorg"), Vec::new()).await;
    assert!(matches!(nowhere, Err(ClientError::Referral(ReferralError::UnknownOrganisation))), "{nowhere:?}");
    let itself = gp.refer(form(patient, practice(&gp), "Wondzorg"), Vec::new()).await;
    assert!(matches!(itself, Err(ClientError::Referral(ReferralError::UnknownOrganisation))), "{itself:?}");
    let id = gp.refer(form(patient, home_care, "Wondzorg na val, graag controle bloeddruk"), Vec::new()).await.unwrap();

    // The district nurse: the referral in her list, the reason, and exactly blood pressure and
    // weight; no HbA1c, no medication.
    let nurse = logged_in(&region, "wijkverpleging").await;
    let list = nurse.referrals().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].direction, list[0].status), (ReferralDirection::Received, ReferralStatus::Sent));
    assert_eq!(list[0].patient_name.as_deref(), Some("de Vries, Jan"));
    assert_eq!(nurse.unread_referrals().unwrap(), 1, "waiting to be taken");
    let view = nurse.open_referral(id).await.unwrap();
    assert_eq!(view.reason, "Wondzorg na val, graag controle bloeddruk");
    let codes: Vec<&str> = view.series.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert!(codes.contains(&"http://loinc.org|8480-6") && codes.contains(&"http://loinc.org|29463-7"));
    assert!(view.medication.is_empty() && !view.trimmed);
    assert_eq!(view.actions, vec![ReferralAction::Take, ReferralAction::Decline]);

    // What the server holds, referrals and their conversation alike: no reason, no value, no
    // name in plaintext (strings long enough not to turn up by chance in base64 or ids).
    let mut raw = String::new();
    for kind in [EntityKind::Referral, EntityKind::Conversation, EntityKind::Message, EntityKind::Patient] {
        let stored = region.server().state.store().entities_of_kind(kind).await.unwrap();
        raw.push_str(&serde_json::to_string(&stored).unwrap());
    }
    assert!(raw.contains("\"referral\""), "the conversation names its referral");
    for secret in ["Wondzorg na val", "Systolische", "Lichaamsgewicht", "de Vries", "999911120", "Metformine"] {
        assert!(!raw.contains(secret), "{secret} reached the server in plaintext");
    }

    // She takes it and joins the care network; her colleague cannot take it any more.
    nurse.take_referral(id).await.unwrap();
    let network = nurse.care_network(patient).unwrap();
    let her = network.iter().find(|m| m.user_id == nurse.me().user_id).expect("in the care network");
    assert_eq!(her.joined_via, NetworkJoin::Referral);
    let colleague = logged_in(&region, "verzorgende").await;
    let second = colleague.take_referral(id).await;
    assert!(matches!(second, Err(ClientError::Referral(ReferralError::AlreadyTaken))), "{second:?}");
    assert_eq!(colleague.referral_view(id).unwrap().summary.taken_by.as_deref(), Some("Fatima el Amrani"));

    // She adds the colleague to the care network at once (NET-2), and can take that back.
    nurse.add_to_care_network(patient, &[colleague.me().user_id]).await.unwrap();
    let added = nurse.care_network(patient).unwrap();
    let joost = added.iter().find(|m| m.user_id == colleague.me().user_id).expect("added");
    assert_eq!((joost.joined_via, joost.added_by.as_str(), joost.removable), (NetworkJoin::Manual, "Fatima el Amrani", true));
    nurse.leave_care_network(patient, colleague.me().user_id).await.unwrap();
    assert!(nurse.care_network(patient).unwrap().iter().all(|m| m.user_id != colleague.me().user_id));
    // Out of the network, he adds nobody (not even himself back), through the client or past it.
    colleague.sync_now().await.unwrap();
    assert!(!colleague.may_add_to_care_network(patient).unwrap() && nurse.may_add_to_care_network(patient).unwrap());
    let himself = colleague.join_care_network(patient, colleague.me().user_id).await;
    assert!(matches!(himself, Err(ClientError::NotInCareNetwork)), "{himself:?}");
    let raw = kring_tests::RawApi::login(&region, "verzorgende").await;
    let join = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::JoinCareNetwork { patient_id: patient, user_id: colleague.me().user_id },
    };
    let outcome: MutationOutcome = raw.post("v1/mutations", &join).await.json().await.unwrap();
    assert!(matches!(outcome, MutationOutcome::Rejected { code: ErrorCode::Forbidden, .. }), "{outcome:?}");

    // Feedback, twice; the practice reads it in the referral's conversation and closes.
    let empty = nurse.referral_feedback(id, " ", Vec::new()).await;
    assert!(matches!(empty, Err(ClientError::Referral(ReferralError::FeedbackEmpty))));
    nurse.referral_feedback(id, "Wond schoon, bloeddruk 135/85.", Vec::new()).await.unwrap();
    nurse.referral_feedback(id, "Wond genezen.", Vec::new()).await.unwrap();
    gp.sync_now().await.unwrap();
    let sent = gp.referral_view(id).unwrap();
    assert_eq!(sent.summary.status, ReferralStatus::FeedbackGiven);
    assert_eq!(sent.actions, vec![ReferralAction::Close]);
    let messages: Vec<String> =
        gp.conversation_view(sent.summary.conversation_id).unwrap().messages.into_iter().filter_map(|m| m.text).collect();
    assert!(messages.iter().any(|text| text == "Wond genezen."), "{messages:?}");
    // The referral itself shows them too (REF-3): the practice reads the feedback where it refers.
    assert!(sent.messages.iter().any(|m| m.text.as_deref() == Some("Wond schoon, bloeddruk 135/85.")));
    gp.close_referral(id).await.unwrap();
    assert!(matches!(nurse.referral_feedback(id, "nog iets", Vec::new()).await, Err(ClientError::Referral(_))));

    // Every step on the patient's timeline, with who.
    let timeline = gp.open_patient(patient).await.unwrap().timeline;
    let steps: Vec<TimelineKind> = timeline.iter().map(|e| e.kind).filter(|k| format!("{k:?}").starts_with("Referral")).collect();
    for kind in
        [TimelineKind::ReferralSent, TimelineKind::ReferralTaken, TimelineKind::ReferralFeedback, TimelineKind::ReferralClosed]
    {
        assert!(steps.contains(&kind), "{kind:?} in {steps:?}");
    }
    assert!(timeline.iter().any(|e| e.kind == TimelineKind::ReferralTaken && e.detail.contains("Fatima el Amrani")));
}

#[tokio::test]
async fn ref_3_of_two_caregivers_taking_a_referral_at_the_same_moment_exactly_one_wins() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let id =
        gp.refer(form(patient, organisation(&gp, "Thuiszorg Hof van Delft"), "Insulinetoediening"), Vec::new()).await.unwrap();
    let (nurse, colleague) = (logged_in(&region, "wijkverpleging").await, logged_in(&region, "verzorgende").await);
    let (first, second) = tokio::join!(nurse.take_referral(id), colleague.take_referral(id));
    let won = [&first, &second].iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(won, 1, "{first:?} {second:?}");
    let lost = if first.is_err() { first } else { second };
    assert!(matches!(lost, Err(ClientError::Referral(ReferralError::AlreadyTaken))), "{lost:?}");
    gp.sync_now().await.unwrap();
    let entry = gp.referral_view(id).unwrap();
    assert_eq!(entry.history.iter().filter(|e| e.step == ReferralStep::Taken).count(), 1);
}

#[tokio::test]
async fn ref_1_the_practice_withdraws_before_acceptance_and_the_receiver_declines_with_a_reason() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let home_care = organisation(&gp, "Thuiszorg Hof van Delft");
    let withdrawn = gp.refer(form(patient, home_care, "Per abuis"), Vec::new()).await.unwrap();
    gp.withdraw_referral(withdrawn).await.unwrap();
    let nurse = logged_in(&region, "wijkverpleging").await;
    assert!(matches!(nurse.take_referral(withdrawn).await, Err(ClientError::Referral(ReferralError::NotOpen))));

    let declined = gp.refer(form(patient, home_care, "Steunkousen aantrekken"), Vec::new()).await.unwrap();
    nurse.sync_now().await.unwrap();
    assert!(matches!(
        nurse.decline_referral(declined, "").await,
        Err(ClientError::Referral(ReferralError::DeclineReasonRequired))
    ));
    nurse.decline_referral(declined, "Geen capaciteit in deze wijk").await.unwrap();
    gp.sync_now().await.unwrap();
    let view = gp.referral_view(declined).unwrap();
    assert_eq!(view.summary.status, ReferralStatus::Declined);
    let texts: Vec<String> =
        gp.conversation_view(view.summary.conversation_id).unwrap().messages.into_iter().filter_map(|m| m.text).collect();
    assert!(texts.iter().any(|t| t.contains("Geen capaciteit")), "{texts:?}");

    // Taken referrals cannot be withdrawn.
    let taken = gp.refer(form(patient, home_care, "Wondzorg"), Vec::new()).await.unwrap();
    nurse.sync_now().await.unwrap();
    nurse.take_referral(taken).await.unwrap();
    gp.sync_now().await.unwrap();
    assert!(matches!(gp.withdraw_referral(taken).await, Err(ClientError::Referral(ReferralError::WithdrawAfterTaken))));

    // The server holds the same rules for a client that does not check first: the practice
    // withdrawing what was taken, a second caregiver taking it, a practice user taking it.
    let step = |step: ReferralStep| kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::ReferralStep { referral_id: taken, step },
    };
    let rejected = |outcome: MutationOutcome| match outcome {
        MutationOutcome::Rejected { code, message } => (code, message),
        other => panic!("{other:?}"),
    };
    let raw_gp = kring_tests::RawApi::login(&region, "huisarts").await;
    let (code, message) = rejected(raw_gp.post("v1/mutations", &step(ReferralStep::Withdrawn)).await.json().await.unwrap());
    assert_eq!((code, message.as_str()), (ErrorCode::InvalidRequest, "invalid request: referral_withdraw_after_taken"));
    let raw_colleague = kring_tests::RawApi::login(&region, "verzorgende").await;
    let (code, message) = rejected(raw_colleague.post("v1/mutations", &step(ReferralStep::Taken)).await.json().await.unwrap());
    assert_eq!((code, message.as_str()), (ErrorCode::InvalidRequest, "invalid request: referral_already_taken"));
    let raw_assistant = kring_tests::RawApi::login(&region, "assistent").await;
    let (code, _) = rejected(raw_assistant.post("v1/mutations", &step(ReferralStep::Feedback)).await.json().await.unwrap());
    assert_eq!(code, ErrorCode::Forbidden, "a receiver's step by the practice");

    // Content is taken only signed by the one who sealed it: anyone with the referral's public
    // key could seal some, so a refresh with a signature that does not fit is refused.
    let entry = match region.server().state.store().entity(EntityKind::Referral, declined).await.unwrap() {
        Some(ChangeBody::Referral(entry)) => entry,
        other => panic!("{other:?}"),
    };
    let open = gp.refer(form(patient, home_care, "Nog open"), Vec::new()).await.unwrap();
    let open_entry = match region.server().state.store().entity(EntityKind::Referral, open).await.unwrap() {
        Some(ChangeBody::Referral(entry)) => entry,
        other => panic!("{other:?}"),
    };
    let forged = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::UpdateReferral {
            referral_id: open,
            content: open_entry.content.clone(),
            members: open_entry.members.clone(),
            seen_steps: open_entry.history.len(),
            // Another referral's signature: right key, wrong referral.
            content_signature: entry.content_signature.clone(),
        },
    };
    let (code, message) = rejected(raw_gp.post("v1/mutations", &forged).await.json().await.unwrap());
    assert_eq!(code, ErrorCode::InvalidRequest);
    assert!(message.contains("not signed"), "{message}");
}

#[tokio::test]
async fn ref_2_the_server_takes_no_category_outside_the_matrix_and_the_matrix_grows_only_by_the_operator_s_approval() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let home_care = organisation(&gp, "Thuiszorg Hof van Delft");
    let id = gp.refer(form(patient, home_care, "Wondzorg"), Vec::new()).await.unwrap();

    // A client that seals more than the matrix allows is refused by the server.
    let entry = match region.server().state.store().entity(EntityKind::Referral, id).await.unwrap() {
        Some(ChangeBody::Referral(entry)) => entry,
        other => panic!("{other:?}"),
    };
    let raw = kring_tests::RawApi::login(&region, "huisarts").await;
    let widened = kring_protocol::referrals::NewReferral {
        id: uuid::Uuid::now_v7(),
        patient_id: patient,
        to_organisation: home_care,
        to_team: None,
        ggz: false,
        on_behalf_of: None,
        categories: vec![DataCategory::BloodPressure, DataCategory::Medication],
        matrix_version: 1,
        public_key: entry.public_key.clone(),
        practice_key: entry.practice_key.clone(),
        members: entry.members.clone(),
        content: entry.content.clone(),
        content_signature: entry.content_signature.clone(),
    };
    // (The conversation part is never reached: the categories are checked first.)
    let as_ggz = kring_protocol::referrals::NewReferral {
        id: uuid::Uuid::now_v7(),
        ggz: true,
        categories: vec![DataCategory::BloodPressure],
        ..widened.clone()
    };
    let refer = |referral: kring_protocol::referrals::NewReferral| kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::Refer {
            referral: Box::new(referral),
            conversation_id: kring_domain::ConversationId::new(),
            title: "eA".into(),
            participants: Vec::new(),
            first_message: kring_protocol::conversations::NewMessage {
                id: uuid::Uuid::now_v7(),
                epoch: 0,
                body: "eA".into(),
                signature: "eA".into(),
                attachments: Vec::new(),
            },
            inboxes: Vec::new(),
        },
    };
    let outcome: MutationOutcome = raw.post("v1/mutations", &refer(widened)).await.json().await.unwrap();
    assert!(
        matches!(&outcome, MutationOutcome::Rejected { code: ErrorCode::InvalidRequest, message } if message.contains("matrix")),
        "{outcome:?}"
    );
    // Whether a referral is a GGZ one (a letter, on whose behalf) follows from where it goes.
    let not_ggz = kring_protocol::referrals::NewReferral {
        id: uuid::Uuid::now_v7(),
        to_organisation: organisation(&gp, "GGZ Delfland"),
        ggz: false,
        ..as_ggz.clone()
    };
    for wrong in [as_ggz, not_ggz] {
        let outcome: MutationOutcome = raw.post("v1/mutations", &refer(wrong)).await.json().await.unwrap();
        assert!(
            matches!(&outcome, MutationOutcome::Rejected { code: ErrorCode::InvalidRequest, message } if message.contains("GGZ")),
            "{outcome:?}"
        );
    }

    // The nurse asks for medication; only the region operator decides, and then the matrix has
    // a version 2 that says who approved it.
    let nurse = logged_in(&region, "wijkverpleging").await;
    let request = nurse
        .request_matrix_extension(OrganisationKind::HomeCare, DataCategory::Medication, "Medicatierol bij toediening")
        .await
        .unwrap();
    let again =
        nurse.request_matrix_extension(OrganisationKind::HomeCare, DataCategory::Medication, "Nog een keer gevraagd").await;
    assert!(matches!(again, Err(ClientError::Referral(ReferralError::AlreadyRequested))), "asked once: {again:?}");
    let refused = nurse.decide_matrix_request(request, true).await;
    assert!(matches!(refused, Err(ClientError::Refused { code: ErrorCode::Forbidden, .. })), "{refused:?}");
    let operator = logged_in(&region, "regiobeheer").await;
    let view = operator.matrix_view().unwrap();
    assert!(view.can_decide && view.requests.len() == 1 && view.requests[0].approved.is_none());
    operator.decide_matrix_request(request, true).await.unwrap();
    gp.sync_now().await.unwrap();
    let matrix = gp.matrix_view().unwrap();
    assert_eq!((matrix.matrix.version, matrix.changed_by.as_deref()), (2, Some("Ruud Hermans")));
    assert_eq!(matrix.requests[0].version, Some(2));

    // A referral made now carries the medication.
    let id = gp.refer(form(patient, home_care, "Medicatie toedienen"), Vec::new()).await.unwrap();
    nurse.sync_now().await.unwrap();
    let view = nurse.open_referral(id).await.unwrap();
    assert_eq!(view.medication.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), vec!["Metformine 500 mg tablet"]);
}

#[tokio::test]
async fn ref_2_a_new_extraction_refreshes_the_data_of_open_referrals() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let id = gp
        .refer(form(patient, organisation(&gp, "Thuiszorg Hof van Delft"), "Gewichtsverlies volgen"), Vec::new())
        .await
        .unwrap();
    region.clock.advance(time::Duration::hours(1));
    gp.import_extraction(practice(&gp), bundle(77.5).into_bytes(), |_| {}).await.unwrap();

    let nurse = logged_in(&region, "wijkverpleging").await;
    let view = nurse.open_referral(id).await.unwrap();
    let weight = view.series.iter().find(|s| s.code == "http://loinc.org|29463-7").expect("weight");
    assert_eq!(weight.points.iter().map(|p| p.value).collect::<Vec<_>>(), vec![77.5], "the new extraction's weight");
    assert!(view.history.iter().any(|e| e.step == ReferralStep::DataUpdated));
    assert_eq!(gp.maintain_referrals().await.unwrap(), 0, "nothing left to refresh");
}

#[tokio::test]
async fn ref_4_a_poh_ggz_refers_to_the_ggz_provider_on_behalf_of_a_gp_with_the_phone_number() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let poh = logged_in(&region, "pohggz").await;
    poh.maintain_practice_keys().await.unwrap();
    gp.maintain_practice_keys().await.unwrap();
    poh.sync_now().await.unwrap();
    let ggz = organisation(&poh, "GGZ Delfland");
    let options = poh.referral_options(patient).unwrap();
    assert!(options.on_behalf_required && options.phone.is_none());
    assert_eq!(options.gps.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), vec!["Anne de Vries"]);

    let mut referral = form(patient, ggz, "Somberheid sinds een half jaar, slaapproblemen");
    referral.suspected_disorder = Some(SuspectedDisorder::Depressive);
    let without_gp = poh.refer(referral.clone(), Vec::new()).await;
    assert!(matches!(without_gp, Err(ClientError::Referral(ReferralError::OnBehalfOfRequired))), "{without_gp:?}");
    referral.on_behalf_of = Some(gp.me().user_id);
    referral.phone = Some("06-1234".into());
    assert!(matches!(poh.refer(referral.clone(), Vec::new()).await, Err(ClientError::Referral(ReferralError::InvalidPhone))));
    referral.phone = Some("06-12345678".into());
    let id = poh.refer(referral, Vec::new()).await.unwrap();

    let intake = logged_in(&region, "ggzintake").await;
    let view = intake.open_referral(id).await.unwrap();
    assert!(view.summary.ggz);
    assert_eq!(view.on_behalf_of.as_deref(), Some("Anne de Vries"));
    assert_eq!((view.phone.as_deref(), view.suspected_disorder), (Some("06-12345678"), Some(SuspectedDisorder::Depressive)));
    assert_eq!(view.medication.len(), 1, "the GGZ provider's row has medication");
    assert!(view.series.iter().all(|s| s.code != "http://loinc.org|4548-4"), "no HbA1c for the GGZ provider");

    // The letter went along as a real PDF: what poppler reads from it is the letter.
    let letter = view.letter.expect("a GGZ referral has a letter");
    let file = view.letter_file.expect("its PDF is in the conversation");
    let pdf = intake.attachment(view.summary.conversation_id, file.message_id, file.attachment_id).await.unwrap();
    assert_eq!(pdf.name, kring_client::referrals::LETTER_FILE);
    let text = pdf_text(&pdf.bytes);
    for expected in [
        "Verwijsbrief aan GGZ Delfland",
        "J. de Vries",
        "BSN 999911120",
        "Telefoon 06-12345678",
        "Mehmet Yılmaz, POH-GGZ medewerker",
        "Namens Anne de Vries, Huisarts",
        "Somberheid sinds een half jaar, slaapproblemen",
        "Vermoeden: Depressieve stoornis",
        "Metformine 500 mg tablet",
        "Systolische bloeddruk: 142 mmHg",
    ] {
        assert!(text.contains(expected), "{expected:?} not in the PDF's text:\n{text}");
    }
    assert!(!text.contains("HbA1c"), "outside the matrix, so not in the letter");
    assert_eq!(letter.title, "Verwijsbrief aan GGZ Delfland");

    // The GP on whose behalf it went follows the referral's conversation: the letter's PDF too.
    gp.sync_now().await.unwrap();
    assert!(gp.referral_view(id).unwrap().letter_file.is_some(), "the GP takes part in the conversation");

    // Nobody outside the practice and the GGZ provider joins that conversation (the letter holds
    // what the GGZ provider's row allows): the intake cannot add the district nurse, neither
    // through the client nor past it.
    let nurse = logged_in(&region, "wijkverpleging").await;
    let nurse_id = nurse.me().user_id;
    let outside = intake.add_participants(view.summary.conversation_id, &[(nurse_id, ParticipantKind::Caregiver)]).await;
    assert!(matches!(outside, Err(ClientError::Referral(ReferralError::OutsideParticipant))), "{outside:?}");
    let raw = kring_tests::RawApi::login(&region, "ggzintake").await;
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::AddParticipants {
            conversation_id: view.summary.conversation_id,
            participants: vec![kring_protocol::conversations::NewParticipant {
                user_id: nurse_id,
                kind: ParticipantKind::Caregiver,
                via_inbox: None,
                keys: vec!["eA".into()],
            }],
        },
    };
    let outcome: MutationOutcome = raw.post("v1/mutations", &request).await.json().await.unwrap();
    assert!(
        matches!(&outcome, MutationOutcome::Rejected { message, .. } if message.contains("referral_outside_participant")),
        "{outcome:?}"
    );
}

/// The text poppler's `pdftotext` reads from a PDF (layout kept, so a line stays a line).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by make test)");
    assert!(output.status.success(), "pdftotext: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn ref_4_the_letter_preview_is_what_the_form_makes_and_a_long_letter_runs_onto_more_pages() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let ggz = organisation(&gp, "GGZ Delfland");
    let mut draft = form(patient, ggz, "");
    let empty = gp.referral_letter(&draft).unwrap();
    assert!(empty.to_text().contains("Niet ingevuld."), "the preview before anything is typed");
    draft.reason = "Angstklachten. ".repeat(400);
    draft.suspected_disorder = Some(SuspectedDisorder::Anxiety);
    let preview = gp.referral_letter(&draft).unwrap();
    assert!(preview.to_text().contains("Vermoeden: Angststoornis"));
    let pdf = kring_client::letter_pdf::letter_pdf(&preview).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8(info.stdout).unwrap();
    let pages: u32 = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|p| p.trim().parse().unwrap()).unwrap();
    assert!(pages >= 2, "{info}");
    assert!(info.contains("Title:") && info.contains("Verwijsbrief aan GGZ Delfland"), "{info}");
    assert!(pdf_text(&pdf).matches("Angstklachten.").count() == 400, "no word lost across pages");
}
