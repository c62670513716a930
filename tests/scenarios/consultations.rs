//! Consultations (CONS-1 … CONS-5): the specialist groups a practice can ask, asking one,
//! pickup by exactly one specialist, answer, declaration, the practice's timeline without the
//! content, and the reminder and the automatic closing as durable jobs on the server's clock.

use kring_client::consultations::ConsultationForm;
use kring_client::{ClientError, KringClient};
use kring_domain::consultation::{CareStreet, ConsultationError, ConsultationStatus, DeadlineKind};
use kring_domain::{Clock, ConsentGiver, OrganisationId, PatientId, TeamId};
use kring_protocol::{EntityKind, ErrorCode, MutationOutcome};
use kring_tests::TestRegion;
use serde_json::json;

const SUBJECT: &str = "Somberheid na verlies";
const QUESTION: &str = "Mevrouw slaapt slecht sinds het overlijden van haar man; graag advies over medicatie.";
const ANSWER: &str = "Start met slaaphygiëne en overweeg mirtazapine 15 mg a.n.";

fn bundle() -> String {
    json!({ "resourceType": "Bundle", "type": "collection", "entry": [{ "resource": {
        "resourceType": "Patient", "id": "vries",
        "identifier": [{ "system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "999911120" }],
        "name": [{ "use": "official", "family": "de Vries", "given": ["Jan"] }],
        "gender": "male", "birthDate": "1950-03-04" } }] })
    .to_string()
}

async fn logged_in(region: &TestRegion, username: &str) -> KringClient {
    let client = region.login(username).await;
    client.sync_now().await.unwrap();
    client
}

fn practice(client: &KringClient) -> OrganisationId {
    client.directory().unwrap().organisations.iter().find(|o| o.name == "Huisartsenpraktijk De Linde").unwrap().id
}

/// The GP with the practice vault, a patient and consent; the POH-GGZ with the vault key.
async fn practice_with_patient(region: &TestRegion) -> (KringClient, KringClient, PatientId) {
    let gp = logged_in(region, "huisarts").await;
    gp.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    gp.import_extraction(practice(&gp), bundle().into_bytes(), |_| {}).await.unwrap();
    let patient = gp.search_patients("vries", 1).unwrap().remove(0).id;
    gp.record_consent(patient, ConsentGiver::Patient).await.unwrap();
    let poh = logged_in(region, "pohggz").await;
    gp.maintain_practice_keys().await.unwrap();
    poh.sync_now().await.unwrap();
    (gp, poh, patient)
}

fn line(client: &KringClient) -> TeamId {
    client.consultation_groups().unwrap().remove(0).team_id
}

fn form(patient_id: PatientId, group: TeamId) -> ConsultationForm {
    ConsultationForm { patient_id, group, specialist: None, subject: SUBJECT.into(), question: QUESTION.into() }
}

#[tokio::test]
async fn cons_1_the_practice_sees_the_psychiatric_consultation_line_with_its_agreement_and_services() {
    let region = TestRegion::start().await;
    let gp = logged_in(&region, "huisarts").await;
    let groups = gp.consultation_groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let line = &groups[0];
    assert_eq!(
        (line.name.as_str(), line.organisation.as_str(), line.care_street),
        ("Psychiatrische Consultatielijn voor huisartsen", "GGZ Delfland", CareStreet::Ggz)
    );
    let names: Vec<&str> = line.specialists.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Lisa Jansen", "Tom Verbeek"], "the consultatiegevers, not the intake");
    assert_eq!((line.answer_hours, line.reminder_hours, line.closing_hours), (24, 48, 96));
    let codes: Vec<&str> = line.services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["PCH-K", "PCH-U"]);
}

#[tokio::test]
async fn cons_1_to_cons_4_the_poh_asks_the_group_one_psychiatrist_picks_up_answers_and_declares_the_other_drops_out() {
    let region = TestRegion::start().await;
    let (gp, poh, patient) = practice_with_patient(&region).await;
    let group = line(&poh);

    // The subject is checked before anything goes out (CONS-1).
    let long = ConsultationForm { subject: "Somberheid na verlies van partner".into(), ..form(patient, group) };
    let refused = poh.ask_consultation(long, Vec::new()).await;
    assert!(matches!(refused, Err(ClientError::Consultation(ConsultationError::SubjectTooLong))), "{refused:?}");
    let id = poh.ask_consultation(form(patient, group), Vec::new()).await.unwrap();
    let asked = poh.consultations().unwrap();
    assert_eq!(asked.len(), 1);
    assert_eq!((asked[0].subject.as_deref(), asked[0].status), (Some(SUBJECT), ConsultationStatus::New));
    let deadline = asked[0].deadline.clone().unwrap();
    assert_eq!(deadline.kind, DeadlineKind::Answer);

    // Both psychiatrists read the question; both may pick it up.
    let (lisa, tom) = (logged_in(&region, "psychiater").await, logged_in(&region, "psychiater2").await);
    for specialist in [&lisa, &tom] {
        let list = specialist.consultations().unwrap();
        assert_eq!(list.len(), 1, "the group's specialists see it");
        assert!(list[0].may_pick_up && list[0].subject.as_deref() == Some(SUBJECT));
        let view = specialist.open_conversation(list[0].conversation_id).await.unwrap();
        assert_eq!(view.messages[0].text.as_deref(), Some(QUESTION));
    }

    // Exactly one of two picking up at the same moment wins; the other is told it was taken.
    let (first, second) = tokio::join!(lisa.pick_up_consultation(id), tom.pick_up_consultation(id));
    assert_eq!([&first, &second].iter().filter(|outcome| outcome.is_ok()).count(), 1, "{first:?} {second:?}");
    let (winner, loser, lost) = if first.is_ok() { (&lisa, &tom, second) } else { (&tom, &lisa, first) };
    assert!(matches!(lost, Err(ClientError::Consultation(ConsultationError::AlreadyPickedUp))), "{lost:?}");
    loser.sync_now().await.unwrap();
    assert!(loser.consultations().unwrap().is_empty(), "the other specialist no longer sees it");
    let winner_name = winner.me().display_name.clone();
    assert_eq!(loser.consultation(id).unwrap().picked_up_by, Some(winner_name), "the other is told who picked it up");

    // The answer goes under a key epoch the other specialist never holds.
    winner.sync_now().await.unwrap();
    let conversation_id = winner.consultation(id).unwrap().conversation_id;
    winner.send_message(conversation_id, ANSWER).await.unwrap();
    winner.declare_consultation(id, "PCH-K").await.unwrap();
    let unknown = winner.declare_consultation(id, "XYZ").await;
    assert!(matches!(unknown, Err(ClientError::Consultation(ConsultationError::UnknownService))), "{unknown:?}");
    let stored = region.server().state.store().entity(EntityKind::Conversation, conversation_id.0).await.unwrap();
    let Some(kring_protocol::ChangeBody::Conversation(conversation)) = stored else { panic!("no conversation") };
    let newest = conversation.epochs.last().unwrap();
    let holders: Vec<_> = newest.holders().collect();
    assert_eq!(holders.len(), 2, "the asker and the one who picked it up");
    assert!(!holders.contains(&loser.me().user_id));

    // The POH sees the answer and the declaration.
    poh.sync_now().await.unwrap();
    let seen = poh.consultation(id).unwrap();
    assert_eq!(seen.status, ConsultationStatus::Answered);
    assert_eq!(seen.declarations.len(), 1);
    assert_eq!(seen.declarations[0].code, "PCH-K");
    assert_eq!(seen.deadline, None, "an answered consultation waits for nothing");
    let texts: Vec<String> =
        poh.open_conversation(conversation_id).await.unwrap().messages.into_iter().filter_map(|m| m.text).collect();
    assert!(texts.iter().any(|t| t == ANSWER), "{texts:?}");
    // Back to the HIS as MEDVRI with its group and declaration (CHAT-6, CONS-4).
    let dir = tempfile::tempdir().unwrap();
    let folder = kring_client::his_return::FolderDrop { dir: dir.path().to_owned() };
    let receipt = poh.return_to_his(conversation_id, "500012345@lms.lifeline.nl", "", &folder).await.unwrap();
    let bytes = std::fs::read(dir.path().join(format!("{}.edi", receipt.reference))).unwrap();
    let medvri: String = bytes.iter().map(|b| char::from(*b)).collect();
    // (MEDVRI text lines are at most 70 characters: longer ones continue on the next.)
    assert!(medvri.contains("Consultatie bij?: Psychiatrische Consultatielijn voor huisartsen"), "{medvri}");
    assert!(medvri.contains("Status?: Beantwoord"), "{medvri}");
    assert!(medvri.contains("Verrichting?: PCH-K Consultatie psychiater, kort advies"), "{medvri}");
    assert!(medvri.contains("mirtazapine"), "the answer goes to the practice's own record: {medvri}");

    // CONS-3: the GP sees subject, group and status on the timeline, but cannot open it.
    gp.sync_now().await.unwrap();
    assert!(gp.consultations().unwrap().is_empty(), "not in the GP's C tab");
    let timeline = gp.patient_consultations(patient).unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].subject.as_deref(), Some(SUBJECT), "through the practice vault");
    assert_eq!(timeline[0].group, "Psychiatrische Consultatielijn voor huisartsen");
    assert_eq!(timeline[0].status, ConsultationStatus::Answered);
    assert!(!timeline[0].can_open);

    // Only the asker closes it.
    let refused = region_step(&region, "psychiater2", id).await;
    assert!(matches!(refused, MutationOutcome::Rejected { code: ErrorCode::Forbidden, .. }), "{refused:?}");
    poh.close_consultation(id).await.unwrap();
    assert_eq!(poh.consultation(id).unwrap().status, ConsultationStatus::Closed);

    // The server's database holds no subject, question or answer in plaintext.
    // (The SQLite file and its write-ahead log, byte for byte.)
    let database = region.database_path();
    let mut raw = std::fs::read(&database).unwrap();
    raw.extend(std::fs::read(database.with_extension("db-wal")).unwrap_or_default());
    raw.extend(std::fs::read(format!("{}-wal", database.display())).unwrap_or_default());
    let raw = String::from_utf8_lossy(&raw);
    for secret in [SUBJECT, "overlijden van haar man", "mirtazapine"] {
        assert!(!raw.contains(secret), "{secret} is in the server's database in plaintext");
    }
}

