//! Interop with libsodium through PyNaCl, an independent implementation: what we seal opens there,
//! and what it seals opens here. Needs `python3` with PyNaCl (`make test` installs it).

use kring_crypto::{open_with_key, seal_with_key, EncryptionKeyPair, EncryptionPublicKey, SigningKeyPair};
use std::io::Write;
use std::process::{Command, Stdio};

const PYNACL: &str = r#"
import json, sys
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as aead_encrypt
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt as aead_decrypt
from nacl.utils import random

ours = json.load(sys.stdin)
h = bytes.fromhex
out = {}
# Open what Rust sealed.
out["sealed_box_plain"] = SealedBox(PrivateKey(h(ours["box_secret"]))).decrypt(h(ours["sealed_box"])).hex()
blob = h(ours["aead_blob"])
out["aead_plain"] = aead_decrypt(blob[24:], h(ours["aead_context"]), blob[:24], h(ours["aead_key"])).hex()
VerifyKey(h(ours["verify_key"])).verify(h(ours["signed_message"]), h(ours["signature"]))
out["signature_ok"] = True
# Seal for Rust to open.
out["their_sealed_box"] = SealedBox(PublicKey(h(ours["box_public"]))).encrypt(b"van libsodium").hex()
nonce = random(24)
out["their_aead_blob"] = (nonce + aead_encrypt(b"ook van libsodium", h(ours["aead_context"]), nonce, h(ours["aead_key"]))).hex()
signer = SigningKey.generate()
out["their_verify_key"] = signer.verify_key.encode().hex()
out["their_signature"] = signer.sign(b"ondertekend door libsodium").signature.hex()
json.dump(out, sys.stdout)
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn sealed_boxes_aead_and_signatures_interoperate_with_libsodium() {
    let recipient = EncryptionKeyPair::generate();
    // A key pair for the PyNaCl side, its public half computed by PyNaCl, not by us.
    let python_recipient_secret = [5u8; 32];
    let python_recipient = python_public_key(&python_recipient_secret);
    let aead_key = [11u8; 32];
    let context = b"kring interop v1";
    let signer = SigningKeyPair::generate();
    let message = b"ondertekend door Kring";

    let input = serde_json::json!({
        "box_secret": hex(&python_recipient_secret),
        "sealed_box": hex(&python_recipient.seal(b"van Kring").unwrap()),
        "aead_key": hex(&aead_key),
        "aead_context": hex(context),
        "aead_blob": hex(&seal_with_key(&aead_key, context, b"ook van Kring").unwrap()),
        "verify_key": hex(signer.public().as_bytes()),
        "signed_message": hex(message),
        "signature": hex(&signer.sign(message)),
        "box_public": hex(recipient.public().as_bytes()),
    });

    let mut python = Command::new("python3")
        .args(["-c", PYNACL])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    python.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(output.status.success(), "PyNaCl side failed: {}", String::from_utf8_lossy(&output.stderr));
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(unhex(theirs["sealed_box_plain"].as_str().unwrap()), b"van Kring");
    assert_eq!(unhex(theirs["aead_plain"].as_str().unwrap()), b"ook van Kring");
    assert_eq!(theirs["signature_ok"], true);

    let opened = recipient.open(&unhex(theirs["their_sealed_box"].as_str().unwrap())).unwrap();
    assert_eq!(opened.as_slice(), b"van libsodium");
    let opened = open_with_key(&aead_key, context, &unhex(theirs["their_aead_blob"].as_str().unwrap())).unwrap();
    assert_eq!(opened.as_slice(), b"ook van libsodium");
    let verify_key: [u8; 32] = unhex(theirs["their_verify_key"].as_str().unwrap()).try_into().unwrap();
    let verify_key = kring_crypto::SigningPublicKey::from_bytes(&verify_key).unwrap();
    assert!(verify_key.verify(b"ondertekend door libsodium", &unhex(theirs["their_signature"].as_str().unwrap())).is_ok());
}

/// The X25519 public key for a known secret, computed by PyNaCl (independently of our code).
fn python_public_key(secret: &[u8; 32]) -> EncryptionPublicKey {
    let output = Command::new("python3")
        .args(["-c", "import sys; from nacl.public import PrivateKey; print(PrivateKey(bytes.fromhex(sys.argv[1])).public_key.encode().hex())"])
        .arg(hex(secret))
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let public: [u8; 32] = unhex(String::from_utf8(output.stdout).unwrap().trim()).try_into().unwrap();
    EncryptionPublicKey::from_bytes(public)
}
