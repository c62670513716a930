//! Conversations (CHAT-1 … CHAT-11) and the care network they feed (NET-1, NET-2): several
//! people's clients against one server, end-to-end encrypted.

use kring_client::conversations::{MessageState, NewConversation};
use kring_client::{ClientError, ClientEvent, KringClient};
use kring_domain::conversation::Away;
use kring_domain::{Absence, ConsentGiver, ConversationId, OrganisationId, ProfileForm, UserId};
use kring_protocol::conversations::{NetworkJoin, ParticipantKind};
use kring_protocol::{ChangeBody, EntityKind, ErrorCode, MutationOutcome};
use kring_server::seed::AccountSpec;
use kring_tests::{wait_for_event, wait_until, TestRegion};

const BUNDLE: &str = include_str!("../../crates/kring-extraction/tests/fixtures/nl-core-bundle.json");

fn user(client: &KringClient, first_name: &str) -> UserId {
    let directory = client.directory().unwrap();
    let mut members =
        directory.organisations.iter().flat_map(|o| o.members.iter().chain(o.teams.iter().flat_map(|t| &t.members)));
    members
        .find(|m| m.name.starts_with(&format!("{first_name} ")))
        .unwrap_or_else(|| panic!("{first_name} in the directory"))
        .user_id
}

fn organisation(client: &KringClient, name: &str) -> OrganisationId {
    client.directory().unwrap().organisations.iter().find(|o| o.name == name).unwrap().id
}

async fn login(region: &TestRegion, username: &str) -> KringClient {
    let client = region.login(username).await;
    client.sync_now().await.unwrap();
    client
}

/// A conversation about a patient (CHAT-1).
fn about(patient: kring_domain::PatientId, title: &str, recipients: Vec<UserId>, text: &str) -> NewConversation {
    NewConversation { patient_id: Some(patient), title: title.into(), recipients, inboxes: Vec::new(), text: text.into() }
}

/// A conversation between caregivers only (CHAT-2).
fn group(title: &str, recipients: Vec<UserId>, text: &str) -> NewConversation {
    NewConversation { patient_id: None, title: title.into(), recipients, inboxes: Vec::new(), text: text.into() }
}

fn texts(client: &KringClient, id: ConversationId) -> Vec<String> {
    client.conversation_view(id).unwrap().messages.into_iter().filter_map(|m| m.text).collect()
}

/// Everything the server holds, as one string, to look for plaintext in.
async fn server_dump(region: &TestRegion) -> String {
    let store = &region.server().state.store();
    let mut all = String::new();
    for kind in [EntityKind::Conversation, EntityKind::Message, EntityKind::Participation] {
        all.push_str(&serde_json::to_string(&store.entities_of_kind(kind).await.unwrap()).unwrap());
    }
    all
}

/// The GP with the practice vault, the demo extraction imported, and Jan Willem de Vries shared
/// with the home-care organisation (consent recorded).
async fn practice_with_shared_patient(region: &TestRegion) -> (KringClient, kring_domain::PatientId) {
    let gp = login(region, "huisarts").await;
    gp.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    let practice =
        gp.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id;
    gp.import_extraction(practice, BUNDLE.as_bytes().to_vec(), |_| {}).await.unwrap();
    let vries = gp.search_patients("vries", 1).unwrap().remove(0);
    gp.record_consent(vries.id, ConsentGiver::Patient).await.unwrap();
    gp.share_patient(vries.id, organisation(&gp, "Thuiszorg Hof van Delft"), true).await.unwrap();
    (gp, vries.id)
}

