//! STAFF-5: every role x action of the permission table, tried against a live server, not just
//! read from the table. Each probe is a real request; the server must allow exactly what
//! `Role::permits` says.

use kring_client::KringClient;
use kring_domain::{AccountRequestForm, Action, Email, OrganisationId, Role, TeamId, UserId};
use kring_protocol::{ErrorCode, Mutation};
use kring_server::seed::AccountSpec;
use kring_tests::{practice_team, TestRegion};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh account with `role` at `organisation`; returns its username.
async fn account(region: &TestRegion, organisation: OrganisationId, role: Role) -> (String, UserId) {
    account_in(region, organisation, None, role).await
}

/// A fresh account with `role` in a team of `organisation` (a consultation group's).
async fn account_in(region: &TestRegion, organisation: OrganisationId, team: Option<TeamId>, role: Role) -> (String, UserId) {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let username = format!("probe{n}");
    let spec = AccountSpec {
        username: username.clone(),
        first_name: "Proef".into(),
        last_name: format!("{n}"),
        agb: None,
        email: Email::parse(&format!("probe{n}@praktijk-delinde.nl")).ok(),
        mobile: None,
        code_channel: kring_protocol::CodeChannel::Email,
        contracts: vec![(organisation, team, role)],
    };
    let user = region.create_account_outside_the_api(spec).await;
    (username, user)
}

/// Whether the server applied mutation `id` (false: refused as forbidden; any other refusal
/// would make the probe itself wrong).
fn applied(client: &KringClient, id: uuid::Uuid) -> bool {
    match client.outbox().unwrap().into_iter().find(|entry| entry.request.id == id) {
        None => true,
        Some(entry) if entry.rejected == Some(ErrorCode::Forbidden) => false,
        Some(other) => panic!("probe refused for another reason: {:?}", other.rejected),
    }
}

fn refused(result: Result<impl Sized, kring_client::ClientError>) -> bool {
    match result {
        Ok(_) => false,
        Err(error) if error.code() == "forbidden" => true,
        Err(error) => panic!("probe failed for another reason: {error}"),
    }
}

fn request(email: String, role: Role) -> AccountRequestForm {
    AccountRequestForm { initials: "P".into(), surname: "Proef".into(), email, role: Some(role), ..AccountRequestForm::default() }
}

/// Actions no endpoint serves by role yet (finance, reports, administration); each new endpoint
/// moves its action into the walk.
const NOT_SERVED_YET: [Action; 8] = [
    Action::ReadConversations,
    Action::PracticeAdministration,
    Action::PracticeDeclarations,
    Action::CareGroupDeclarations,
    Action::ViewFinances,
    Action::ViewReports,
    Action::ViewAiosDashboard,
    Action::GgzActions,
];

