//! Staff administration (STAFF-1 … STAFF-8): requesting accounts, the region's approval, activation,
//! patient-data authorisation with the practice vault's keys, deactivation.

use kring_client::activation::{activate, invitation};
use kring_client::{ClientError, KringClient};
use kring_domain::{AccessStatus, AccountRequestForm, OrganisationId, RequestStatus, Role, UserId};
use kring_protocol::{CodeChannel, ErrorCode};
use kring_server::seed::DEMO_PASSWORD;
use kring_server::RegionConfig;
use kring_tests::{wait_until, TestRegion};

const NEW_PASSWORD: &str = "lange zomeravonden in Delft";

fn practice(client: &KringClient) -> OrganisationId {
    client.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id
}

fn form(email: &str) -> AccountRequestForm {
    AccountRequestForm {
        initials: "J".into(),
        infix: "van".into(),
        surname: "Dijk".into(),
        agb: "".into(),
        email: email.into(),
        mobile: "06 1234 5678".into(),
        role: Some(Role::PohS),
    }
}

fn status_of(client: &KringClient, organisation: OrganisationId, name: &str) -> Option<AccessStatus> {
    client.staff(organisation).unwrap().members.into_iter().find(|m| m.name == name).map(|m| m.access)
}

fn user_named(client: &KringClient, organisation: OrganisationId, name: &str) -> UserId {
    client.staff(organisation).unwrap().members.into_iter().find(|m| m.name == name).unwrap().user_id
}

#[tokio::test]
async fn staff_2_3_the_gp_requests_the_operator_approves_and_the_colleague_activates_and_logs_in() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.request_account(practice, form("j.vandijk@praktijk-delinde.nl")).await.unwrap();
    gp.sync_now().await.unwrap();
    let requests = gp.staff(practice).unwrap().requests;
    assert_eq!(requests.len(), 1);
    assert_eq!((requests[0].status, requests[0].details.display_name()), (RequestStatus::Pending, "J. van Dijk".to_owned()));

    let operator = region.login("regiobeheer").await;
    let pending = operator.region_account_requests().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(gp.region_account_requests().await.err().map(|e| e.code()), Some("forbidden"), "only the operator sees all");
    operator.decide_account_request(pending[0].id, true).await.unwrap();

    let link = region.activation_link("j.vandijk@praktijk-delinde.nl").await;
    gp.sync_now().await.unwrap();
    assert_eq!(gp.staff(practice).unwrap().requests[0].status, RequestStatus::Invited);
    let invited = invitation(&region.url, &link).await.unwrap();
    assert_eq!((invited.username.as_str(), invited.display_name.as_str()), ("j.vandijk@praktijk-delinde.nl", "J. van Dijk"));
    assert!(
        matches!(region.try_login("j.vandijk@praktijk-delinde.nl", NEW_PASSWORD).await, Err(ClientError::InvalidCredentials)),
        "not before activation"
    );

    let weak = activate(&region.url, &link, "kort", "kort", CodeChannel::Sms).await;
    assert_eq!(weak.err().map(|e| e.code()), Some("password_too_short"), "the link still works after a refusal");
    let activated = activate(&region.url, &link, NEW_PASSWORD, NEW_PASSWORD, CodeChannel::Sms).await.unwrap();
    assert_eq!(activated.username, "j.vandijk@praktijk-delinde.nl");
    let again = activate(&region.url, &link, NEW_PASSWORD, NEW_PASSWORD, CodeChannel::Sms).await;
    assert!(matches!(again, Err(ClientError::ActivationLinkInvalid)), "single use");

    let attempt = region.start_login(&activated.username, NEW_PASSWORD).await.unwrap();
    assert_eq!(attempt.code_sent().channel, CodeChannel::Sms, "activation chose the second factor");
    let colleague = attempt.verify(&region.code_for(&activated.username).await).await.unwrap();
    assert!(!colleague.must_change_password() && colleague.is_unlocked());
    gp.sync_now().await.unwrap();
    let staff = gp.staff(practice).unwrap();
    assert_eq!(staff.requests[0].status, RequestStatus::Activated);
    let member = staff.members.iter().find(|m| m.name == "J. van Dijk").unwrap();
    assert_eq!((member.access, member.role_names.clone()), (AccessStatus::NoAccess, vec!["POH-S".to_owned()]));
}