#[tokio::test]
async fn chat_1_net_2_a_conversation_about_a_patient_joins_its_participants_to_the_care_network() {
    let region = TestRegion::start().await;
    let (gp, vries) = practice_with_shared_patient(&region).await;
    let poh = login(&region, "pohggz").await;
    let nurse = login(&region, "wijkverpleging").await;
    let nurse_live = tokio::spawn(nurse.clone().run_live());

    let id = gp
        .start_conversation(about(
            vries,
            "Medicatie na ontslag",
            vec![user(&gp, "Mehmet"), user(&gp, "Fatima")],
            "Wie kan morgen de medicatie van meneer De Vries controleren?",
        ))
        .await
        .unwrap();

    // The nurse (a partner the patient is shared with) gets it live and reads it.
    wait_until(&nurse, |c| c.conversations(false).unwrap().iter().any(|s| s.id == id)).await;
    let seen = nurse.open_conversation(id).await.unwrap();
    assert_eq!(seen.summary.title.as_deref(), Some("Medicatie na ontslag"));
    assert_eq!(seen.summary.patient.as_ref().and_then(|p| p.name.as_deref()), Some("de Vries, Jan Willem"));
    assert_eq!(seen.messages[0].text.as_deref(), Some("Wie kan morgen de medicatie van meneer De Vries controleren?"));
    assert_eq!(seen.messages[0].author_name, "Anne de Vries");
    nurse.send_message(id, "Ik ga morgenochtend langs.").await.unwrap();

    poh.sync_now().await.unwrap();
    assert_eq!(texts(&poh, id).len(), 2);
    assert_eq!(poh.conversations(false).unwrap()[0].unread, 2);

    // NET-1: the three are the patient's care network, joined through the conversation.
    gp.sync_now().await.unwrap();
    let network = gp.care_network(vries).unwrap();
    let names: Vec<&str> = network.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for name in ["Anne de Vries", "Mehmet Yılmaz", "Fatima el Amrani"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(network.iter().all(|m| m.joined_via == NetworkJoin::Conversation));
    assert!(network.iter().any(|m| m.organisations == vec!["Thuiszorg Hof van Delft".to_owned()]));
    nurse.sync_now().await.unwrap();
    assert_eq!(nurse.care_network(vries).unwrap().len(), 3, "the partner sees the network too");

    // NET-2 by hand: the nurse adds her colleague; a specialist the patient is not shared with
    // cannot be added (PAT-5: only the practice opens a patient).
    nurse.join_care_network(vries, user(&nurse, "Joost")).await.unwrap();
    nurse.sync_now().await.unwrap();
    assert!(nurse.care_network(vries).unwrap().iter().any(|m| m.name == "Joost Visser" && m.joined_via == NetworkJoin::Manual));
    let refused = gp.add_participants(id, &[(user(&gp, "Lisa"), ParticipantKind::Caregiver)]).await;
    assert!(matches!(refused, Err(ClientError::Refused { .. })), "{refused:?}");

    // The server holds no readable title or message.
    let dump = server_dump(&region).await;
    for secret in ["Medicatie", "medicatie", "De Vries", "morgenochtend"] {
        assert!(!dump.contains(secret), "{secret} reached the server in plaintext");
    }
    // Reading the conversation is in the practice's access log (SEC-2).
    let log = gp.access_log(practice_of(&gp), None).await.unwrap();
    assert!(log.entries.iter().any(|e| e.kind == kring_domain::AccessKind::Conversation));
    nurse_live.abort();
}

fn practice_of(client: &KringClient) -> OrganisationId {
    client.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id
}

#[tokio::test]
async fn chat_2_8_a_caregivers_group_with_unread_counts_and_only_conversation_roles() {
    let region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let psychiatrist = login(&region, "psychiater").await;
    let nurse = login(&region, "wijkverpleging").await;
    let id = gp
        .start_conversation(group(
            "Overleg ouderenzorg",
            vec![user(&gp, "Lisa"), user(&gp, "Fatima")],
            "Kunnen we donderdag overleggen?",
        ))
        .await
        .unwrap();
    gp.send_message(id, "Om 12:30 in de praktijk?").await.unwrap();

    psychiatrist.sync_now().await.unwrap();
    let inbox = psychiatrist.conversations(false).unwrap();
    assert_eq!((inbox.len(), inbox[0].unread), (1, 2), "the conversation cloud shows two new messages (CHAT-8)");
    assert_eq!(psychiatrist.unread_conversations().unwrap(), 1);
    assert_eq!(inbox[0].patient, None);
    psychiatrist.open_conversation(id).await.unwrap();
    psychiatrist.sync_now().await.unwrap();
    assert_eq!(psychiatrist.conversations(false).unwrap()[0].unread, 0, "opening reads");
    psychiatrist.send_message(id, "Prima.").await.unwrap();

    nurse.sync_now().await.unwrap();
    assert_eq!(texts(&nurse, id), vec!["Kunnen we donderdag overleggen?", "Om 12:30 in de praktijk?", "Prima."]);
    gp.sync_now().await.unwrap();
    assert_eq!(gp.conversations(false).unwrap()[0].unread, 1, "own messages are never unread");

    // Search in titles and, with the open lock, in messages.
    assert_eq!(nurse.search_conversations("ouderenzorg").unwrap().len(), 1);
    assert_eq!(nurse.search_conversations("12:30 praktijk").unwrap().len(), 1);
    assert_eq!(nurse.search_conversations("griep").unwrap().len(), 0);

    // An account manager holds no conversation keys (STAFF-7): neither added nor starting.
    let manager_id = user(&gp, "Peter");
    let refused = gp.start_conversation(group("Test", vec![manager_id], "Hallo")).await;
    assert!(matches!(refused, Err(ClientError::Refused { code: ErrorCode::InvalidRequest, .. })), "{refused:?}");
    let manager = login(&region, "beheer").await;
    let refused = manager.start_conversation(group("Test", vec![user(&manager, "Anne")], "Hallo")).await;
    assert!(matches!(refused, Err(ClientError::Refused { code: ErrorCode::Forbidden, .. })), "{refused:?}");

    // Bad input is a typed error before anything is sent.
    let empty = gp.start_conversation(group("  ", vec![user(&gp, "Lisa")], "x")).await;
    assert_eq!(empty.err().map(|e| e.code()), Some("conversation_empty_title"));
    let alone = gp.start_conversation(group("Alleen", vec![], "x")).await;
    assert_eq!(alone.err().map(|e| e.code()), Some("conversation_no_recipients"));
}

#[tokio::test]
async fn chat_7_leaving_keeps_the_history_readable_and_the_next_message_gets_a_new_key() {
    let region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let poh = login(&region, "pohggz").await;
    let nurse = login(&region, "wijkverpleging").await;
    let id = gp
        .start_conversation(group(
            "Rooster feestdagen",
            vec![user(&gp, "Mehmet"), user(&gp, "Fatima")],
            "Wie werkt er op 26 december?",
        ))
        .await
        .unwrap();
    poh.sync_now().await.unwrap();
    poh.leave_conversation(id, false).await.unwrap();

    let view = poh.conversation_view(id).unwrap();
    assert!(!view.can_write && !view.summary.active, "left: readable, not writable, shown grey");
    assert_eq!(texts(&poh, id), vec!["Wie werkt er op 26 december?"]);
    assert!(matches!(poh.send_message(id, "Toch nog iets").await, Err(ClientError::ConversationLeft)));

    // The next message starts a new key epoch that the leaver does not hold, and never reaches them.
    gp.sync_now().await.unwrap();
    gp.send_message(id, "Dan doe ik het zelf.").await.unwrap();
    let stored = region.server().state.store().entity(EntityKind::Conversation, id.0).await.unwrap();
    let Some(ChangeBody::Conversation(stored)) = stored else { panic!("conversation stored") };
    assert_eq!(stored.epochs.len(), 2);
    assert!(!stored.epochs[1].holders().any(|holder| holder == user(&gp, "Mehmet")));
    nurse.sync_now().await.unwrap();
    assert_eq!(texts(&nurse, id), vec!["Wie werkt er op 26 december?", "Dan doe ik het zelf."]);
    poh.sync_now().await.unwrap();
    assert_eq!(texts(&poh, id), vec!["Wie werkt er op 26 december?"], "the leaver gets nothing new");

    // Leave and delete: hidden, never destroyed, restorable.
    poh.set_archived(id, true).await.unwrap();
    assert!(poh.conversations(false).unwrap().is_empty());
    assert_eq!(poh.conversations(true).unwrap().len(), 1);
    poh.set_archived(id, false).await.unwrap();
    assert_eq!(poh.conversations(false).unwrap().len(), 1);
    // Someone still in it cannot just delete it.
    let refused = nurse.set_archived(id, true).await;
    assert!(matches!(refused, Err(ClientError::Refused { code: ErrorCode::InvalidRequest, .. })), "{refused:?}");
}

#[tokio::test]
async fn chat_9_a_late_participant_and_an_inhabitant_read_the_whole_history() {
    let region = TestRegion::start().await;
    let (gp, vries) = practice_with_shared_patient(&region).await;
    let poh = login(&region, "pohggz").await;
    let id =
        gp.start_conversation(about(vries, "Leefstijl", vec![user(&gp, "Mehmet")], "Eerste afspraak gepland.")).await.unwrap();
    poh.sync_now().await.unwrap();
    poh.send_message(id, "Verslag volgt.").await.unwrap();

    // A colleague added later reads what was said before they came.
    gp.sync_now().await.unwrap();
    gp.add_participants(id, &[(user(&gp, "Fatima"), ParticipantKind::Caregiver)]).await.unwrap();
    let nurse = login(&region, "wijkverpleging").await;
    assert_eq!(texts(&nurse, id), vec!["Eerste afspraak gepland.", "Verslag volgt."]);

    // The patient's own account (an inhabitant: no contract) joins the same way (CHAT-9).
    let spec = AccountSpec {
        username: "jwdevries".into(),
        first_name: "Jan Willem".into(),
        last_name: "de Vries".into(),
        agb: None,
        email: kring_domain::Email::parse("jw@example.nl").ok(),
        mobile: None,
        code_channel: kring_protocol::CodeChannel::Email,
        contracts: vec![],
    };
    let inhabitant_id = region.create_account_outside_the_api(spec).await;
    gp.sync_now().await.unwrap();
    // Not in a conversation without a patient, and never as a caregiver.
    let other = gp.start_conversation(group("Intern", vec![user(&gp, "Mehmet")], "Intern overleg")).await.unwrap();
    let refused = gp.add_participants(other, &[(inhabitant_id, ParticipantKind::Inhabitant)]).await;
    assert!(matches!(refused, Err(ClientError::Refused { .. })), "{refused:?}");
    let refused = gp.add_participants(id, &[(inhabitant_id, ParticipantKind::Caregiver)]).await;
    assert!(matches!(refused, Err(ClientError::Refused { .. })), "{refused:?}");
    gp.add_participants(id, &[(inhabitant_id, ParticipantKind::Inhabitant)]).await.unwrap();
    let inhabitant = login(&region, "jwdevries").await;
    assert_eq!(texts(&inhabitant, id), vec!["Eerste afspraak gepland.", "Verslag volgt."]);
    let summary = &inhabitant.conversations(false).unwrap()[0];
    assert!(summary.participants.iter().any(|p| p.inhabitant && p.user_id == inhabitant_id));
    assert_eq!(inhabitant.conversations(false).unwrap().len(), 1, "only the conversation they were added to");
    // Reading is all: an inhabitant does not mark it as returned to the HIS (issue 13).
    let raw = kring_tests::RawApi::login(&region, "jwdevries").await;
    let mutation = kring_protocol::Mutation::RecordHisReturn { conversation_id: id, reference: "K1".into() };
    let response = raw.post("v1/mutations", &kring_protocol::MutationRequest { id: uuid::Uuid::now_v7(), mutation }).await;
    let outcome = response.json::<kring_protocol::MutationOutcome>().await.unwrap();
    assert!(
        matches!(outcome, kring_protocol::MutationOutcome::Rejected { code: kring_protocol::ErrorCode::Forbidden, .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn chat_11_offline_reading_and_writing_go_out_on_reconnect_in_order_exactly_once() {
    let mut region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let nurse = login(&region, "wijkverpleging").await;
    let id = gp.start_conversation(group("Wondzorg", vec![user(&gp, "Fatima")], "Hoe gaat het met de wond?")).await.unwrap();
    nurse.sync_now().await.unwrap();

    region.stop().await;
    assert_eq!(texts(&nurse, id), vec!["Hoe gaat het met de wond?"], "readable offline from the cache");
    nurse.send_message(id, "Rustig, geen tekenen van infectie.").await.unwrap();
    nurse.send_message(id, "Foto volgt morgen.").await.unwrap();
    let view = nurse.conversation_view(id).unwrap();
    let states: Vec<MessageState> = view.messages.iter().map(|m| m.state).collect();
    assert_eq!(states, vec![MessageState::Sent, MessageState::Sending, MessageState::Sending], "wordt verzonden");
    assert_eq!(view.summary.sending, 2);

    region.restart().await;
    let live = tokio::spawn(nurse.clone().run_live());
    wait_until(&nurse, |c| c.outbox().unwrap().is_empty()).await;
    gp.sync_now().await.unwrap();
    assert_eq!(
        texts(&gp, id),
        vec!["Hoe gaat het met de wond?", "Rustig, geen tekenen van infectie.", "Foto volgt morgen."],
        "in order, exactly once"
    );
    live.abort();
}

#[tokio::test]
async fn chat_11_a_live_message_raises_an_event_without_content() {
    let region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let nurse = login(&region, "wijkverpleging").await;
    let id = gp.start_conversation(group("Overdracht", vec![user(&gp, "Fatima")], "Eerste bericht")).await.unwrap();
    nurse.sync_now().await.unwrap();
    let mut events = nurse.subscribe();
    let live = tokio::spawn(nurse.clone().run_live());
    wait_for_event(&mut events, |e| matches!(e, ClientEvent::Connection { .. })).await;
    gp.send_message(id, "Tweede bericht").await.unwrap();
    let event = wait_for_event(&mut events, |e| matches!(e, ClientEvent::MessageArrived { .. })).await;
    assert_eq!(event, ClientEvent::MessageArrived { conversation_id: id });
    assert!(!serde_json::to_string(&event).unwrap().contains("Tweede"));
    live.abort();
}

#[tokio::test]
async fn chat_4_writing_to_someone_absent_shows_who_and_until_when() {
    let region = TestRegion::start().await;
    let psychiatrist = login(&region, "psychiater").await;
    let today = time::OffsetDateTime::now_utc().date();
    let until = today + time::Duration::days(10);
    psychiatrist
        .update_profile(ProfileForm {
            first_name: "Lisa".into(),
            last_name: "Jansen".into(),
            absences: vec![Absence { from: today, until }],
            ..ProfileForm::default()
        })
        .await
        .unwrap();
    let gp = login(&region, "huisarts").await;
    let notices = gp.away_notices(&[user(&gp, "Lisa"), user(&gp, "Mehmet")]).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!((notices[0].name.as_str(), notices[0].away), ("Lisa Jansen", Away::Absent { until }));
}

#[tokio::test]
async fn chat_forged_messages_and_outsiders_are_refused_by_the_server() {
    let region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let id = gp.start_conversation(group("Test", vec![user(&gp, "Mehmet")], "Echt bericht")).await.unwrap();
    let stored = region.server().state.store().children(EntityKind::Message, id.0).await.unwrap();
    let Some(ChangeBody::Message(real)) = stored.into_iter().next() else { panic!("message stored") };

    // The POH replays the GP's signed message as their own: the signature is not theirs.
    let poh = kring_tests::RawApi::login(&region, "pohggz").await;
    let forged = kring_protocol::conversations::NewMessage {
        id: uuid::Uuid::now_v7(),
        epoch: 0,
        body: real.body.clone(),
        signature: real.signature.clone(),
        attachments: Vec::new(),
    };
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::PostMessage { conversation_id: id, message: forged, new_epoch: None },
    };
    let outcome: MutationOutcome = poh.post("v1/mutations", &request).await.json().await.unwrap();
    assert!(matches!(outcome, MutationOutcome::Rejected { .. }), "{outcome:?}");
    // Someone outside the conversation cannot read its history.
    let nurse = kring_tests::RawApi::login(&region, "wijkverpleging").await;
    assert_eq!(nurse.get(&format!("v1/conversations/{id}/history")).await.status(), 403);
}

#[tokio::test]
async fn chat_8_one_email_per_conversation_per_window_over_smtp_without_content() {
    let region = TestRegion::start().await;
    let poh = login(&region, "pohggz").await;
    poh.update_profile(ProfileForm {
        first_name: "Mehmet".into(),
        last_name: "Yılmaz".into(),
        notification_email: "m.yilmaz@praktijk-delinde.nl".into(),
        notify_on_message: true,
        ..ProfileForm::default()
    })
    .await
    .unwrap();
    let gp = login(&region, "huisarts").await;
    let nurse = login(&region, "wijkverpleging").await;
    let about = gp
        .start_conversation(group("Crisisplan mevrouw Bakker", vec![user(&gp, "Mehmet")], "Kun je het crisisplan bekijken?"))
        .await
        .unwrap();
    gp.send_message(about, "Graag voor vrijdag.").await.unwrap();
    gp.send_message(about, "Dank je!").await.unwrap();
    // The nurse has not opted in: no mail for her.
    let quiet = gp
        .start_conversation(group("Rooster", vec![user(&gp, "Fatima"), user(&gp, "Mehmet")], "Rooster staat online."))
        .await
        .unwrap();
    nurse.sync_now().await.unwrap();

    // Mail goes over a real SMTP conversation to the sink.
    let mut sink = crate::mail::Sink::start();
    let delivery =
        kring_server::delivery::CodeDelivery { mail: Some(std::sync::Arc::new(crate::mail::relay_to(sink.port))), sms: None };
    let state = region.server().state.clone().with_delivery(delivery);
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 0, "nothing before the window ends");
    region.clock.advance(time::Duration::minutes(16));
    assert_eq!(kring_server::jobs::run_due(&state).await.unwrap(), 2, "one job per conversation for the POH");
    let (sink, mails) = tokio::task::spawn_blocking(move || {
        let mails = vec![sink.next_message(), sink.next_message()];
        (sink, mails)
    })
    .await
    .unwrap();
    for mail in &mails {
        assert_eq!(mail["to"][0], "<m.yilmaz@praktijk-delinde.nl>");
        let data = mail["data"].as_str().unwrap();
        assert!(data.contains("Subject: Nieuw bericht in Kring"), "{data}");
        for secret in ["Bakker", "Crisisplan", "crisisplan", "vrijdag", "Rooster", "Anne"] {
            assert!(!data.contains(secret), "{secret} in a notification e-mail");
        }
    }

    // Read in the app before the window ends: no mail.
    gp.send_message(quiet, "Nog een wijziging.").await.unwrap();
    poh.sync_now().await.unwrap();
    poh.open_conversation(quiet).await.unwrap();
    region.clock.advance(time::Duration::minutes(16));
    kring_server::jobs::run_due(&state).await.unwrap();
    crate::mail::assert_nothing_more(sink).await;
}

#[tokio::test]
async fn chat_6_a_conversation_goes_back_to_the_his_as_medvri_by_zorgmail_or_drop_folder() {
    use kring_client::his_return::{Delivered, FolderDrop, SmtpSettings, ZorgMailSmtp};
    let region = TestRegion::start().await;
    let (gp, vries) = practice_with_shared_patient(&region).await;
    let poh = login(&region, "pohggz").await;
    let id = gp
        .start_conversation(about(
            vries,
            "Slaapproblemen",
            vec![user(&gp, "Mehmet")],
            "Graag een afspraak: slaapt slecht sinds 3 weken.",
        ))
        .await
        .unwrap();
    poh.sync_now().await.unwrap();
    let letter =
        kring_client::conversations::NewAttachment { name: "verwijsbrief.pdf".into(), bytes: b"%PDF-1.7 brief".to_vec() };
    poh.send_message_with(id, "Afspraak staat: do 10:00 (intake + vragenlijst).", vec![letter]).await.unwrap();
    gp.sync_now().await.unwrap();

    // By SMTP to the practice's ZorgMail address: a real SMTP conversation with the sink.
    let mut sink = crate::mail::Sink::start();
    let smtp = ZorgMailSmtp::new(&SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        tls: false,
        credentials: None,
        from: "Kring <kring@praktijk-delinde.nl>".into(),
    })
    .unwrap();
    let receipt = gp.return_to_his(id, "500012345@lms.lifeline.nl", "Graag opnemen in het dossier.", &smtp).await.unwrap();
    assert_eq!(receipt.messages, 2);
    assert_eq!(
        receipt.delivered,
        Delivered::ZorgMail { address: "500012345@lms.lifeline.nl".into() },
        "the receipt says where it went"
    );
    let mail = tokio::task::spawn_blocking(move || sink.next_message()).await.unwrap();
    assert_eq!(mail["to"][0], "<500012345@lms.lifeline.nl>");
    let data = mail["data"].as_str().unwrap();
    assert!(data.to_lowercase().contains("application/edifact"), "{data}");
    assert!(data.contains(&format!("{}.edi", receipt.reference)), "{data}");
    let (text_part, attachment) = data.split_once("Content-Disposition: attachment").unwrap();
    assert!(!text_part.contains("Vries") && !text_part.contains("Slaap"), "the mail's own text names no patient");
    let encoded: String = attachment.split("\r\n\r\n").nth(1).unwrap().split("--").next().unwrap().split_whitespace().collect();
    use base64::Engine;
    let mailed = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
    assert!(
        mailed.starts_with(b"UNA:+.? '\r\nUNB+UNOC:1+01051234+500012345@lms.lifeline.nl+"),
        "{:?}",
        String::from_utf8_lossy(&mailed)
    );

    // As a drop folder: the same message as a Latin-1 file.
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderDrop { dir: dir.path().join("his-inbox") };
    let receipt = poh.return_to_his(id, "500012345@lms.lifeline.nl", "", &folder).await.unwrap();
    let written = dir.path().join("his-inbox").join(format!("{}.edi", receipt.reference));
    assert_eq!(receipt.delivered, Delivered::Folder { path: written.display().to_string() }, "a file, not yet the HIS");
    let bytes = std::fs::read(&written).unwrap();
    let text: String = bytes.iter().map(|b| char::from(*b)).collect();
    assert!(text.starts_with("UNA:+.? '\r\nUNB+UNOC:1+"), "{text}");
    assert!(text.contains("UNH+") && text.contains("+MEDVRI:1'"), "{text}");
    assert!(text.contains("PID+1950:03:04+M+Vries:de:::Jan:J.W.++BSN999911120'"), "{text}");
    assert!(text.contains("TXT:1+Gesprek uit Kring?: Slaapproblemen'"), "{text}");
    assert!(text.contains("+Afspraak staat?: do 10?:00 (intake ?+ vragenlijst).'"), "{text}");
    assert!(text.contains("Mehmet Yilmaz"), "ı written as i in Latin-1: {text}");
    assert!(text.contains("(bijlage verwijsbrief.pdf?: niet meegestuurd, staat in Kring)"), "the file is named: {text}");
    let segments = text.split("\r\n").filter(|s| !s.is_empty()).count();
    let unt: usize = text.split("\r\n").find(|s| s.starts_with("UNT+")).unwrap()[4..].split('+').next().unwrap().parse().unwrap();
    assert_eq!(unt, segments - 3, "UNT counts UNH..UNT (not UNA, UNB, UNZ)");

    // Everyone taking part sees that and when it went, so it is not sent twice (issue 13).
    gp.sync_now().await.unwrap();
    let mark = gp.conversation_view(id).unwrap().summary.returned_to_his.expect("the GP sees the POH's return");
    assert_eq!((mark.by.as_deref(), mark.messages), (Some("Mehmet Yılmaz"), 2), "counted by the server");
    let outsider = kring_tests::RawApi::login(&region, "assistent").await;
    let mutation = kring_protocol::Mutation::RecordHisReturn { conversation_id: id, reference: "K1".into() };
    let response = outsider.post("v1/mutations", &kring_protocol::MutationRequest { id: uuid::Uuid::now_v7(), mutation }).await;
    let outcome = response.json::<kring_protocol::MutationOutcome>().await.unwrap();
    assert!(
        matches!(outcome, kring_protocol::MutationOutcome::Rejected { code: kring_protocol::ErrorCode::Forbidden, .. }),
        "only someone taking part marks it: {outcome:?}"
    );

    // Refusals in words the UI translates.
    let other = gp.start_conversation(group("Intern", vec![user(&gp, "Mehmet")], "Zonder patiënt")).await.unwrap();
    assert_eq!(
        gp.return_to_his(other, "500012345@lms.lifeline.nl", "", &folder).await.err().map(|e| e.code()),
        Some("his_return_needs_patient")
    );
    assert_eq!(gp.return_to_his(id, "geen adres", "", &folder).await.err().map(|e| e.code()), Some("invalid_zorgmail_address"));
    assert_eq!(gp.return_to_his(id, "  ", "", &folder).await.err().map(|e| e.code()), Some("zorgmail_address_required"));
}

#[tokio::test]
async fn chat_10_attachments_are_sealed_in_chunks_checked_and_read_back_whole() {
    use kring_client::conversations::NewAttachment;
    let region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let nurse = login(&region, "wijkverpleging").await;
    let id = gp.start_conversation(group("Wondfoto", vec![user(&gp, "Fatima")], "Zie bijlagen.")).await.unwrap();

    // A 3 MB PDF (12 chunks) and a small JPEG photo; the text may be empty then.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..3_000_000u32).map(|i| (i % 251) as u8));
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"wond-dag-3"].concat();
    let files = vec![
        NewAttachment { name: "Ontslagbrief.pdf".into(), bytes: pdf.clone() },
        NewAttachment { name: "wond.jpg".into(), bytes: jpeg.clone() },
    ];
    gp.send_message_with(id, "", files).await.unwrap();

    nurse.sync_now().await.unwrap();
    let view = nurse.conversation_view(id).unwrap();
    let message = view.messages.last().unwrap();
    assert_eq!(message.text.as_deref(), Some(""));
    let names: Vec<(&str, &str, bool)> = message.attachments.iter().map(|a| (a.name.as_str(), a.mime, a.image)).collect();
    assert_eq!(names, vec![("Ontslagbrief.pdf", "application/pdf", false), ("wond.jpg", "image/jpeg", true)]);
    let file = nurse.attachment(id, message.id, message.attachments[0].id).await.unwrap();
    assert_eq!((file.name.as_str(), file.bytes.len()), ("Ontslagbrief.pdf", pdf.len()));
    assert!(file.bytes == pdf, "the same bytes arrive");
    assert_eq!(nurse.attachment(id, message.id, message.attachments[1].id).await.unwrap().bytes, jpeg);

    // The server holds sealed chunks only: neither the file name nor the content.
    let attachment = message.attachments[0].id;
    let stored = region.server().state.store().attachment_chunk(attachment, 0).await.unwrap().unwrap();
    assert!(!stored.data.windows(8).any(|w| w == b"%PDF-1.7"), "the PDF reached the server in plaintext");
    assert!(!server_dump(&region).await.contains("Ontslagbrief"));

    // Refused before anything is sent: wrong content for the name, too large, too many.
    let exe = vec![NewAttachment { name: "factuur.pdf".into(), bytes: b"MZ\x90\x00".to_vec() }];
    assert_eq!(gp.send_message_with(id, "x", exe).await.err().map(|e| e.code()), Some("attachment_kind_mismatch"));
    let big = vec![NewAttachment { name: "scan.pdf".into(), bytes: [b"%PDF-".to_vec(), vec![0; 20 * 1024 * 1024]].concat() }];
    assert_eq!(gp.send_message_with(id, "x", big).await.err().map(|e| e.code()), Some("attachment_too_large"));

    // Someone outside the conversation gets no chunk.
    let outsider = kring_tests::RawApi::login(&region, "pohggz").await;
    assert_eq!(outsider.get(&format!("v1/conversations/{id}/attachments/{attachment}/0")).await.status(), 403);
}

fn team(client: &KringClient, name: &str) -> kring_domain::TeamId {
    client.directory().unwrap().organisations.iter().flat_map(|o| o.teams.iter()).find(|t| t.name == name).unwrap().id
}

#[tokio::test]
async fn chat_3_a_team_inbox_follows_the_team_as_staff_come_and_go() {
    let region = TestRegion::start().await;
    let gp = login(&region, "huisarts").await;
    let tanthof = team(&gp, "Wijkteam Tanthof");
    assert!(gp.inboxes(None).unwrap().iter().any(|i| i.team_id == tanthof && i.members == 2));
    let new =
        NewConversation { inboxes: vec![tanthof], ..group("Avonddienst", vec![], "Wie kan vanavond bij mevrouw J. langs?") };
    let id = gp.start_conversation(new).await.unwrap();

    // Both members of the team read it, as members of the inbox.
    for username in ["wijkverpleging", "verzorgende"] {
        let member = login(&region, username).await;
        assert_eq!(texts(&member, id), vec!["Wie kan vanavond bij mevrouw J. langs?"], "{username}");
    }
    let summary = gp.conversations(false).unwrap().remove(0);
    assert!(summary.participants.iter().filter(|p| p.via_inbox.as_deref() == Some("Wijkteam Tanthof")).count() == 2);

    // A new colleague joins the team: the next key maintenance gives her every key; she reads
    // what was said before she came.
    let store = region.server().state.store();
    let home_care = organisation(&gp, "Thuiszorg Hof van Delft");
    let spec = AccountSpec {
        username: "nieuw".into(),
        first_name: "Eva".into(),
        last_name: "de Jong".into(),
        agb: None,
        email: kring_domain::Email::parse("eva@thuiszorg.nl").ok(),
        mobile: None,
        code_channel: kring_protocol::CodeChannel::Email,
        // She also keeps the home care's accounts (Accountbeheerder), so the deactivation below
        // goes through the API. Accounts are made here behind the API because the API cannot
        // place someone in a team yet (an account request names a role, not a team).
        contracts: vec![
            (home_care, Some(tanthof), kring_domain::Role::Zorgverlener),
            (home_care, None, kring_domain::Role::Accountbeheerder),
        ],
    };
    region.create_account_outside_the_api(spec).await;
    gp.sync_now().await.unwrap();
    assert_eq!(gp.maintain_inbox_members().await.unwrap(), 1);
    let eva = login(&region, "nieuw").await;
    assert_eq!(texts(&eva, id), vec!["Wie kan vanavond bij mevrouw J. langs?"]);

    // Someone leaves (deactivated): they leave the inbox's conversation, and the next message
    // is under a key they never held.
    let joost = user(&gp, "Joost");
    let joost_session = login(&region, "verzorgende").await;
    eva.deactivate(joost).await.unwrap();
    eva.sync_now().await.unwrap();
    assert!(matches!(joost_session.sync_now().await, Err(ClientError::SessionExpired)), "a deactivated account's sessions end");
    gp.sync_now().await.unwrap();
    assert_eq!(gp.maintain_inbox_members().await.unwrap(), 1);
    gp.sync_now().await.unwrap();
    gp.send_message(id, "Joost gaat.").await.unwrap();
    let Some(ChangeBody::Conversation(stored)) = store.entity(EntityKind::Conversation, id.0).await.unwrap() else {
        panic!("stored")
    };
    assert!(!stored.epochs.last().unwrap().holders().any(|holder| holder == joost));
    assert!(stored.epochs.last().unwrap().holders().any(|holder| holder == user(&gp, "Eva")));

    // The server checks membership itself: a current member cannot be removed.
    let fatima = user(&gp, "Fatima");
    let raw = kring_tests::RawApi::login(&region, "huisarts").await;
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::RemoveInboxMember { conversation_id: id, user_id: fatima },
    };
    let outcome: MutationOutcome = raw.post("v1/mutations", &request).await.json().await.unwrap();
    assert!(matches!(outcome, MutationOutcome::Rejected { code: ErrorCode::InvalidRequest, .. }), "{outcome:?}");
}
