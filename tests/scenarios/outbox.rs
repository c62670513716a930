//! Offline work: mutations made while the server is away wait in the durable outbox and go out
//! on reconnect, in order, exactly once.

use kring_client::{ClientEvent, ConnectionState};
use kring_protocol::Mutation;
use kring_tests::{practice_team, wait_for_event, wait_until, TestRegion};

#[tokio::test]
async fn mutations_made_offline_are_sent_in_order_on_reconnect() {
    let mut region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let mut events = gp.subscribe();
    let live = tokio::spawn(gp.clone().run_live());
    wait_for_event(&mut events, |e| *e == ClientEvent::Connection { state: ConnectionState::Online }).await;

    let team = practice_team(&gp);
    let first = team.members[0].user_id;
    let second = team.members[1].user_id;

    region.stop().await;
    wait_for_event(&mut events, |e| *e == ClientEvent::Connection { state: ConnectionState::Offline }).await;
    gp.submit(Mutation::SetTeamContact { team_id: team.id, contact: Some(first) }).await.unwrap();
    gp.submit(Mutation::SetTeamContact { team_id: team.id, contact: Some(second) }).await.unwrap();
    assert_eq!(gp.outbox().unwrap().len(), 2, "both wait in the outbox while offline");
    assert_eq!(practice_team(&gp).members.len(), 2, "reading works offline");

    let seq_before = {
        region.restart().await;
        region.server().state.store().latest_seq().await.unwrap()
    };
    wait_until(&gp, |gp| gp.outbox().unwrap().is_empty()).await;
    wait_until(&gp, |gp| practice_team(gp).contact_person.as_ref().map(|c| c.user_id) == Some(second)).await;
    let seq_after = region.server().state.store().latest_seq().await.unwrap();
    assert_eq!(seq_after - seq_before, 2, "each queued mutation was applied exactly once");
    live.abort();
}
