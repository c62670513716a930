//! ACC-3, ACC-4: the key hierarchy's constructions, tampering, and the RFC 9106 vector.

use kring_crypto::{
    derive_login_keys, open_with_key, seal_with_key, EncryptionKeyPair, KdfParams, Salt, SigningKeyPair, UserKeys, Vault,
};
use proptest::prelude::*;

#[test]
fn argon2id_matches_the_rfc_9106_test_vector() {
    // RFC 9106 section 5.3: Argon2id, v=0x13, m=32 KiB, t=3, p=4, with secret and associated data.
    use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};
    let params = ParamsBuilder::new()
        .m_cost(32)
        .t_cost(3)
        .p_cost(4)
        .data(AssociatedData::new(&[4u8; 12]).unwrap())
        .output_len(32)
        .build()
        .unwrap();
    let argon2 = Argon2::new_with_secret(&[3u8; 8], Algorithm::Argon2id, Version::V0x13, params).unwrap();
    let mut tag = [0u8; 32];
    argon2.hash_password_into(&[1u8; 32], &[2u8; 16], &mut tag).unwrap();
    let expected = "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659";
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, expected);
}

#[test]
fn acc_3_changing_the_password_reseals_the_same_private_keys() {
    let keys = UserKeys::generate();
    let old = derive_login_keys("oud wachtwoord 2026", &Salt::random(), KdfParams::TESTING).unwrap();
    let sealed = keys.seal(&old.kek).unwrap();

    let new = derive_login_keys("nieuw wachtwoord 2026", &Salt::random(), KdfParams::TESTING).unwrap();
    let resealed = UserKeys::unseal(&old.kek, &sealed).unwrap().seal(&new.kek).unwrap();
    let reopened = UserKeys::unseal(&new.kek, &resealed).unwrap();
    assert_eq!(reopened.encryption.public(), keys.encryption.public(), "same keys: old data still opens");
    assert_eq!(reopened.signing.public(), keys.signing.public());
    assert!(UserKeys::unseal(&new.kek, &sealed).is_err(), "the new password does not open the old blob");
}

#[test]
fn acc_3_a_forgotten_password_means_the_keys_are_gone() {
    let keys = UserKeys::generate();
    let right = derive_login_keys("het juiste wachtwoord", &Salt::random(), KdfParams::TESTING).unwrap();
    let wrong = derive_login_keys("een geraden wachtwoord", &Salt::random(), KdfParams::TESTING).unwrap();
    let sealed = keys.seal(&right.kek).unwrap();
    assert!(matches!(UserKeys::unseal(&wrong.kek, &sealed), Err(kring_crypto::CryptoError::Opening)));
}

#[test]
fn a_member_unwraps_the_vault_and_reads_what_others_sealed_to_it() {
    let vault = Vault::generate();
    let member = UserKeys::generate();
    let outsider = UserKeys::generate();
    let wrapped = vault.wrap_for(&member.encryption.public()).unwrap();

    // A writer needs only the vault's public key (e.g. the HIS extraction upload).
    let sealed = vault.public().seal(b"NAW: J. Jansen, Delft").unwrap();
    let opened = Vault::unwrap(&member.encryption, &wrapped).unwrap().open(&sealed).unwrap();
    assert_eq!(opened.as_slice(), b"NAW: J. Jansen, Delft");
    assert!(Vault::unwrap(&outsider.encryption, &wrapped).is_err(), "no wrapped key, no content (STAFF-7)");
}

#[test]
fn pat_1_members_of_one_vault_agree_on_a_lookup_hash_that_other_vaults_cannot_make() {
    let vault = Vault::generate();
    let member = UserKeys::generate();
    let same_vault = Vault::unwrap(&member.encryption, &vault.wrap_for(&member.encryption.public()).unwrap()).unwrap();
    let bsn = b"999911120";
    assert_eq!(vault.lookup_hash(bsn).unwrap(), same_vault.lookup_hash(bsn).unwrap(), "re-import finds the patient");
    assert_ne!(vault.lookup_hash(bsn).unwrap(), vault.lookup_hash(b"999911133").unwrap());
    assert_ne!(vault.lookup_hash(bsn).unwrap(), Vault::generate().lookup_hash(bsn).unwrap(), "keyed per practice");
}

#[test]
fn signatures_prove_the_author_and_the_content() {
    let author = SigningKeyPair::generate();
    let signature = author.sign(b"bericht 1");
    assert!(author.public().verify(b"bericht 1", &signature).is_ok());
    assert!(author.public().verify(b"bericht 2", &signature).is_err());
    assert!(SigningKeyPair::generate().public().verify(b"bericht 1", &signature).is_err());
}

#[test]
fn a_sealed_blob_does_not_open_under_another_context() {
    let key = [9u8; 32];
    let sealed = seal_with_key(&key, b"context a", b"inhoud").unwrap();
    assert_eq!(open_with_key(&key, b"context a", &sealed).unwrap().as_slice(), b"inhoud");
    assert!(open_with_key(&key, b"context b", &sealed).is_err());
    assert!(open_with_key(&key, b"context a", &sealed[..10]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tampering_with_any_byte_of_a_symmetric_blob_is_detected(
        plaintext in proptest::collection::vec(any::<u8>(), 0..256),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let key = [7u8; 32];
        let mut sealed = seal_with_key(&key, b"ctx", &plaintext).unwrap();
        let i = position.index(sealed.len());
        sealed[i] ^= flip;
        prop_assert!(open_with_key(&key, b"ctx", &sealed).is_err());
    }

    #[test]
    fn tampering_with_any_byte_of_a_sealed_box_is_detected(
        plaintext in proptest::collection::vec(any::<u8>(), 0..256),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let recipient = EncryptionKeyPair::generate();
        let mut sealed = recipient.public().seal(&plaintext).unwrap();
        let i = position.index(sealed.len());
        sealed[i] ^= flip;
        prop_assert!(recipient.open(&sealed).is_err());
    }

    #[test]
    fn tampering_with_a_signed_message_or_signature_is_detected(
        message in proptest::collection::vec(any::<u8>(), 1..256),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        in_signature in any::<bool>(),
    ) {
        let author = SigningKeyPair::generate();
        let mut signature = author.sign(&message);
        let mut message = message;
        if in_signature {
            signature[position.index(64)] ^= flip;
        } else {
            let i = position.index(message.len());
            message[i] ^= flip;
        }
        prop_assert!(author.public().verify(&message, &signature).is_err());
    }
}

#[test]
fn a_wrapped_vault_key_has_the_length_the_server_checks() {
    let member = kring_crypto::EncryptionKeyPair::generate();
    let wrapped = kring_crypto::Vault::generate().wrap_for(&member.public()).unwrap();
    assert_eq!(wrapped.len(), kring_crypto::SEALED_VAULT_SECRET_LEN);
}
