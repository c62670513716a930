//! Minimal login (issue 2): username + password, session token, logout revokes.

use kring_client::{ClientError, KringClient, ServerUrl};
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;

#[tokio::test]
async fn demo_gp_logs_in_and_sees_her_contracts() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let me = gp.me();
    assert_eq!(me.display_name, "Anne de Vries");
    let organisations: Vec<&str> = me.contracts.iter().map(|c| c.organisation_name.as_str()).collect();
    assert_eq!(organisations, ["Huisartsenpraktijk De Linde", "Zorggroep Delfland"], "ACC-6: two contracts");
}

#[tokio::test]
async fn username_is_case_insensitive_but_password_is_not() {
    let region = TestRegion::start().await;
    let dir = region.dir.path().join("c");
    assert!(KringClient::login(&region.url, &dir, "  HuisArts ", DEMO_PASSWORD, "pc").await.is_ok());
    let wrong = KringClient::login(&region.url, &dir, "huisarts", &DEMO_PASSWORD.to_uppercase(), "pc").await;
    assert!(matches!(wrong, Err(ClientError::InvalidCredentials)), "{:?}", wrong.err());
}

#[tokio::test]
async fn unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let region = TestRegion::start().await;
    let dir = region.dir.path().join("c");
    let unknown = KringClient::login(&region.url, &dir, "niemand", DEMO_PASSWORD, "pc").await;
    assert!(matches!(unknown, Err(ClientError::InvalidCredentials)));
    let empty = KringClient::login(&region.url, &dir, "", "", "pc").await;
    assert!(matches!(empty, Err(ClientError::MissingCredentials)));
}

#[tokio::test]
async fn unreachable_server_is_reported_as_such() {
    let mut region = TestRegion::start().await;
    region.stop().await;
    let dir = region.dir.path().join("c");
    let result = KringClient::login(&region.url, &dir, "huisarts", DEMO_PASSWORD, "pc").await;
    assert!(matches!(result, Err(ClientError::ServerUnreachable)), "{:?}", result.err());
    assert_eq!(ClientError::ServerUnreachable.code(), "server_unreachable");
}

#[tokio::test]
async fn logout_revokes_the_session_everywhere() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let same_session = gp.clone();
    gp.logout().await.unwrap();
    let after = same_session.sync_now().await;
    assert!(matches!(after, Err(ClientError::SessionExpired)), "{:?}", after.err());
}

#[tokio::test]
async fn the_server_never_receives_the_password() {
    let region = TestRegion::start().await;
    region.login("huisarts").await;
    // The whole database, as bytes: the demo password must not be anywhere in it.
    let database = std::fs::read(region.dir.path().join("server.sqlite")).unwrap();
    let wal = std::fs::read(region.dir.path().join("server.sqlite-wal")).unwrap_or_default();
    for bytes in [database, wal] {
        assert!(!bytes.windows(DEMO_PASSWORD.len()).any(|w| w == DEMO_PASSWORD.as_bytes()));
    }
}

#[test]
fn invalid_server_addresses_are_refused_before_any_connection() {
    assert_eq!(ServerUrl::parse("http://kring.example.nl").unwrap_err().code(), "invalid_server_url");
}
