//! Logging in (ACC-1): password, then a one-time code from the dev outbox; sessions with access
//! and refresh tokens; logout revokes.

use kring_client::{ClientError, ServerUrl};
use kring_protocol::CodeChannel;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;
use time::Duration;

#[tokio::test]
async fn acc_1_demo_gp_logs_in_with_the_code_sent_by_email_and_sees_her_contracts() {
    let region = TestRegion::start().await;
    let attempt = region.start_login("huisarts", DEMO_PASSWORD).await.unwrap();
    let sent = attempt.code_sent();
    assert_eq!((sent.channel, sent.destination.as_str()), (CodeChannel::Email, "h•••s@demo.kring.nl"));
    let message = region.outbox.messages().pop().unwrap();
    assert_eq!((message.to.as_str(), message.subject.as_str()), ("huisarts@demo.kring.nl", "Uw inlogcode voor Kring"));
    assert!(!message.body.contains("Anne"), "the mail carries the code, not who it is for");

    let gp = attempt.verify(&region.code_for("huisarts").await).await.unwrap();
    let me = gp.me();
    assert_eq!(me.display_name, "Anne de Vries");
    let organisations: Vec<&str> = me.contracts.iter().map(|c| c.organisation_name.as_str()).collect();
    assert_eq!(organisations, ["Huisartsenpraktijk De Linde", "Zorggroep Delfland"], "ACC-6: two contracts");
    assert!(gp.is_unlocked(), "ACC-4: the password typed at login opens the secure session");
}

#[tokio::test]
async fn acc_1_the_poh_ggz_gets_her_code_by_sms_and_anyone_can_switch_channel() {
    let region = TestRegion::start().await;
    let poh = region.start_login("pohggz", DEMO_PASSWORD).await.unwrap();
    assert_eq!((poh.code_sent().channel, poh.code_sent().destination.as_str()), (CodeChannel::Sms, "06 •••• 0002"));
    let sms = region.outbox.messages().pop().unwrap();
    assert_eq!((sms.channel, sms.to.as_str()), (CodeChannel::Sms, "+31612340002"));

    let gp = region.login("huisarts").await;
    gp.set_code_channel(CodeChannel::Sms).await.unwrap();
    let next = region.start_login("huisarts", DEMO_PASSWORD).await.unwrap();
    assert_eq!(next.code_sent().channel, CodeChannel::Sms);
    assert_eq!(region.outbox.messages().pop().unwrap().to, "+31612340001");
}

#[tokio::test]
async fn acc_1_a_code_opens_one_login_once_and_only_for_five_minutes() {
    let region = TestRegion::start().await;
    let attempt = region.start_login("assistent", DEMO_PASSWORD).await.unwrap();
    let code = region.code_for("assistent").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = attempt.verify(wrong).await.err().map(|e| e.code());
    assert_eq!(refused, Some("code_wrong"));
    attempt.verify(&format!("{} {}", &code[..3], &code[3..])).await.expect("typed with a space, from an SMS");
    assert_eq!(attempt.verify(&code).await.err().map(|e| e.code()), Some("code_used"));

    let late = region.start_login("assistent", DEMO_PASSWORD).await.unwrap();
    region.clock.advance(Duration::minutes(5));
    assert_eq!(late.verify(&region.code_for("assistent").await).await.err().map(|e| e.code()), Some("code_expired"));
}

#[tokio::test]
async fn acc_7_wrong_codes_lock_the_account_like_wrong_passwords() {
    let region = TestRegion::start().await;
    let attempt = region.start_login("assistent", DEMO_PASSWORD).await.unwrap();
    let code = region.code_for("assistent").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(attempt.verify(wrong).await.err().map(|e| e.code()), Some("code_wrong"));
    }
    let fifth = attempt.verify(wrong).await;
    assert!(matches!(fifth, Err(ClientError::RateLimited { retry_after_seconds: 60 })), "{:?}", fifth.err());
    let locked = attempt.verify(&code).await;
    assert!(matches!(locked, Err(ClientError::RateLimited { .. })), "even the right code waits: {:?}", locked.err());

    region.clock.advance(Duration::seconds(61));
    assert_eq!(attempt.verify(&code).await.err().map(|e| e.code()), Some("code_attempts"), "this code is spent");
    assert!(region.try_login("assistent", DEMO_PASSWORD).await.is_ok(), "a new login sends a new code");
}

