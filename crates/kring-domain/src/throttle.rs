//! Brute-force limits on logging in (ACC-7): after a number of failures, an account or a network
//! address is locked for a while, longer with every further failure. Failures are forgotten one
//! by one as quiet time passes, and all at once on a successful login, so a shared workstation or
//! a practice behind one NAT address is not locked out by a day's worth of typos.
//!
//! An attempt counts as a failure from the moment it starts ([`Throttle::begin`]) until it
//! succeeds: parallel attempts each see the ones before them, so thirty simultaneous guesses get
//! no further than five sequential ones.

use time::{Duration, OffsetDateTime};

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleSubject {
    /// One account: protects a user's password from guessing.
    Account,
    /// One network address: slows down trying many accounts from one place.
    Address,
}

impl ThrottleSubject {
    /// Failures allowed before the first lockout.
    fn free_failures(self) -> u32 {
        match self {
            ThrottleSubject::Account => 5,
            ThrottleSubject::Address => 20,
        }
    }

    /// Quiet time after which one failure is forgotten.
    pub fn forgiveness(self) -> Duration {
        match self {
            ThrottleSubject::Account => Duration::minutes(30),
            ThrottleSubject::Address => Duration::minutes(10),
        }
    }

    /// The lockout after `failures` consecutive failures, if any: one minute at the first
    /// lockout, doubling with each further failure, at most one hour.
    pub fn lockout_after(self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures())?;
        let minutes = 1i64 << over.min(6);
        Some(Duration::minutes(minutes.min(60)))
    }
}

/// The failures counted under one throttle key (an account or an address).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttle {
    /// Failures still counting as of `last_failure`.
    pub failures: u32,
    pub last_failure: Option<OffsetDateTime>,
    pub locked_until: Option<OffsetDateTime>,
}

/// An attempt that may go ahead: the state to store, and the lockout it starts if it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub next: Throttle,
    pub locks_for: Option<Duration>,
}

impl Throttle {
    /// Failures still counting at `now`: one forgotten per [`ThrottleSubject::forgiveness`] of
    /// quiet time since the last.
    pub fn failures_at(&self, subject: ThrottleSubject, now: OffsetDateTime) -> u32 {
        let Some(last) = self.last_failure else { return self.failures };
        let quiet = (now - last).max(Duration::ZERO);
        let forgiven = quiet.whole_seconds() / subject.forgiveness().whole_seconds().max(1);
        self.failures.saturating_sub(u32::try_from(forgiven).unwrap_or(u32::MAX))
    }

    /// Start an attempt at `now`. Refused with the remaining wait while locked; otherwise the
    /// attempt is counted as a failure (and starts the lockout it would earn) until the login
    /// succeeds and the key is cleared.
    pub fn begin(self, subject: ThrottleSubject, now: OffsetDateTime) -> Result<Attempt, Duration> {
        if let Some(until) = self.locked_until.filter(|until| *until > now) {
            return Err(until - now);
        }
        let failures = self.failures_at(subject, now).saturating_add(1);
        let locks_for = subject.lockout_after(failures);
        let next = Throttle { failures, last_failure: Some(now), locked_until: locks_for.map(|lock| now + lock) };
        Ok(Attempt { next, locks_for })
    }

