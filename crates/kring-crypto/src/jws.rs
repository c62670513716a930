//! Compact JWS with EdDSA (Ed25519), RFC 7515/8037: what a HIS bridge signs a launch token with
//! (DESIGN.md "HIS single sign-on"). Only this one algorithm exists here, so "alg" cannot be
//! downgraded: a header naming anything else is refused before any key is touched.

use crate::keys::{SigningKeyPair, SigningPublicKey};
use crate::CryptoError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// A launch token is small; anything longer is refused unread.
pub const MAX_JWS_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    kid: String,
}

/// `header.payload.signature`, signed with `key`, naming `kid` (the bridge's key id).
pub fn sign_compact(key: &SigningKeyPair, kid: &str, payload: &[u8]) -> Result<String, CryptoError> {
    let header = Header { alg: "EdDSA".into(), typ: Some("JWT".into()), kid: kid.to_owned() };
    let header = serde_json::to_vec(&header).map_err(|_| CryptoError::Malformed("jws header"))?;
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign(input.as_bytes());
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// A decoded token whose signature is not checked yet: its `kid` says which key to check with.
#[derive(Debug, Clone)]
pub struct UnverifiedJws {
    kid: String,
    signing_input: String,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl UnverifiedJws {
    /// Parse a compact JWS: length, three base64url parts, a JSON header with alg EdDSA and a kid.
    pub fn decode(text: &str) -> Result<Self, CryptoError> {
        if text.len() > MAX_JWS_LEN {
            return Err(CryptoError::Malformed("jws too long"));
        }
        let mut parts = text.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed("jws parts"));
        };
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| CryptoError::Malformed("jws base64"));
        let parsed: Header = serde_json::from_slice(&decode(header)?).map_err(|_| CryptoError::Malformed("jws header"))?;
        if parsed.alg != "EdDSA" {
            return Err(CryptoError::Malformed("jws alg"));
        }
        Ok(Self {
            kid: parsed.kid,
            signing_input: format!("{header}.{payload}"),
            payload: decode(payload)?,
            signature: decode(signature)?,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The payload, once the signature checks out with `key`.
    pub fn verify(self, key: &SigningPublicKey) -> Result<Vec<u8>, CryptoError> {
        key.verify(self.signing_input.as_bytes(), &self.signature)?;
        Ok(self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pat_3_a_signed_token_verifies_with_its_key_only() {
        let bridge = SigningKeyPair::generate();
        let token = sign_compact(&bridge, "bridge-1", br#"{"sub":"AVRIES"}"#).unwrap();
        let decoded = UnverifiedJws::decode(&token).unwrap();
        assert_eq!(decoded.kid(), "bridge-1");
        assert_eq!(decoded.clone().verify(&bridge.public()).unwrap(), br#"{"sub":"AVRIES"}"#);
        assert_eq!(decoded.verify(&SigningKeyPair::generate().public()), Err(CryptoError::BadSignature));
    }

    #[test]
    fn pat_3_another_algorithm_or_shape_is_refused_unread() {
        let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k"}"#), URL_SAFE_NO_PAD.encode("{}"));
        assert!(UnverifiedJws::decode(&none).is_err());
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!", &"a".repeat(MAX_JWS_LEN + 1)] {
            assert!(UnverifiedJws::decode(bad).is_err(), "{bad:.20}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn pat_3_any_text_is_decoded_or_refused_never_a_panic(text in "\\PC{0,300}") {
            let _ = UnverifiedJws::decode(&text);
        }

        #[test]
        fn pat_3_changing_any_byte_of_a_token_breaks_it(index in 0usize..200, byte in any::<u8>()) {
            let bridge = SigningKeyPair::generate();
            let token = sign_compact(&bridge, "bridge-1", br#"{"sub":"AVRIES","jti":"1"}"#).unwrap();
            let mut bytes = token.clone().into_bytes();
            let index = index % bytes.len();
            prop_assume!(bytes[index] != byte);
            bytes[index] = byte;
            let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
            let outcome = UnverifiedJws::decode(&text).and_then(|jws| jws.verify(&bridge.public()));
            // Base64 has slack bits in its last character: a change there may decode to the same bytes.
            if let Ok(payload) = outcome {
                prop_assert_eq!(payload, br#"{"sub":"AVRIES","jti":"1"}"#.to_vec());
                prop_assert_eq!(UnverifiedJws::decode(&text).unwrap().signing_input, UnverifiedJws::decode(&token).unwrap().signing_input.clone());
            }
        }
    }
}
