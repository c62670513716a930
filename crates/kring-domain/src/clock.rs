//! Time as a dependency: production reads the system clock, tests move a manual one.

use std::sync::{Arc, Mutex, PoisonError};
use time::{Duration, OffsetDateTime};

/// The source of "now" for every rule that depends on time (session expiry, request expiry,
/// consultation reminders). Inject it; never call `OffsetDateTime::now_utc()` in domain logic.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The real wall clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when a test tells it to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self { now: Arc::new(Mutex::new(start)) }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_time() {
        let clock = ManualClock::new(datetime!(2026-03-02 09:00 UTC));
        let other = clock.clone();
        assert_eq!(clock.now(), datetime!(2026-03-02 09:00 UTC));
        other.advance(Duration::hours(48));
        assert_eq!(clock.now(), datetime!(2026-03-04 09:00 UTC));
        clock.set(datetime!(2027-01-01 00:00 UTC));
        assert_eq!(other.now(), datetime!(2027-01-01 00:00 UTC));
    }
}