    /// Take back an attempt that turned out not to be a guess (the right password, or the right
    /// code on a spent challenge), with the lock it started (`own_lock`, from [`Attempt`]):
    /// whoever knows the password is not held up by their own attempt. A lock another attempt set
    /// stays, so right passwords cannot clear the lock wrong codes earned.
    pub fn take_back(self, own_lock: Option<OffsetDateTime>) -> Throttle {
        let locked_until = if own_lock.is_some() && self.locked_until == own_lock { None } else { self.locked_until };
        Throttle { failures: self.failures.saturating_sub(1), locked_until, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-03 09:00 UTC);

    #[test]
    fn acc_7_an_account_locks_after_five_failures_and_the_lock_grows_to_an_hour() {
        let account = ThrottleSubject::Account;
        assert_eq!(account.lockout_after(4), None);
        assert_eq!(account.lockout_after(5), Some(Duration::minutes(1)));
        assert_eq!(account.lockout_after(6), Some(Duration::minutes(2)));
        assert_eq!(account.lockout_after(8), Some(Duration::minutes(8)));
        assert_eq!(account.lockout_after(11), Some(Duration::minutes(60)));
        assert_eq!(account.lockout_after(500), Some(Duration::minutes(60)));
    }

    #[test]
    fn acc_7_an_address_gets_more_room_for_a_shared_practice_workstation() {
        assert_eq!(ThrottleSubject::Address.lockout_after(19), None);
        assert_eq!(ThrottleSubject::Address.lockout_after(20), Some(Duration::minutes(1)));
    }

    #[test]
    fn acc_7_every_attempt_counts_from_its_start_and_the_fifth_locks() {
        let mut throttle = Throttle::default();
        for expected in 1..=4 {
            let attempt = throttle.begin(ThrottleSubject::Account, NOW).unwrap();
            assert_eq!((attempt.next.failures, attempt.locks_for), (expected, None));
            throttle = attempt.next;
        }
        let fifth = throttle.begin(ThrottleSubject::Account, NOW).unwrap();
        assert_eq!(fifth.locks_for, Some(Duration::minutes(1)));
        assert_eq!(fifth.next.begin(ThrottleSubject::Account, NOW), Err(Duration::minutes(1)), "the sixth waits");
    }

    #[test]
    fn acc_7_an_address_forgets_a_failure_per_ten_quiet_minutes_so_typos_over_a_day_never_lock() {
        let mut throttle = Throttle::default();
        let mut at = NOW;
        // A typo every half hour for ten hours, from one practice's NAT address.
        for _ in 0..20 {
            let attempt = throttle.begin(ThrottleSubject::Address, at).expect("never locked");
            assert_eq!(attempt.locks_for, None);
            throttle = attempt.next;
            at += Duration::minutes(30);
        }
        assert_eq!(throttle.failures, 1);
    }

    #[test]
    fn acc_7_a_lock_does_not_keep_doubling_after_quiet_time() {
        let locked = Throttle { failures: 8, last_failure: Some(NOW), locked_until: Some(NOW + Duration::minutes(8)) };
        let later = NOW + Duration::hours(2);
        let attempt = locked.begin(ThrottleSubject::Account, later).unwrap();
        assert_eq!(attempt.next.failures, 5, "four failures forgotten in two hours, this one counted");
        assert_eq!(attempt.locks_for, Some(Duration::minutes(1)));
    }

    #[test]
    fn acc_7_taking_back_an_attempt_lifts_the_lock_it_started() {
        let fifth = Throttle { failures: 4, ..Throttle::default() }.begin(ThrottleSubject::Account, NOW).unwrap().next;
        assert!(fifth.locked_until.is_some());
        let back = fifth.take_back(fifth.locked_until);
        assert_eq!((back.failures, back.locked_until), (4, None));
        // After an expired lock the right password starts a new one; taking it back lifts it.
        let expired = Throttle { failures: 5, last_failure: Some(NOW), locked_until: Some(NOW + Duration::minutes(1)) };
        let later = NOW + Duration::seconds(61);
        let attempt = expired.begin(ThrottleSubject::Account, later).unwrap();
        let back = attempt.next.take_back(attempt.next.locked_until);
        assert_eq!(back.begin(ThrottleSubject::Account, later).map(|a| a.next.failures), Ok(6));
    }

    #[test]
    fn acc_7_taking_back_leaves_a_lock_another_attempt_set() {
        // A right password taken back while wrong codes locked the account meanwhile.
        let mine = Throttle { failures: 2, ..Throttle::default() }.begin(ThrottleSubject::Account, NOW).unwrap();
        assert_eq!(mine.locks_for, None);
        let locked_by_others = Throttle { failures: 7, last_failure: Some(NOW), locked_until: Some(NOW + Duration::minutes(4)) };
        assert_eq!(locked_by_others.take_back(mine.next.locked_until).locked_until, Some(NOW + Duration::minutes(4)));
    }
}