/// A closing step from someone who did not ask, straight to the API.
async fn region_step(region: &TestRegion, username: &str, id: uuid::Uuid) -> MutationOutcome {
    let api = kring_tests::RawApi::login(region, username).await;
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::ConsultationStep {
            consultation_id: id,
            step: kring_domain::consultation::ConsultationStep::Closed,
        },
    };
    api.post("v1/mutations", &request).await.json().await.unwrap()
}

#[tokio::test]
async fn cons_2_a_named_specialist_has_it_picked_up_at_once_and_the_group_s_other_psychiatrist_never_sees_it() {
    let region = TestRegion::start().await;
    let (gp, _poh, patient) = practice_with_patient(&region).await;
    let group = gp.consultation_groups().unwrap().remove(0);
    let lisa_id = group.specialists.iter().find(|p| p.name == "Lisa Jansen").unwrap().user_id;
    let id = gp
        .ask_consultation(ConsultationForm { specialist: Some(lisa_id), ..form(patient, group.team_id) }, Vec::new())
        .await
        .unwrap();
    let lisa = logged_in(&region, "psychiater").await;
    let seen = lisa.consultation(id).unwrap();
    assert_eq!((seen.status, seen.picked_up_by.as_deref()), (ConsultationStatus::PickedUp, Some("Lisa Jansen")));
    assert!(seen.may_answer && !seen.may_pick_up);
    let tom = logged_in(&region, "psychiater2").await;
    assert!(tom.consultations().unwrap().is_empty());
    // Nobody is added to a consultation's conversation afterwards.
    let api = kring_tests::RawApi::login(&region, "huisarts").await;
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::AddParticipants { conversation_id: seen.conversation_id, participants: Vec::new() },
    };
    let outcome: MutationOutcome = api.post("v1/mutations", &request).await.json().await.unwrap();
    assert!(matches!(outcome, MutationOutcome::Rejected { code: ErrorCode::InvalidRequest, .. }), "{outcome:?}");
}

