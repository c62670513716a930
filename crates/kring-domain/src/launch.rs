//! The HIS launch (PAT-3, PAT-4, STAFF-11): the claims a practice's HIS bridge signs, the
//! `kring://launch?token=…` link that carries them, and the rules a launch must pass. The
//! signature (EdDSA JWS) is kring-crypto's; replay (single-use `jti`) is the server's store.

use crate::values::Bsn;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The longest a launch token may live (DESIGN.md: exp <= 2 min).
pub const MAX_LIFETIME_SECONDS: i64 = 120;
/// Clock difference tolerated between the HIS workstation and the server.
pub const CLOCK_SKEW_SECONDS: i64 = 30;
/// A launch link is small; anything longer is refused unread.
pub const MAX_LINK_LEN: usize = 4200;

/// What the HIS bridge vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchClaims {
    /// The bridge (its registered key id).
    pub iss: String,
    /// The region server the token is for.
    pub aud: String,
    /// The user's id in the HIS (linked to an account per STAFF-11).
    pub sub: String,
    /// The patient's BSN as the HIS has it.
    pub bsn: String,
    /// Whether the HIS verified the BSN (PAT-4: required).
    pub bsn_verified: bool,
    /// Optional: lets an unknown patient be created without asking.
    #[serde(default, with = "crate::profile::iso_date::option")]
    pub birth_date: Option<Date>,
    /// Launched "with dossier" (MicroHIS passes a professional summary; not used).
    #[serde(default)]
    pub dossier: bool,
    pub iat: i64,
    pub exp: i64,
    /// Single use: the server refuses a second launch with the same id.
    pub jti: String,
}

/// Why a launch is refused. Each has its own Dutch message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, strum::EnumIter)]
pub enum LaunchError {
    #[error("not a Kring launch link")]
    NotALaunchLink,
    #[error("the launch token is malformed")]
    Malformed,
    #[error("the launch token's signature does not match a registered HIS bridge")]
    BadSignature,
    #[error("the launch token is for another server")]
    WrongAudience,
    #[error("the launch token has expired")]
    Expired,
    #[error("the launch token is valid for longer than two minutes")]
    TooLong,
    #[error("the launch token was already used")]
    Replayed,
    #[error("the HIS did not verify the patient's BSN")]
    BsnNotVerified,
    #[error("the BSN is not valid")]
    BsnInvalid,
    #[error("no Kring account is linked to this HIS user")]
    UnknownHisUser,
    /// The HIS user is linked to another account than the one logged in here.
    #[error("the HIS user is another colleague than the one logged in")]
    OtherUser,
}

impl LaunchError {
    pub fn code(&self) -> &'static str {
        match self {
            LaunchError::NotALaunchLink => "launch_not_a_link",
            LaunchError::Malformed => "launch_malformed",
            LaunchError::BadSignature => "launch_bad_signature",
            LaunchError::WrongAudience => "launch_wrong_audience",
            LaunchError::Expired => "launch_expired",
            LaunchError::TooLong => "launch_too_long",
            LaunchError::Replayed => "launch_replayed",
            LaunchError::BsnNotVerified => "launch_bsn_not_verified",
            LaunchError::BsnInvalid => "launch_bsn_invalid",
            LaunchError::UnknownHisUser => "launch_unknown_his_user",
            LaunchError::OtherUser => "launch_other_user",
        }
    }
}

/// The token in `kring://launch?token=…` (other parameters are ignored; the token is all that is
/// trusted).
pub fn token_from_link(link: &str) -> Result<&str, LaunchError> {
    if link.len() > MAX_LINK_LEN {
        return Err(LaunchError::Malformed);
    }
    let query = link.trim().strip_prefix("kring://launch?").ok_or(LaunchError::NotALaunchLink)?;
    let mut tokens = query.split('&').filter_map(|pair| pair.strip_prefix("token="));
    match (tokens.next(), tokens.next()) {
        (Some(token), None) if !token.is_empty() => Ok(token),
        _ => Err(LaunchError::Malformed),
    }
}

/// A launch that passed every rule but replay (the store's) and the user link (the directory's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedLaunch {
    pub claims: LaunchClaims,
    pub bsn: Bsn,
    pub expires_at: OffsetDateTime,
}

