//! A region with several server instances on one PostgreSQL: a change committed through one
//! instance reaches clients connected to another, pushed live (LISTEN/NOTIFY fan-out).

use kring_client::{ClientEvent, ConnectionState, KringClient, LoginAttempt, ServerUrl};
use kring_protocol::Mutation;
use kring_server::delivery::{CodeDelivery, DevOutbox};
use kring_server::seed::{seed_demo_region, DemoOptions, DEMO_PASSWORD};
use kring_server::store::{PostgresStore, Store};
use kring_server::testing::postgres::TestCluster;
use kring_server::{AppState, RunningServer};
use kring_tests::{practice_team, wait_for_event, wait_until};
use std::sync::Arc;

async fn instance(url: &str, outbox: &DevOutbox) -> RunningServer {
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(url).await.expect("connect"));
    let state = AppState::new(store, Arc::new(kring_domain::SystemClock), CodeDelivery::dev(outbox)).await.expect("state");
    RunningServer::spawn(std::net::TcpListener::bind("127.0.0.1:0").expect("bind"), state, kring_server::Jobs::ByHand)
        .expect("spawn")
}

/// Log in through `server`; the code is the newest message in the shared outbox.
async fn login(server: &RunningServer, outbox: &DevOutbox, dir: &std::path::Path, username: &str) -> KringClient {
    let url = ServerUrl::parse(&server.url()).expect("url");
    let attempt = LoginAttempt::start(&url, &kring_tests::storage(dir.join(username)), username, DEMO_PASSWORD, "test")
        .await
        .expect("login");
    let message = outbox.messages().pop().expect("a code was sent");
    let code: String = message.body.chars().filter(char::is_ascii_digit).take(6).collect();
    attempt.verify(&code).await.expect("code")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_through_one_instance_is_pushed_to_clients_of_another() {
    let cluster = tokio::task::spawn_blocking(TestCluster::start).await.unwrap().expect("postgres cluster");
    let url = cluster.create_database("fan_out").await.expect("database");
    let outbox = DevOutbox::default();
    let first = instance(&url, &outbox).await;
    let second = instance(&url, &outbox).await;
    let options = DemoOptions { kdf: kring_crypto::KdfParams::TESTING, must_change_password: false };
    seed_demo_region(first.state.store(), options).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let gp = login(&first, &outbox, dir.path(), "huisarts").await;
    let nurse = login(&second, &outbox, dir.path(), "wijkverpleging").await;
    let mut events = nurse.subscribe();
    let live = tokio::spawn(nurse.clone().run_live());
    wait_for_event(&mut events, |e| *e == ClientEvent::Connection { state: ConnectionState::Online }).await;

    gp.sync_now().await.unwrap();
    let team = practice_team(&gp);
    let assistant = team.members.iter().find(|m| m.name == "Sanne Bakker").unwrap().user_id;
    gp.submit(Mutation::SetTeamContact { team_id: team.id, contact: Some(assistant) }).await.unwrap();

    wait_until(&nurse, |nurse| practice_team(nurse).contact_person.map(|c| c.user_id) == Some(assistant)).await;
    live.abort();
    first.shutdown().await;
    second.shutdown().await;
}