#[tokio::test]
async fn cons_5_without_an_answer_everyone_taking_part_is_reminded_after_48_business_hours_by_mail_and_it_closes_after_96() {
    let mut region = TestRegion::start().await;
    // Asked on Thursday 24 December 2037 at 10:00: Christmas (Friday and Saturday) and the
    // weekend do not count, so 48 business hours end on Tuesday 29 December at 10:00 and 96 on
    // Thursday 31 December at 10:00 (whole working days, the region's default calendar).
    let asked_at = time::macros::datetime!(2037-12-24 09:00 UTC);
    region.clock.advance(asked_at - region.clock.now());
    let (_gp, poh, patient) = practice_with_patient(&region).await;
    let id = poh.ask_consultation(form(patient, line(&poh)), Vec::new()).await.unwrap();
    // A second one, answered at once: it is not reminded, and closes all the same.
    let answered = poh.ask_consultation(form(patient, line(&poh)), Vec::new()).await.unwrap();
    let lisa = logged_in(&region, "psychiater").await;
    lisa.pick_up_consultation(answered).await.unwrap();
    lisa.send_message(lisa.consultation(answered).unwrap().conversation_id, ANSWER).await.unwrap();
    let reminder = time::macros::datetime!(2037-12-29 09:00 UTC);
    let closing = time::macros::datetime!(2037-12-31 09:00 UTC);

    let mut sink = crate::mail::Sink::start();
    let delivery =
        kring_server::delivery::CodeDelivery { mail: Some(std::sync::Arc::new(crate::mail::relay_to(sink.port))), sms: None };
    let state = region.server().state.clone().with_delivery(delivery.clone());
    region.clock.advance(reminder - region.clock.now() - time::Duration::minutes(1));
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 0, "not a minute before 48 business hours");
    region.clock.advance(time::Duration::minutes(1));
    // Two reminder jobs (one does nothing: answered) and the e-mails of the one reminded.
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 2 + 3);
    // The POH and both psychiatrists: one e-mail each, without a word about patient or question.
    let mails = tokio::task::spawn_blocking(move || {
        let mails = (0..3).map(|_| sink.next_message()).collect::<Vec<_>>();
        (sink, mails)
    });
    let (sink, mails) = mails.await.unwrap();
    let mut to: Vec<String> = mails.iter().map(|m| m["to"][0].as_str().unwrap().to_owned()).collect();
    to.sort();
    assert_eq!(to, ["<pohggz@demo.kring.nl>", "<psychiater2@demo.kring.nl>", "<psychiater@demo.kring.nl>"]);
    for mail in &mails {
        let data = mail["data"].as_str().unwrap();
        assert!(data.contains("Subject: Herinnering: een consultatie wacht op antwoord"), "{data}");
        for secret in ["Somberheid", "Vries", "slaapt", "Mehmet"] {
            assert!(!data.contains(secret), "{secret} in a reminder e-mail");
        }
    }
    // Run again: nothing more (each job ran once).
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 0);
    // (Days later: the morning's session has ended, the POH logs in again.)
    drop(poh);
    let poh = logged_in(&region, "pohggz").await;
    assert!(poh.consultation(id).unwrap().reminded);
    assert!(!poh.consultation(answered).unwrap().reminded, "an answered consultation is not reminded");

    // A restart of the server does not lose the closing jobs.
    region.restart().await;
    let state = region.server().state.clone().with_delivery(delivery);
    region.clock.advance(closing - region.clock.now() - time::Duration::minutes(1));
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 0);
    region.clock.advance(time::Duration::minutes(1));
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 2, "both close");
    drop(poh);
    let poh = logged_in(&region, "pohggz").await;
    for consultation in [id, answered] {
        let closed = poh.consultation(consultation).unwrap();
        assert_eq!(closed.status, ConsultationStatus::Closed);
        assert!(closed.closed_automatically);
    }
    // No second reminder went out.
    crate::mail::assert_nothing_more(sink).await;
}