#[tokio::test]
async fn staff_3_an_auto_approving_region_sends_the_invitation_at_once_and_a_rejection_is_shown() {
    let region =
        TestRegion::start_configured(RegionConfig { auto_approve_account_requests: true, ..RegionConfig::default() }).await;
    let gp = region.login("huisarts").await;
    gp.request_account(practice(&gp), form("a.bakker@praktijk-delinde.nl")).await.unwrap();
    region.activation_link("a.bakker@praktijk-delinde.nl").await;

    let manual = TestRegion::start().await;
    let gp = manual.login("huisarts").await;
    gp.request_account(practice(&gp), form("b.smit@praktijk-delinde.nl")).await.unwrap();
    let operator = manual.login("regiobeheer").await;
    let request = operator.region_account_requests().await.unwrap().remove(0);
    operator.decide_account_request(request.id, false).await.unwrap();
    gp.sync_now().await.unwrap();
    assert_eq!(gp.staff(practice(&gp)).unwrap().requests[0].status, RequestStatus::Rejected);
    operator.decide_account_request(request.id, true).await.unwrap();
    let refused = operator.outbox().unwrap().pop().unwrap();
    assert_eq!(refused.rejected, Some(ErrorCode::InvalidRequest), "a decided request stays decided");
}

#[tokio::test]
async fn staff_3_requests_leave_the_list_after_thirty_days_by_a_durable_job() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.request_account(practice, form("c.dekker@praktijk-delinde.nl")).await.unwrap();
    region.clock.advance(time::Duration::days(29));
    assert_eq!(region.run_jobs().await, 0, "still listed on day 29");
    region.clock.advance(time::Duration::days(1));
    assert_eq!(region.run_jobs().await, 1);
    let gp = region.login("huisarts").await; // a month later: a new working day, a new login
    gp.sync_now().await.unwrap();
    assert!(gp.staff(practice).unwrap().requests.is_empty());
}

#[tokio::test]
async fn staff_2_8_wrong_fields_and_private_mail_are_refused_by_client_and_server() {
    let region = TestRegion::start_configured(RegionConfig {
        private_email_domains: vec!["delftmail.nl".into()],
        ..RegionConfig::default()
    })
    .await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    let Err(ClientError::InvalidForm(errors)) = gp.request_account(practice, form("jan@gmail.com")).await else {
        panic!("a gmail address must be refused");
    };
    assert_eq!(errors[0].code, "email_private");
    // The region's own list is the server's to apply.
    gp.request_account(practice, form("jan@delftmail.nl")).await.unwrap();
    let refused = gp.outbox().unwrap().pop().unwrap();
    assert_eq!(refused.rejected, Some(ErrorCode::InvalidRequest));
    let assistant = region.login("assistent").await;
    assistant.request_account(practice, form("x.y@praktijk-delinde.nl")).await.unwrap();
    assert_eq!(assistant.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden), "STAFF-5: not the assistant's");
}

#[tokio::test]
async fn staff_1_the_warning_turns_green_when_the_gp_next_opens_a_secure_session() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.sync_now().await.unwrap();
    assert_eq!(status_of(&gp, practice, "Mehmet Yılmaz"), Some(AccessStatus::AwaitingKey), "authorised, no key yet");
    assert_eq!(status_of(&gp, practice, "Peter Smit"), Some(AccessStatus::NoAccess));

    gp.lock();
    assert_eq!(gp.maintain_practice_keys().await.unwrap(), 0, "a closed lock shares nothing");
    gp.unlock(DEMO_PASSWORD).await.unwrap();
    assert_eq!(gp.maintain_practice_keys().await.unwrap(), 2, "vault made, key wrapped for the POH-GGZ and the assistant");
    gp.sync_now().await.unwrap();
    for name in ["Anne de Vries", "Mehmet Yılmaz", "Sanne Bakker"] {
        assert_eq!(status_of(&gp, practice, name), Some(AccessStatus::HasAccess), "{name}");
    }

    // The key really works: the POH-GGZ opens what is sealed to the practice vault.
    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    let sealed = gp.practice_vault(practice).unwrap().public().seal(b"HIS-extractie: NAW").unwrap();
    assert_eq!(&poh.practice_vault(practice).unwrap().open(&sealed).unwrap()[..], b"HIS-extractie: NAW");
}