impl LaunchClaims {
    /// Audience, lifetime, expiry (with a little clock skew) and the verified, valid BSN.
    pub fn check(self, audience: &str, now: OffsetDateTime) -> Result<CheckedLaunch, LaunchError> {
        if self.aud != audience {
            return Err(LaunchError::WrongAudience);
        }
        // Checked arithmetic: a token may carry any i64 (an `exp` near i64::MAX, an `iat` near
        // i64::MIN); overflowing is a malformed token, never a panic or a wrapped "valid".
        let lifetime = self.exp.checked_sub(self.iat).ok_or(LaunchError::Malformed)?;
        if !(0..=MAX_LIFETIME_SECONDS).contains(&lifetime) {
            return Err(LaunchError::TooLong);
        }
        let now_seconds = now.unix_timestamp();
        let last_valid = self.exp.checked_add(CLOCK_SKEW_SECONDS).ok_or(LaunchError::Malformed)?;
        let first_valid = self.iat.checked_sub(CLOCK_SKEW_SECONDS).ok_or(LaunchError::Malformed)?;
        if now_seconds > last_valid || now_seconds < first_valid {
            return Err(LaunchError::Expired);
        }
        if !self.bsn_verified {
            return Err(LaunchError::BsnNotVerified);
        }
        let bsn = Bsn::parse(&self.bsn).map_err(|_| LaunchError::BsnInvalid)?;
        let expires_at = OffsetDateTime::from_unix_timestamp(last_valid).map_err(|_| LaunchError::Malformed)?;
        Ok(CheckedLaunch { claims: self, bsn, expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_795_600_000;

    fn claims() -> LaunchClaims {
        LaunchClaims {
            iss: "delinde-medicom".into(),
            aud: "kring-delft".into(),
            sub: "AVRIES".into(),
            bsn: "999911120".into(),
            bsn_verified: true,
            birth_date: None,
            dossier: false,
            iat: NOW,
            exp: NOW + 60,
            jti: "0193".into(),
        }
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    #[test]
    fn pat_3_a_fresh_token_for_this_server_passes() {
        let checked = claims().check("kring-delft", at(NOW + 10)).unwrap();
        assert_eq!(checked.claims.sub, "AVRIES");
    }

    #[test]
    fn pat_3_audience_lifetime_and_expiry_are_enforced() {
        assert_eq!(claims().check("elders", at(NOW)), Err(LaunchError::WrongAudience));
        assert_eq!(LaunchClaims { exp: NOW + 121, ..claims() }.check("kring-delft", at(NOW)), Err(LaunchError::TooLong));
        assert_eq!(claims().check("kring-delft", at(NOW + 60 + CLOCK_SKEW_SECONDS + 1)), Err(LaunchError::Expired));
        assert_eq!(claims().check("kring-delft", at(NOW - CLOCK_SKEW_SECONDS - 1)), Err(LaunchError::Expired), "from the future");
    }

    #[test]
    fn pat_3_extreme_times_are_malformed_not_an_overflow() {
        for (iat, exp) in
            [(i64::MIN, 0), (0, i64::MIN), (i64::MIN, i64::MAX), (i64::MAX - 10, i64::MAX), (i64::MIN, i64::MIN + 10)]
        {
            let result = LaunchClaims { iat, exp, ..claims() }.check("kring-delft", at(NOW));
            assert!(
                matches!(result, Err(LaunchError::Malformed | LaunchError::TooLong | LaunchError::Expired)),
                "{iat} {exp}: {result:?}"
            );
        }
        assert_eq!(
            LaunchClaims { iat: i64::MAX - 10, exp: i64::MAX, ..claims() }.check("kring-delft", at(NOW)),
            Err(LaunchError::Malformed)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn pat_3_any_times_are_read_or_refused_never_a_panic(iat in any::<i64>(), exp in any::<i64>()) {
            let _ = LaunchClaims { iat, exp, ..claims() }.check("kring-delft", at(NOW));
        }
    }

    #[test]
    fn pat_4_the_bsn_must_be_verified_and_valid() {
        assert_eq!(
            LaunchClaims { bsn_verified: false, ..claims() }.check("kring-delft", at(NOW)),
            Err(LaunchError::BsnNotVerified)
        );
        assert_eq!(
            LaunchClaims { bsn: "123456789".into(), ..claims() }.check("kring-delft", at(NOW)),
            Err(LaunchError::BsnInvalid)
        );
    }

    #[test]
    fn pat_3_only_a_kring_launch_link_with_one_token_is_read() {
        assert_eq!(token_from_link("kring://launch?vendor=medicom&token=abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(token_from_link("https://kring.nl/launch?token=a"), Err(LaunchError::NotALaunchLink));
        assert_eq!(token_from_link("kring://launch?token=a&token=b"), Err(LaunchError::Malformed));
        assert_eq!(token_from_link("kring://launch?token="), Err(LaunchError::Malformed));
        assert_eq!(token_from_link(&format!("kring://launch?token={}", "a".repeat(MAX_LINK_LEN))), Err(LaunchError::Malformed));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn pat_3_any_link_text_is_read_or_refused_never_a_panic(text in "(kring://launch\\?)?\\PC{0,200}") {
            let _ = token_from_link(&text);
        }

        #[test]
        fn pat_3_any_claims_json_is_read_or_refused_never_a_panic(text in "\\PC{0,300}") {
            if let Ok(claims) = serde_json::from_str::<LaunchClaims>(&text) {
                let _ = claims.check("kring-delft", at(NOW));
            }
        }
    }
}
