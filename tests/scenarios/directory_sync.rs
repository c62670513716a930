//! The first payload through the sync skeleton: the organisation directory.

use kring_client::{ClientEvent, ConnectionState};
use kring_domain::{Role, UserId};
use kring_protocol::{ChangeBody, Mutation, MutationOutcome, MutationRequest, SyncPage};
use kring_tests::{practice_team, wait_for_event, wait_until, RawApi, TestRegion};

#[tokio::test]
async fn directory_shows_every_organisation_team_and_role_after_sync() {
    let region = TestRegion::start().await;
    let nurse = region.login("wijkverpleging").await;
    assert!(nurse.directory().unwrap().organisations.is_empty(), "a new cache starts empty");
    nurse.sync_now().await.unwrap();
    let directory = nurse.directory().unwrap();
    let names: Vec<&str> = directory.organisations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "GGZ Delfland",
            "Huisartsenpraktijk De Linde",
            "Kring Regio Delft (beheer)",
            "Thuiszorg Hof van Delft",
            "Zorggroep Delfland"
        ]
    );
    let practice = &directory.organisations[1];
    let team = practice.teams.iter().find(|t| t.name == "Praktijkteam").unwrap();
    let roles: Vec<(&str, Role)> = team.members.iter().map(|m| (m.name.as_str(), m.role)).collect();
    assert_eq!(roles, [("Anne de Vries", Role::Huisarts), ("Sanne Bakker", Role::Assistent)]);
    assert_eq!(practice.members[0].name, "Peter Smit", "account manager works outside teams");
    assert_eq!(practice.members[0].role_name, "Accountbeheerder");
}

#[tokio::test]
async fn sync_returns_only_what_the_caller_may_see() {
    let region = TestRegion::start().await;
    let nurse = region.login("wijkverpleging").await;
    let gp = region.login("huisarts").await;
    // The raw feed as the nurse's session receives it.
    let page: SyncPage = RawApi::login(&region, "wijkverpleging").await.get("v1/sync?since=0").await.json().await.unwrap();
    let accounts: Vec<UserId> = page
        .changes
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::Account(a) => Some(a.id),
            _ => None,
        })
        .collect();
    assert_eq!(accounts, vec![nurse.me().user_id], "only her own account, never the GP's");
    assert!(!accounts.contains(&gp.me().user_id));
    assert_eq!(RawApi::anonymous(&region).get("v1/sync?since=0").await.status(), 401);
}

#[tokio::test]
async fn staff_9_contact_person_change_is_pushed_to_other_clients_live() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let nurse = region.login("wijkverpleging").await;
    let mut nurse_events = nurse.subscribe();
    let live = tokio::spawn(nurse.clone().run_live());
    wait_for_event(&mut nurse_events, |e| *e == ClientEvent::Connection { state: ConnectionState::Online }).await;

    gp.sync_now().await.unwrap();
    let practice_team = practice_team(&gp);
    assert!(practice_team.contact_person.is_none());
    let assistant = practice_team.members.iter().find(|m| m.role == Role::Assistent).unwrap().user_id;
    gp.submit(Mutation::SetTeamContact { team_id: practice_team.id, contact: Some(assistant) }).await.unwrap();

    wait_until(&nurse, |nurse| {
        kring_tests::practice_team(nurse).contact_person.map(|c| c.name) == Some("Sanne Bakker".to_owned())
    })
    .await;
    assert!(gp.outbox().unwrap().is_empty(), "accepted mutations leave the outbox");
    live.abort();
}

#[tokio::test]
async fn a_role_without_permission_is_refused_and_told_why() {
    let region = TestRegion::start().await;
    let assistant = region.login("assistent").await;
    assistant.sync_now().await.unwrap();
    let team = practice_team(&assistant);
    let mut events = assistant.subscribe();
    let id = assistant.submit(Mutation::SetTeamContact { team_id: team.id, contact: None }).await.unwrap();
    let event = wait_for_event(&mut events, |e| matches!(e, ClientEvent::MutationRejected { .. })).await;
    assert!(matches!(event, ClientEvent::MutationRejected { id: rejected, code: "forbidden", .. } if rejected == id));
    let outbox = assistant.outbox().unwrap();
    assert_eq!(outbox.len(), 1, "a refused change stays visible with its reason");
    assert_eq!(outbox[0].rejected, Some(kring_protocol::ErrorCode::Forbidden));
}

#[tokio::test]
async fn resending_a_mutation_applies_it_once() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    let team = practice_team(&gp);
    let api = RawApi::login(&region, "huisarts").await;
    let request = MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: Mutation::SetTeamContact { team_id: team.id, contact: Some(gp.me().user_id) },
    };
    let mut outcomes: Vec<MutationOutcome> = Vec::new();
    for _ in 0..3 {
        outcomes.push(api.post("v1/mutations", &request).await.json().await.unwrap());
    }
    assert!(matches!(outcomes[0], MutationOutcome::Applied { .. }));
    assert!(outcomes.iter().all(|o| *o == outcomes[0]), "every resend gets the first answer");
    let before = region.server().state.store().latest_seq().await.unwrap();
    let MutationOutcome::Applied { seq } = outcomes[0] else { unreachable!() };
    assert_eq!(seq, before, "exactly one change was committed");

    let changed = MutationRequest { mutation: Mutation::SetTeamContact { team_id: team.id, contact: None }, ..request };
    let conflict = api.post("v1/mutations", &changed).await;
    assert_eq!(conflict.status(), 409, "the same id with another body is a conflict");
}