#[tokio::test]
async fn staff_4_unticking_removes_the_key_at_once_and_ticking_again_brings_it_back() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.sync_now().await.unwrap();
    gp.maintain_practice_keys().await.unwrap();
    let poh = region.login("pohggz").await;
    let poh_id = poh.me().user_id;
    poh.sync_now().await.unwrap();
    assert!(poh.practice_vault(practice).is_ok());

    let live = tokio::spawn(poh.clone().run_live());
    gp.set_patient_data_access(practice, poh_id, false).await.unwrap();
    wait_until(&poh, |poh| matches!(poh.practice_vault(practice), Err(ClientError::NoPatientDataAccess))).await;
    gp.sync_now().await.unwrap();
    assert_eq!(status_of(&gp, practice, "Mehmet Yılmaz"), Some(AccessStatus::NoAccess));

    gp.set_patient_data_access(practice, poh_id, true).await.unwrap();
    gp.sync_now().await.unwrap();
    assert_eq!(status_of(&gp, practice, "Mehmet Yılmaz"), Some(AccessStatus::AwaitingKey));
    gp.maintain_practice_keys().await.unwrap();
    wait_until(&poh, |poh| poh.practice_vault(practice).is_ok()).await;
    live.abort();
}

#[tokio::test]
async fn staff_7_an_account_manager_cannot_be_given_patient_data_and_only_the_gp_authorises() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.sync_now().await.unwrap();
    let manager = user_named(&gp, practice, "Peter Smit");
    let member = gp.staff(practice).unwrap().members.into_iter().find(|m| m.user_id == manager).unwrap();
    assert!(!member.works_with_patients, "the UI offers no checkbox");
    gp.set_patient_data_access(practice, manager, true).await.unwrap();
    assert_eq!(gp.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::InvalidRequest));

    let assistant = region.login("assistent").await;
    let poh = user_named(&gp, practice, "Mehmet Yılmaz");
    assistant.set_patient_data_access(practice, poh, false).await.unwrap();
    assert_eq!(assistant.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden));
}

#[tokio::test]
async fn staff_6_the_account_manager_deactivates_a_leaver_who_is_out_at_once_but_kept_in_the_record() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.sync_now().await.unwrap();
    gp.maintain_practice_keys().await.unwrap();
    let assistant = region.login("assistent").await;
    let manager = region.login("beheer").await;

    let not_allowed = region.login("pohggz").await;
    not_allowed.deactivate(assistant.me().user_id).await.unwrap();
    assert_eq!(not_allowed.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden));

    manager.deactivate(assistant.me().user_id).await.unwrap();
    assert!(matches!(assistant.sync_now().await, Err(ClientError::SessionExpired)), "sessions end");
    assert!(matches!(region.try_login("assistent", DEMO_PASSWORD).await, Err(ClientError::InvalidCredentials)));
    gp.sync_now().await.unwrap();
    let staff = gp.staff(practice).unwrap();
    let leaver = staff.members.iter().find(|m| m.name == "Sanne Bakker").unwrap();
    assert!(!leaver.active, "kept for the record");
    assert_eq!(leaver.access, AccessStatus::NoAccess, "keys withdrawn");
    let directory = gp.directory().unwrap();
    assert!(!directory
        .organisations
        .iter()
        .flat_map(|o| o.teams.iter().flat_map(|t| &t.members))
        .any(|m| m.name == "Sanne Bakker"));
}

#[tokio::test]
async fn staff_3_an_activation_link_expires_after_seven_days() {
    let region =
        TestRegion::start_configured(RegionConfig { auto_approve_account_requests: true, ..RegionConfig::default() }).await;
    let gp = region.login("huisarts").await;
    gp.request_account(practice(&gp), form("d.jong@praktijk-delinde.nl")).await.unwrap();
    let link = region.activation_link("d.jong@praktijk-delinde.nl").await;
    region.clock.advance(time::Duration::days(7));
    let late = activate(&region.url, &link, NEW_PASSWORD, NEW_PASSWORD, CodeChannel::Email).await;
    assert!(matches!(late, Err(ClientError::ActivationLinkInvalid)), "{:?}", late.err());
}

fn organisation_named(client: &KringClient, name: &str) -> OrganisationId {
    client.directory().unwrap().organisations.into_iter().find(|o| o.name == name).unwrap().id
}

