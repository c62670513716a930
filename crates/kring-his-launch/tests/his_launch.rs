//! `kring-his-launch` as a demo or test plays the HIS: its key file, and links whose token a
//! server accepts (PAT-3).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::jws::UnverifiedJws;
use kring_crypto::SigningPublicKey;
use kring_domain::launch::{token_from_link, LaunchClaims};
use std::process::Command;

fn tool(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kring-his-launch")).args(args).output().unwrap()
}

#[test]
fn pat_3_the_tool_signs_a_link_that_verifies_with_the_printed_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("bridge.key");
    let made = tool(&["new-key", "--out", key.to_str().unwrap()]);
    assert!(made.status.success());
    let public = String::from_utf8(made.stdout).unwrap();
    let public: [u8; 32] = STANDARD_NO_PAD.decode(public.trim()).unwrap().try_into().unwrap();
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions()) & 0o777, 0o600);
    assert!(!tool(&["new-key", "--out", key.to_str().unwrap()]).status.success(), "never overwrites a key");

    let launched = tool(&[
        "launch",
        "--key",
        key.to_str().unwrap(),
        "--bridge",
        "delinde-medicom",
        "--user",
        "AVRIES",
        "--bsn",
        "999911120",
        "--birth-date",
        "1954-03-02",
        "--vendor",
        "microhis",
        "--dossier",
    ]);
    assert!(launched.status.success(), "{}", String::from_utf8_lossy(&launched.stderr));
    let link = String::from_utf8(launched.stdout).unwrap();
    assert!(link.starts_with("kring://launch?vendor=microhis&token="));
    let jws = UnverifiedJws::decode(token_from_link(link.trim()).unwrap()).unwrap();
    assert_eq!(jws.kid(), "delinde-medicom");
    let claims: LaunchClaims =
        serde_json::from_slice(&jws.verify(&SigningPublicKey::from_bytes(&public).unwrap()).unwrap()).unwrap();
    assert_eq!((claims.sub.as_str(), claims.bsn_verified, claims.dossier), ("AVRIES", true, true));
    assert_eq!(claims.exp - claims.iat, 90);
    assert_eq!(claims.birth_date.unwrap().to_string(), "1954-03-02");
}