#[tokio::test]
async fn staff_5_the_care_group_exports_the_declarations_as_csv_and_the_gp_sees_the_dashboard_without_patient_data() {
    let region = TestRegion::start().await;
    let (gp, poh, patient) = practice_with_patient(&region).await;
    let id = poh.ask_consultation(form(patient, line(&poh)), Vec::new()).await.unwrap();
    let lisa = logged_in(&region, "psychiater").await;
    lisa.pick_up_consultation(id).await.unwrap();
    lisa.send_message(lisa.consultation(id).unwrap().conversation_id, ANSWER).await.unwrap();
    lisa.declare_consultation(id, "PCH-U").await.unwrap();

    // The care group's finance employee: Assistent FIN at Zorggroep Delfland, not at the practice.
    let care_group = gp.directory().unwrap().organisations.iter().find(|o| o.name == "Zorggroep Delfland").unwrap().id;
    let spec = kring_server::seed::AccountSpec {
        username: "financien".into(),
        first_name: "Femke".into(),
        last_name: "de Boer".into(),
        agb: None,
        email: kring_domain::Email::parse("financien@zorggroepdelfland.nl").ok(),
        mobile: None,
        code_channel: kring_protocol::CodeChannel::Email,
        contracts: vec![(care_group, None, kring_domain::Role::AssistentFin)],
    };
    region.create_account_outside_the_api(spec).await;
    let finance = logged_in(&region, "financien").await;
    let today = kring_domain::business_time::dutch_time(region.clock.now()).date();
    let period = kring_client::consultation_reports::Period { from: today, until: today };
    let rows = finance.declarations(period).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].practice.as_str(), rows[0].code.as_str(), rows[0].specialist.as_str()),
        ("Huisartsenpraktijk De Linde", "PCH-U", "Lisa Jansen")
    );
    let csv = finance.declarations_csv(period).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Datum;Praktijk;Specialistengroep;Organisatie;Code;Omschrijving;Specialist;Consultatie");
    assert!(lines[1].contains(";PCH-U;Consultatie psychiater, uitgebreid advies;Lisa Jansen;"), "{csv}");
    assert!(lines[1].ends_with(&id.to_string()));
    for secret in [SUBJECT, "Vries", "999911120", "slaapt"] {
        assert!(!csv.contains(secret), "{secret} in the declarations export");
    }
    // Another period holds nothing; a period that ends before it starts is refused.
    let tomorrow = today.next_day().unwrap();
    assert!(finance
        .declarations(kring_client::consultation_reports::Period { from: tomorrow, until: tomorrow })
        .unwrap()
        .is_empty());
    let backwards = finance.declarations(kring_client::consultation_reports::Period { from: tomorrow, until: today });
    assert!(matches!(backwards, Err(ClientError::Consultation(ConsultationError::InvalidPeriod))), "{backwards:?}");
    // The finance employee sees no patient and no consultation content.
    assert!(finance.consultations().unwrap().is_empty());
    assert!(finance.consultation_dashboard().unwrap().is_empty(), "reports are the quality role's");

    // The GP (reports for the practice) sees this month: one sent, picked up, answered within the
    // agreement, declared.
    gp.sync_now().await.unwrap();
    let dashboard = gp.consultation_dashboard().unwrap();
    assert_eq!(dashboard.len(), 1, "{dashboard:?}");
    let row = &dashboard[0];
    assert_eq!(row.group, "Psychiatrische Consultatielijn voor huisartsen");
    assert_eq!((row.sent, row.picked_up, row.answered_within, row.declared), (1, 1, 1, 1));
}