#[tokio::test]
async fn staff_10_the_practice_invites_partners_and_a_lead_caregiver_her_colleagues_no_one_else() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    let (practice, home_care, ggz) =
        (practice(&gp), organisation_named(&gp, "Thuiszorg Hof van Delft"), organisation_named(&gp, "GGZ Delfland"));
    let partner = |email: &str, role| AccountRequestForm { role: Some(role), ..form(email) };

    gp.request_account(home_care, partner("e.visser@hofvandelft.nl", Role::Zorgverlener)).await.unwrap();
    assert_eq!(gp.outbox().unwrap().len(), 0, "accepted");
    gp.sync_now().await.unwrap();
    let invited = gp.staff(practice).unwrap().requests;
    assert_eq!((invited.len(), invited[0].organisation_id), (1, home_care), "listed with the practice, for the partner");

    let lead = region.login("wijkverpleging").await;
    lead.request_account(home_care, partner("k.bos@hofvandelft.nl", Role::Zorgverlener)).await.unwrap();
    assert_eq!(lead.outbox().unwrap().len(), 0, "a lead caregiver invites a colleague");
    lead.sync_now().await.unwrap();
    assert_eq!(lead.staff(home_care).unwrap().requests.len(), 1);
    lead.request_account(ggz, partner("x@ggzdelfland.nl", Role::Zorgverlener)).await.unwrap();
    assert_eq!(lead.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden), "not at another organisation");

    let caregiver = region.login("verzorgende").await;
    caregiver.request_account(home_care, partner("y@hofvandelft.nl", Role::Zorgverlener)).await.unwrap();
    assert_eq!(caregiver.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden), "a caregiver invites no one");
    let poh = region.login("pohggz").await;
    poh.request_account(home_care, partner("z@hofvandelft.nl", Role::Zorgverlener)).await.unwrap();
    assert_eq!(poh.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden), "only the GP invites partners");
    gp.request_account(practice, partner("w@praktijk-delinde.nl", Role::Zorgverlener)).await.unwrap();
    assert_eq!(
        gp.outbox().unwrap().pop().unwrap().rejected,
        Some(ErrorCode::InvalidRequest),
        "a partner role is not a practice role"
    );

    let operator = region.login("regiobeheer").await;
    let request = operator
        .region_account_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.details.email.as_str() == "e.visser@hofvandelft.nl")
        .unwrap();
    operator.decide_account_request(request.id, true).await.unwrap();
    let link = region.activation_link("e.visser@hofvandelft.nl").await;
    activate(&region.url, &link, NEW_PASSWORD, NEW_PASSWORD, CodeChannel::Email).await.unwrap();
    let new_caregiver = region.try_login("e.visser@hofvandelft.nl", NEW_PASSWORD).await.unwrap();
    let contract = &new_caregiver.me().contracts[0];
    assert_eq!((contract.organisation_id, contract.role), (home_care, Role::Zorgverlener), "works for the partner");
}

#[tokio::test]
async fn staff_11_each_colleague_is_linked_to_one_his_user_for_single_sign_on() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let practice = practice(&gp);
    gp.sync_now().await.unwrap();
    let (poh, assistant) = (user_named(&gp, practice, "Mehmet Yılmaz"), user_named(&gp, practice, "Sanne Bakker"));
    gp.set_his_user(practice, poh, Some(" MYILMAZ ".into())).await.unwrap();
    gp.set_his_user(practice, assistant, Some("MYILMAZ".into())).await.unwrap();
    assert_eq!(gp.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::InvalidRequest), "one HIS user, one account");
    gp.sync_now().await.unwrap();
    let his = |name: &str| gp.staff(practice).unwrap().members.into_iter().find(|m| m.name == name).unwrap().his_user_id;
    assert_eq!(his("Mehmet Yılmaz").as_deref(), Some("MYILMAZ"));
    assert_eq!(his("Sanne Bakker"), None);

    let other = region.login("pohggz").await;
    other.set_his_user(practice, assistant, Some("SBAKKER".into())).await.unwrap();
    assert_eq!(other.outbox().unwrap().pop().unwrap().rejected, Some(ErrorCode::Forbidden));
}

#[tokio::test]
async fn staff_3_a_sent_invitation_leaves_no_token_in_the_database() {
    let region =
        TestRegion::start_configured(RegionConfig { auto_approve_account_requests: true, ..RegionConfig::default() }).await;
    let gp = region.login("huisarts").await;
    gp.request_account(practice(&gp), form("e.dam@praktijk-delinde.nl")).await.unwrap();
    let link = region.activation_link("e.dam@praktijk-delinde.nl").await;
    region.run_jobs().await;
    let token = link.trim_start_matches("kring://activeer?token=");
    let mut files = std::fs::read(region.dir.path().join("server.sqlite")).unwrap();
    files.extend(std::fs::read(region.dir.path().join("server.sqlite-wal")).unwrap_or_default());
    assert!(!files.windows(token.len()).any(|w| w == token.as_bytes()), "only its hash is kept");
}
