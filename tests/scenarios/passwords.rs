//! ACC-2 and ACC-3: the forced first password change, changing a known password (nothing is
//! lost), and an administrator's reset of a forgotten one (old encrypted data is lost).

use kring_client::{ClientError, KringClient};
use kring_crypto::Vault;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;

const NEW_PASSWORD: &str = "lange zomeravonden in Delft";

/// A message for `client` the way conversations will carry them: sealed to a vault whose key is
/// wrapped to the client's public key.
fn message_for(client: &KringClient, text: &str) -> (Vec<u8>, Vec<u8>) {
    let vault = Vault::generate();
    let wrapped = vault.wrap_for(&client.encryption_public_key().unwrap()).unwrap();
    (wrapped, vault.public().seal(text.as_bytes()).unwrap())
}

fn read(client: &KringClient, (wrapped, sealed): &(Vec<u8>, Vec<u8>)) -> Result<String, ClientError> {
    let vault = client.open_vault(wrapped)?;
    Ok(String::from_utf8(vault.open(sealed).unwrap().to_vec()).unwrap())
}

#[tokio::test]
async fn acc_2_first_login_allows_nothing_before_the_password_is_changed() {
    let region = TestRegion::start_first_login().await;
    let poh = region.login("pohggz").await;
    assert!(poh.must_change_password());
    assert_eq!(poh.sync_now().await.err().map(|e| e.code()), Some("password_change_required"));

    let refusals =
        [("kort", "password_too_short"), ("Wachtwoord1234", "password_common"), ("pohggz-pohggz", "password_like_username")];
    for (candidate, code) in refusals {
        assert_eq!(poh.change_initial_password(candidate, candidate).await.err().map(|e| e.code()), Some(code), "{candidate}");
    }
    assert_eq!(poh.change_initial_password(NEW_PASSWORD, "iets anders").await.err().map(|e| e.code()), Some("passwords_differ"));
    // Issue 13 (ACC-2): the first password (the demo's, or a reset's temporary one) is not a new one.
    let kept = poh.change_initial_password(DEMO_PASSWORD, DEMO_PASSWORD).await;
    assert_eq!(kept.err().map(|e| e.code()), Some("password_unchanged"));

    poh.change_initial_password(NEW_PASSWORD, NEW_PASSWORD).await.unwrap();
    assert!(!poh.must_change_password());
    assert!(poh.sync_now().await.unwrap() > 0, "after the change the app works");
    assert!(poh.is_unlocked());

    assert!(matches!(region.try_login("pohggz", DEMO_PASSWORD).await, Err(ClientError::InvalidCredentials)));
    let again = region.try_login("pohggz", NEW_PASSWORD).await.unwrap();
    assert!(!again.must_change_password(), "asked once only");
}

