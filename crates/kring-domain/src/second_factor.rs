//! The second login step as a workflow (ACC-1, ACC-7): a one-time code is valid for 5 minutes,
//! opens one login only, and survives at most 5 wrong tries. The server keeps this state with the
//! code's keyed hash; the same transition function decides in tests and in production.

use time::{Duration, OffsetDateTime};

/// How long a code is valid.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);
/// Wrong codes tolerated before the challenge is spent and a new code is needed.
pub const MAX_CODE_ATTEMPTS: u32 = 5;

/// Why a code did not open the login. Each has its own error code on the wire and its own Dutch
/// message in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the code has expired")]
    Expired,
    #[error("the code was already used")]
    AlreadyUsed,
    #[error("too many wrong codes; request a new one")]
    TooManyAttempts,
    #[error("wrong code")]
    Wrong,
}

/// One outstanding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeChallenge {
    pub issued_at: OffsetDateTime,
    pub wrong_attempts: u32,
    pub used: bool,
}

impl CodeChallenge {
    pub fn new(issued_at: OffsetDateTime) -> Self {
        Self { issued_at, wrong_attempts: 0, used: false }
    }

    /// Someone typed a code at `now`; `matches` says whether it was the right one. Returns the
    /// state to store, and whether the login may proceed. Order matters: a used, expired or
    /// exhausted challenge refuses even the right code.
    pub fn attempt(self, now: OffsetDateTime, matches: bool) -> (Self, Result<(), CodeError>) {
        if self.used {
            return (self, Err(CodeError::AlreadyUsed));
        }
        if now >= self.issued_at + CODE_LIFETIME {
            return (self, Err(CodeError::Expired));
        }
        if self.wrong_attempts >= MAX_CODE_ATTEMPTS {
            return (self, Err(CodeError::TooManyAttempts));
        }
        if matches {
            return (Self { used: true, ..self }, Ok(()));
        }
        let next = Self { wrong_attempts: self.wrong_attempts + 1, ..self };
        let error = if next.wrong_attempts >= MAX_CODE_ATTEMPTS { CodeError::TooManyAttempts } else { CodeError::Wrong };
        (next, Err(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const ISSUED: OffsetDateTime = datetime!(2026-11-25 09:00 UTC);

    #[test]
    fn acc_1_the_right_code_opens_the_login_once() {
        let (used, result) = CodeChallenge::new(ISSUED).attempt(ISSUED + Duration::minutes(4), true);
        assert_eq!(result, Ok(()));
        assert_eq!(used.attempt(ISSUED + Duration::minutes(4), true).1, Err(CodeError::AlreadyUsed));
    }

    #[test]
    fn acc_1_a_code_expires_after_five_minutes() {
        let challenge = CodeChallenge::new(ISSUED);
        assert_eq!(challenge.attempt(ISSUED + Duration::seconds(299), true).1, Ok(()));
        assert_eq!(challenge.attempt(ISSUED + Duration::minutes(5), true).1, Err(CodeError::Expired));
    }

    #[test]
    fn acc_7_five_wrong_codes_spend_the_challenge_even_for_the_right_code_after() {
        let mut challenge = CodeChallenge::new(ISSUED);
        for attempt in 1..=MAX_CODE_ATTEMPTS {
            let (next, result) = challenge.attempt(ISSUED, false);
            let expected = if attempt < MAX_CODE_ATTEMPTS { CodeError::Wrong } else { CodeError::TooManyAttempts };
            assert_eq!(result, Err(expected), "attempt {attempt}");
            challenge = next;
        }
        assert_eq!(challenge.attempt(ISSUED, true).1, Err(CodeError::TooManyAttempts));
    }
}
