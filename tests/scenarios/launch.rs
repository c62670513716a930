//! HIS single sign-on (PAT-3, PAT-4, STAFF-11, ACC-5): a token signed by the practice's HIS bridge
//! opens a session for the linked colleague, locked until the password; every bad token is refused
//! with its own reason.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_client::{ClientError, KringClient};
use kring_crypto::jws::sign_compact;
use kring_crypto::SigningKeyPair;
use kring_domain::launch::LaunchClaims;
use kring_domain::Clock;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;

const BRIDGE: &str = "delinde-medicom";

struct His {
    key: SigningKeyPair,
}

impl His {
    /// Register a bridge for the demo practice and link the GP to HIS user "AVRIES".
    async fn set_up(region: &TestRegion) -> Self {
        let gp = region.login("huisarts").await;
        let practice =
            gp.me().contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id;
        gp.set_his_user(practice, gp.me().user_id, Some("AVRIES".into())).await.unwrap();
        let key = SigningKeyPair::generate();
        let public = STANDARD_NO_PAD.encode(key.public().as_bytes());
        region.server().state.store().register_his_bridge(BRIDGE, practice, &public).await.unwrap();
        Self { key }
    }

    fn claims(&self, region: &TestRegion) -> LaunchClaims {
        let now = region.clock.now().unix_timestamp();
        LaunchClaims {
            iss: BRIDGE.into(),
            aud: "kring".into(),
            sub: "AVRIES".into(),
            bsn: "999911120".into(),
            bsn_verified: true,
            birth_date: None,
            dossier: false,
            iat: now,
            exp: now + 90,
            jti: uuid::Uuid::now_v7().to_string(),
        }
    }

    fn link(&self, claims: &LaunchClaims) -> String {
        let token = sign_compact(&self.key, BRIDGE, &serde_json::to_vec(claims).unwrap()).unwrap();
        format!("kring://launch?vendor=medicom&token={token}")
    }
}

async fn launch(region: &TestRegion, link: &str) -> Result<KringClient, ClientError> {
    let (client, _target) = KringClient::launch(&region.url, &region.storage("cache-his"), link, "spreekkamer 1").await?;
    Ok(client)
}

#[tokio::test]
async fn pat_3_acc_5_the_his_opens_kring_for_the_linked_gp_with_the_keys_still_locked() {
    let region = TestRegion::start().await;
    let his = His::set_up(&region).await;
    let link = his.link(&his.claims(&region));
    let gp = launch(&region, &link).await.unwrap();
    assert_eq!(gp.me().display_name, "Anne de Vries");
    assert!(gp.has_keys() && !gp.is_unlocked(), "no password yet: encrypted content stays closed");
    assert!(gp.sync_now().await.is_ok(), "the rest of the app works");
    gp.unlock(DEMO_PASSWORD).await.unwrap();
    assert!(gp.is_unlocked(), "'Ontsleutel beveiligde gesprekken' with the password");

    assert_eq!(launch(&region, &link).await.err().map(|e| e.code()), Some("launch_replayed"), "a token works once");
}

#[tokio::test]
async fn pat_3_4_every_bad_launch_is_refused_with_its_own_reason() {
    let region = TestRegion::start().await;
    let his = His::set_up(&region).await;
    let cases: Vec<(&str, LaunchClaims)> = vec![
        ("launch_bsn_not_verified", LaunchClaims { bsn_verified: false, ..his.claims(&region) }),
        ("launch_bsn_invalid", LaunchClaims { bsn: "123456789".into(), ..his.claims(&region) }),
        ("launch_wrong_audience", LaunchClaims { aud: "andere-regio".into(), ..his.claims(&region) }),
        ("launch_too_long", LaunchClaims { exp: his.claims(&region).iat + 600, ..his.claims(&region) }),
        ("launch_unknown_his_user", LaunchClaims { sub: "ONBEKEND".into(), ..his.claims(&region) }),
        ("launch_bad_signature", LaunchClaims { iss: "andere-bridge".into(), ..his.claims(&region) }),
    ];
    for (code, claims) in cases {
        assert_eq!(launch(&region, &his.link(&claims)).await.err().map(|e| e.code()), Some(code));
    }

    let forged = His { key: SigningKeyPair::generate() };
    assert_eq!(launch(&region, &forged.link(&his.claims(&region))).await.err().map(|e| e.code()), Some("launch_bad_signature"));

    let late = his.link(&his.claims(&region));
    region.clock.advance(time::Duration::minutes(3));
    assert_eq!(launch(&region, &late).await.err().map(|e| e.code()), Some("launch_expired"));

    for (link, code) in [
        ("https://evil.example/launch?token=x", "launch_not_a_link"),
        ("kring://launch?token=not-a-jws", "launch_malformed"),
        ("kring://launch?token=a&token=b", "launch_malformed"),
    ] {
        assert_eq!(launch(&region, link).await.err().map(|e| e.code()), Some(code), "{link}");
    }
}

#[tokio::test]
async fn pat_3_a_launch_for_the_colleague_already_logged_in_keeps_the_open_session() {
    let region = TestRegion::start().await;
    let his = His::set_up(&region).await;
    let gp = region.login("huisarts").await;
    assert!(gp.is_unlocked());
    let claims = LaunchClaims { birth_date: Some(time::macros::date!(1950 - 03 - 04)), ..his.claims(&region) };
    let target = gp.launch_here(&his.link(&claims), "spreekkamer 1").await.unwrap();
    assert_eq!((target.bsn.expose(), target.birth_date), ("999911120", claims.birth_date));
    assert!(gp.is_unlocked(), "no second password");
    assert_eq!(gp.launch_here(&his.link(&claims), "spreekkamer 1").await.err().map(|e| e.code()), Some("launch_replayed"));

    // The HIS user is another colleague: refused here, and the token is still good for their
    // own login (the app then switches to them).
    let poh = region.login("pohggz").await;
    let link = his.link(&his.claims(&region));
    assert_eq!(poh.launch_here(&link, "spreekkamer 2").await.err().map(|e| e.code()), Some("launch_other_user"));
    assert_eq!(launch(&region, &link).await.unwrap().me().display_name, "Anne de Vries");
}

/// The kept corpus of hostile links (`corpus/launch-links.txt`), through the whole path: the
/// client's link parser, the HTTP endpoint, the JWS decoder and the claims. Each is refused with
/// a launch reason, and the server keeps serving.
#[tokio::test]
async fn pat_3_every_link_of_the_kept_corpus_is_refused_without_a_crash() {
    let region = TestRegion::start().await;
    let _his = His::set_up(&region).await;
    let corpus = include_str!("corpus/launch-links.txt");
    let links: Vec<&str> = corpus.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect();
    assert!(links.len() >= 25);
    for link in links {
        let code = launch(&region, link).await.err().map(|error| error.code());
        assert!(code.is_some_and(|code| code.starts_with("launch_")), "{link:.60}: {code:?}");
    }
    assert!(region.login("huisarts").await.sync_now().await.is_ok(), "the server still serves");
}