#[tokio::test]
async fn acc_3_changing_a_known_password_keeps_every_earlier_message_readable() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let message = message_for(&gp, "Patiënt belt morgen terug over de medicatie.");
    assert_eq!(read(&gp, &message).unwrap(), "Patiënt belt morgen terug over de medicatie.");

    // Issue 13: a wrong current password is named as such (the dialog has no username), and the
    // current password is not a new one.
    let wrong = gp.change_password("niet mijn wachtwoord", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(wrong.err().map(|e| e.code()), Some("current_password_wrong"));
    let same = gp.change_password(DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD).await;
    assert_eq!(same.err().map(|e| e.code()), Some("password_unchanged"));
    gp.change_password(DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await.unwrap();

    let other_workstation = region.try_login("huisarts", NEW_PASSWORD).await.unwrap();
    assert_eq!(read(&other_workstation, &message).unwrap(), "Patiënt belt morgen terug over de medicatie.");
    assert!(gp.sync_now().await.is_ok(), "the session that changed it stays");
}

#[tokio::test]
async fn acc_3_an_administrator_reset_gives_access_again_but_older_messages_are_lost() {
    let region = TestRegion::start().await;
    let assistant = region.login("assistent").await;
    let message = message_for(&assistant, "Uitslag lab is binnen.");

    let admin = region.login("beheer").await;
    let temporary = admin.reset_password(assistant.me().user_id).await.unwrap();
    assert!(matches!(assistant.sync_now().await, Err(ClientError::SessionExpired)), "the old sessions end at once");
    assert!(matches!(region.try_login("assistent", DEMO_PASSWORD).await, Err(ClientError::InvalidCredentials)));

    let after = region.try_login("assistent", &temporary).await.unwrap();
    assert!(after.must_change_password() && after.keys_were_reset());
    let kept = after.change_initial_password(&temporary, &temporary).await;
    assert_eq!(kept.err().map(|e| e.code()), Some("password_unchanged"), "not the password the administrator saw");
    assert!(!after.has_keys(), "the administrator never holds keys for her");
    after.change_initial_password(NEW_PASSWORD, NEW_PASSWORD).await.unwrap();
    assert!(after.is_unlocked());
    assert!(matches!(read(&after, &message), Err(ClientError::KeysLost)), "older data cannot be opened any more");
    let fresh = message_for(&after, "Nieuw bericht.");
    assert_eq!(read(&after, &fresh).unwrap(), "Nieuw bericht.", "new data works with the new keys");

    let later = region.try_login("assistent", NEW_PASSWORD).await.unwrap();
    assert!(!later.keys_were_reset(), "the warning is shown once, at the first login after the reset");
}

#[tokio::test]
async fn acc_3_only_an_administrator_of_one_of_her_organisations_may_reset_a_password() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let assistant = region.login("assistent").await;
    let nurse = region.login("wijkverpleging").await;
    let forbidden = assistant.reset_password(gp.me().user_id).await;
    assert_eq!(forbidden.err().map(|e| e.code()), Some("forbidden"));
    let other_organisation = nurse.reset_password(assistant.me().user_id).await;
    assert_eq!(other_organisation.err().map(|e| e.code()), Some("forbidden"));
    let own = gp.reset_password(gp.me().user_id).await;
    assert_eq!(own.err().map(|e| e.code()), Some("invalid_request"), "one's own password is changed, not reset");
    assert!(gp.reset_password(assistant.me().user_id).await.is_ok(), "the GP may");
}

/// Issue 13 (ACC-2): the server refuses the same password too, whatever a client claims.
#[tokio::test]
async fn acc_2_the_server_refuses_the_current_password_as_the_new_one() {
    use kring_crypto::{derive_login_keys, KdfParams, Salt};
    let region = TestRegion::start().await;
    let gp = kring_tests::RawApi::login(&region, "huisarts").await;
    let prelogin: kring_protocol::PreloginResponse =
        gp.post("v1/auth/prelogin", &serde_json::json!({ "username": "huisarts" })).await.json().await.unwrap();
    let salt = Salt::from_base64(&prelogin.salt).unwrap();
    let current = derive_login_keys(DEMO_PASSWORD, &salt, prelogin.kdf).unwrap();
    let new_salt = Salt::random();
    let new = derive_login_keys(DEMO_PASSWORD, &new_salt, KdfParams::TESTING).unwrap();
    let person = kring_crypto::UserKeys::generate();
    let keys = kring_protocol::KeyMaterial {
        encryption_public_key: base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            person.encryption.public().as_bytes(),
        ),
        signing_public_key: base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            person.signing.public().as_bytes(),
        ),
        sealed_private_keys: base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            person.seal(&new.kek).unwrap(),
        ),
    };
    let request = kring_protocol::ChangePasswordRequest {
        current_auth_key: current.auth_key.to_base64().to_string(),
        new: kring_protocol::NewPassword {
            salt: new_salt.to_base64(),
            kdf: KdfParams::TESTING,
            auth_key: new.auth_key.to_base64().to_string(),
        },
        keys,
        new_auth_key_under_current_salt: current.auth_key.to_base64().to_string(),
    };
    let answer = gp.post("v1/auth/password", &request).await;
    assert_eq!(answer.status(), 400);
    let body: kring_protocol::ErrorBody = answer.json().await.unwrap();
    assert_eq!(body.code, kring_protocol::ErrorCode::PasswordUnchanged);
}