#[tokio::test]
async fn staff_5_every_role_gets_exactly_the_table_s_permissions_from_the_live_server() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    let practice =
        gp.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id;
    let home_care = gp.directory().unwrap().organisations.iter().find(|o| o.name == "Thuiszorg Hof van Delft").unwrap().id;
    let team = practice_team(&gp).id;
    gp.maintain_practice_keys().await.unwrap();
    let bundle = include_str!("../../crates/kring-extraction/tests/fixtures/nl-core-bundle.json");
    gp.import_extraction(practice, bundle.as_bytes().to_vec(), |_| {}).await.unwrap();
    let patient = gp.search_patients("vries", 1).unwrap()[0].id;
    gp.record_consent(patient, kring_domain::ConsentGiver::Patient).await.unwrap();
    gp.share_patient(patient, home_care, true).await.unwrap();
    let network = gp.patient_network(patient).unwrap().unwrap();
    let referral = gp
        .refer(
            kring_client::referrals::ReferralForm {
                patient_id: patient,
                organisation_id: home_care,
                team_id: None,
                reason: "Wondzorg".into(),
                suspected_disorder: None,
                remarks: String::new(),
                phone: None,
                on_behalf_of: None,
            },
            Vec::new(),
        )
        .await
        .unwrap();

    // A consultation the GP asked of the psychiatric line and closed: picking it up is refused
    // as closed for a specialist of the group, as forbidden for everyone else.
    let line = gp.consultation_groups().unwrap().remove(0);
    let ggz = gp.directory().unwrap().organisations.iter().find(|o| o.name == "GGZ Delfland").unwrap().id;
    let form = kring_client::consultations::ConsultationForm {
        patient_id: patient,
        group: line.team_id,
        specialist: None,
        subject: "Proef".into(),
        question: "Proefvraag".into(),
    };
    let consultation = gp.ask_consultation(form, Vec::new()).await.unwrap();
    gp.close_consultation(consultation).await.unwrap();

    let mut walked = std::collections::BTreeSet::new();
    for role in Role::ALL {
        let (name, _) = account(&region, practice, role).await;
        let client = region.login(&name).await;
        let mut check = |action: Action, allowed: bool| {
            assert_eq!(allowed, role.permits(action), "{role:?} x {action:?} on the live server");
            walked.insert(format!("{action:?}"));
        };

        check(Action::ViewDirectory, client.sync_now().await.is_ok());

        let id = client.submit(Mutation::SetTeamContact { team_id: team, contact: None }).await.unwrap();
        check(Action::ManageTeamContacts, applied(&client, id));

        let email = format!("aanvraag-{name}@praktijk-delinde.nl");
        let id = client.request_account(practice, request(email, Role::Assistent)).await.unwrap();
        check(Action::RequestStaffAccount, applied(&client, id));

        let (_, leaver) = account(&region, practice, Role::Assistent).await;
        let id = client.deactivate(leaver).await.unwrap();
        check(Action::DeactivateAccount, applied(&client, id));

        let (_, forgetful) = account(&region, practice, Role::Assistent).await;
        check(Action::ResetPassword, !refused(client.reset_password(forgetful).await));

        let (_, colleague) = account(&region, practice, Role::PohS).await;
        let id = client.set_patient_data_access(practice, colleague, true).await.unwrap();
        check(Action::AuthorisePatientData, applied(&client, id));

        check(Action::ViewAccessLog, !refused(client.access_log(practice, None).await));

        // An empty extraction: a role that may import gets "invalid request", others "forbidden".
        let raw = kring_tests::RawApi::login(&region, &name).await;
        let empty = kring_protocol::patients::ImportRequest { organisation_id: practice, patients: vec![] };
        let imported = match raw.post("v1/patients/import", &empty).await.status().as_u16() {
            400 => true,
            403 => false,
            // A 500 (or anything else) is a failed probe, never a permission.
            other => panic!("the import probe failed for another reason: HTTP {other}"),
        };
        check(Action::ImportHisExtraction, imported);

        let consent = Mutation::RecordConsent {
            consent_id: uuid::Uuid::now_v7(),
            patient_id: patient,
            given_by: kring_domain::ConsentGiver::Patient,
            text_version: kring_domain::patient::current_consent_text().version.into(),
        };
        let id = client.submit(consent).await.unwrap();
        check(Action::RecordConsent, applied(&client, id));

        let id = client.submit(Mutation::SetPatientNetwork(network.clone())).await.unwrap();
        check(Action::SharePatient, applied(&client, id));

        // A practice's step on a referral that is never taken by hand: who may refer hears
        // "invalid request", everyone else "forbidden" (REF-1).
        let step = Mutation::ReferralStep { referral_id: referral, step: kring_domain::referral::ReferralStep::Sent };
        let id = client.submit(step).await.unwrap();
        let rejected = client.outbox().unwrap().into_iter().find(|entry| entry.request.id == id).and_then(|e| e.rejected);
        let refers = match rejected {
            Some(ErrorCode::InvalidRequest) => true,
            Some(ErrorCode::Forbidden) => false,
            other => panic!("the referral probe failed for another reason: {other:?}"),
        };
        check(Action::ReferPatient, refers);

        // Asking a group that does not exist: who may ask hears "invalid request", everyone else
        // "forbidden" (CONS-1).
        let ask = Mutation::AskConsultation {
            consultation: Box::new(kring_protocol::consultations::NewConsultation {
                id: uuid::Uuid::now_v7(),
                patient_id: patient,
                group: TeamId(uuid::Uuid::now_v7()),
                named_specialist: None,
                practice_subject: "AA".into(),
            }),
            conversation_id: kring_domain::ConversationId::new(),
            title: "AA".into(),
            participants: Vec::new(),
            first_message: kring_protocol::conversations::NewMessage {
                id: uuid::Uuid::now_v7(),
                epoch: 0,
                body: "AA".into(),
                signature: "AA".into(),
                attachments: Vec::new(),
            },
        };
        let id = client.submit(ask).await.unwrap();
        let rejected = client.outbox().unwrap().into_iter().find(|entry| entry.request.id == id).and_then(|e| e.rejected);
        let asks = match rejected {
            Some(ErrorCode::InvalidRequest) => true,
            Some(ErrorCode::Forbidden) => false,
            other => panic!("the consultation probe failed for another reason: {other:?}"),
        };
        check(Action::StartConsultation, asks);
        // The same role in the consultation group's team picks up the closed consultation (CONS-2).
        let (specialist_name, _) = account_in(&region, ggz, Some(line.team_id), role).await;
        let specialist = region.login(&specialist_name).await;
        let pick_up = Mutation::ConsultationStep {
            consultation_id: consultation,
            step: kring_domain::consultation::ConsultationStep::PickedUp,
        };
        let id = specialist.submit(pick_up).await.unwrap();
        let rejected = specialist.outbox().unwrap().into_iter().find(|entry| entry.request.id == id).and_then(|e| e.rejected);
        let answers = match rejected {
            Some(ErrorCode::InvalidRequest) => true,
            Some(ErrorCode::Forbidden) => false,
            other => panic!("the pickup probe failed for another reason: {other:?}"),
        };
        check(Action::AnswerConsultation, answers);
        check(Action::ApproveAccountRequest, !refused(client.region_account_requests().await));
        // Deciding on a request that does not exist: the region's operator hears "not found",
        // everyone else "forbidden" (REF-2).
        let decide = Mutation::DecideMatrixRequest { request_id: uuid::Uuid::now_v7(), approve: true };
        let id = client.submit(decide).await.unwrap();
        let rejected = client.outbox().unwrap().into_iter().find(|entry| entry.request.id == id).and_then(|e| e.rejected);
        let decides = match rejected {
            Some(ErrorCode::NotFound) => true,
            Some(ErrorCode::Forbidden) => false,
            other => panic!("the matrix probe failed for another reason: {other:?}"),
        };
        check(Action::DecideAuthorisationMatrix, decides);

        let email = format!("partner-{name}@hofvandelft.nl");
        let id = client.request_account(home_care, request(email, Role::Zorgverlener)).await.unwrap();
        check(Action::InviteNetworkPartner, applied(&client, id));

        // A colleague of one's own (partner) organisation: the probe works there.
        let (partner_name, _) = account(&region, home_care, role).await;
        let partner = region.login(&partner_name).await;
        let email = format!("collega-{name}@hofvandelft.nl");
        let id = partner.request_account(home_care, request(email, Role::Zorgverlener)).await.unwrap();
        check(Action::InviteOwnColleague, applied(&partner, id));

        // The GP may authorise exactly the roles that view patients (STAFF-7 by key design).
        let (_, subject) = account(&region, practice, role).await;
        let id = gp.set_patient_data_access(practice, subject, true).await.unwrap();
        let outcome = gp.outbox().unwrap().into_iter().find(|entry| entry.request.id == id);
        let authorisable = outcome.is_none();
        if let Some(entry) = outcome {
            assert_eq!(entry.rejected, Some(ErrorCode::InvalidRequest));
        }
        check(Action::ViewPatients, authorisable);
    }
    let not_served: Vec<String> = NOT_SERVED_YET.iter().map(|a| format!("{a:?}")).collect();
    for action in Action::ALL {
        let name = format!("{action:?}");
        assert!(walked.contains(&name) ^ not_served.contains(&name), "{name}: walked on the server, or listed as not served yet");
    }
}
