//! ACC-3, ACC-4: the server holds the users' private keys only sealed. Nothing in its database
//! opens them: not the password, not any 32 bytes stored anywhere in the files.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::{derive_login_keys, Kek, Salt, UserKeys};
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::TestRegion;

#[tokio::test]
async fn acc_4_the_server_store_holds_only_ciphertext_of_the_private_keys() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.change_password(DEMO_PASSWORD, "lange zomeravonden in Delft", "lange zomeravonden in Delft").await.unwrap();

    let credentials = region.server().state.store().credentials("huisarts").await.unwrap().unwrap();
    let sealed = STANDARD_NO_PAD.decode(credentials.keys.unwrap().sealed_private_keys).unwrap();
    // Sanity: the password does open them, so the search below would notice a stored key.
    let salt = Salt::from_base64(&credentials.salt).unwrap();
    let kek = derive_login_keys("lange zomeravonden in Delft", &salt, credentials.kdf).unwrap().kek;
    assert!(UserKeys::unseal(&kek, &sealed).is_ok());

    let mut files = std::fs::read(region.dir.path().join("server.sqlite")).unwrap();
    files.extend(std::fs::read(region.dir.path().join("server.sqlite-wal")).unwrap_or_default());
    assert!(!files.windows(kek.as_bytes().len()).any(|w| w == kek.as_bytes()), "the kek is not stored");
    // Every 32-byte window of the raw files, and every base64 token in them, tried as the key.
    let mut candidates: Vec<[u8; 32]> = files.windows(32).map(|w| w.try_into().unwrap()).collect();
    for token in files.split(|b| !(b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')) {
        if let Ok(bytes) = STANDARD_NO_PAD.decode(token) {
            candidates.extend(bytes.windows(32).map(|w| <[u8; 32]>::try_from(w).unwrap()));
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    assert!(candidates.len() > 1000, "the search covered the database");
    let opened = candidates.iter().filter(|candidate| UserKeys::unseal(&Kek::from_bytes(**candidate), &sealed).is_ok()).count();
    assert_eq!(opened, 0, "nothing the server stores opens the private keys");
}