#[tokio::test]
async fn username_is_case_insensitive_but_password_is_not() {
    let region = TestRegion::start().await;
    assert!(region.start_login("  HuisArts ", DEMO_PASSWORD).await.is_ok());
    let wrong = region.start_login("huisarts", &DEMO_PASSWORD.to_uppercase()).await;
    assert!(matches!(wrong, Err(ClientError::InvalidCredentials)), "{:?}", wrong.err());
}

#[tokio::test]
async fn unknown_user_gets_the_same_answer_as_a_wrong_password_and_no_code_goes_out() {
    let region = TestRegion::start().await;
    let unknown = region.start_login("niemand", DEMO_PASSWORD).await;
    assert!(matches!(unknown, Err(ClientError::InvalidCredentials)));
    let empty = region.start_login("", "").await;
    assert!(matches!(empty, Err(ClientError::MissingCredentials)));
    assert!(region.outbox.messages().is_empty());
}

#[tokio::test]
async fn unreachable_server_is_reported_as_such() {
    let mut region = TestRegion::start().await;
    region.stop().await;
    let result = region.start_login("huisarts", DEMO_PASSWORD).await;
    assert!(matches!(result, Err(ClientError::ServerUnreachable)), "{:?}", result.err());
    assert_eq!(ClientError::ServerUnreachable.code(), "server_unreachable");
}

#[tokio::test]
async fn acc_1_the_short_access_token_is_refreshed_without_the_user_noticing_until_the_day_ends() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    region.clock.advance(Duration::minutes(16));
    gp.sync_now().await.expect("the expired access token is refreshed with the refresh token");
    region.clock.advance(Duration::minutes(16));
    gp.sync_now().await.expect("and again: the rotated refresh token works too");
    region.clock.advance(Duration::hours(13));
    assert!(matches!(gp.sync_now().await, Err(ClientError::SessionExpired)), "after a working day: log in again");
}

#[tokio::test]
async fn logout_revokes_the_session_everywhere() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let same_session = gp.clone();
    gp.logout().await.unwrap();
    let after = same_session.sync_now().await;
    assert!(matches!(after, Err(ClientError::SessionExpired)), "{:?}", after.err());
    assert!(!same_session.is_unlocked(), "logging out closes the lock");
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

/// Issue 12: a NUL byte or a 300-character name never reaches a store (PostgreSQL refused the NUL
/// with a 500, SQLite stored it): the login steps answer as for an unknown name, and a profile
/// name with a NUL or of 900 kB is refused by the domain's rule, the same on either store.
#[tokio::test]
async fn impossible_names_are_answered_as_unknown_and_refused_in_profiles() {
    use kring_protocol::{Mutation, MutationOutcome, MutationRequest};
    let region = TestRegion::start().await;
    let api = kring_tests::RawApi::anonymous(&region);
    let long = "x".repeat(300);
    for name in ["hui\u{0}sarts", long.as_str()] {
        let prelogin = api.post("v1/auth/prelogin", &serde_json::json!({ "username": name })).await;
        assert_eq!(prelogin.status(), 200, "a decoy salt, as for any unknown name");
        let login = kring_protocol::LoginRequest {
            username: name.into(),
            auth_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, [7u8; 32]),
            device_name: "test".into(),
        };
        let answer = api.post("v1/auth/login", &login).await;
        let status = answer.status();
        let body: kring_protocol::ErrorBody = answer.json().await.unwrap();
        assert_eq!((status.as_u16(), body.code), (401, kring_protocol::ErrorCode::InvalidCredentials));
    }

    let poh = kring_tests::RawApi::login(&region, "pohggz").await;
    for last_name in ["Yıl\u{0}maz".to_owned(), "x".repeat(900_000)] {
        let form = kring_domain::ProfileForm { first_name: "Mehmet".into(), last_name, ..Default::default() };
        let request = MutationRequest { id: uuid::Uuid::now_v7(), mutation: Mutation::UpdateProfile(form) };
        let outcome: MutationOutcome = poh.post("v1/mutations", &request).await.json().await.unwrap();
        assert!(
            matches!(outcome, MutationOutcome::Rejected { ref message, .. } if message.contains("profile_name_invalid")),
            "{outcome:?}"
        );
    }
}