#[tokio::test]
async fn cons_5_a_region_with_office_hours_counts_only_those_on_server_and_client() {
    let region = TestRegion::start().await;
    // The region counts 08:00 to 17:00 on weekdays (its operator set it on the server).
    let office_hours = kring_protocol::consultations::RegionCalendarEntry {
        working_days: vec![1, 2, 3, 4, 5],
        opens: "08:00".into(),
        closes: Some("17:00".into()),
        good_friday_off: false,
        liberation_day: kring_domain::business_time::LiberationDayOff::EveryFifthYear,
    };
    let store = region.server().state.store();
    let wrong = kring_protocol::consultations::RegionCalendarEntry { closes: Some("07:00".into()), ..office_hours.clone() };
    assert!(kring_server::seed::set_business_calendar(store, wrong).await.is_err(), "closing before opening");
    kring_server::seed::set_business_calendar(store, office_hours).await.unwrap();

    // Asked on Thursday 24 December 2037 at 10:00: 7 hours that day, none over Christmas and the
    // weekend, 9 on Monday, 8 on Tuesday: the answer is due Tuesday 29 December at 16:00; the
    // reminder after 48 counted hours comes on Monday 4 January 2038 at 13:00 (New Year's Day and
    // the weekend do not count).
    region.clock.advance(time::macros::datetime!(2037-12-24 09:00 UTC) - region.clock.now());
    let (_gp, poh, patient) = practice_with_patient(&region).await;
    let id = poh.ask_consultation(form(patient, line(&poh)), Vec::new()).await.unwrap();
    let deadline = poh.consultation(id).unwrap().deadline.unwrap();
    assert_eq!((deadline.kind, deadline.words.as_str()), (DeadlineKind::Answer, "di 29 dec 16:00"), "the client's calendar");
    let reminder = time::macros::datetime!(2038-01-04 12:00 UTC);
    let state = region.server().state.clone();
    region.clock.advance(reminder - region.clock.now() - time::Duration::minutes(1));
    kring_server::jobs::run_due(&state).await.unwrap();
    drop(poh);
    let poh = logged_in(&region, "pohggz").await;
    assert!(!poh.consultation(id).unwrap().reminded, "not a minute before 48 office hours");
    region.clock.advance(time::Duration::minutes(1));
    kring_server::jobs::run_due(&state).await.unwrap();
    poh.sync_now().await.unwrap();
    assert!(poh.consultation(id).unwrap().reminded, "the server's jobs run on the region's calendar");
}
