//! Brute-force limits on logging in (ACC-7): after a number of failures, an account or a network
//! address is locked for a while, longer with every further failure.

use time::Duration;

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

    /// The lockout after `failures` consecutive failures, if any: one minute at the first
    /// lockout, doubling with each further failure, at most one hour.
    pub fn lockout_after(self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures())?;
        let minutes = 1i64 << over.min(6);
        Some(Duration::minutes(minutes.min(60)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
