//! The server's guards over the access log (SEC-2): how far the hash chain is verified (a
//! checkpoint for incremental checks, a whole walk every hour) and how many openings a user may
//! report per minute. Held in `AppState`; the access-log handlers consult them.

use crate::chain::{hex, verify_links, Link};
use crate::error::{ServerError, ServerResult};
use crate::store::Store;
use kring_domain::UserId;
use kring_protocol::access_log::{ChainHead, ChainVerification};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// How often a view walks the whole chain again instead of only what was added since.
pub const FULL_CHECK_EVERY: Duration = Duration::hours(1);

/// Entries read per round while verifying.
const VERIFY_BATCH: u32 = 5_000;

/// How far this server has verified the region's chain, so a view checks only what was added
/// since (and the link it verified last, so entries cut off the end are noticed), with a walk of
/// the whole chain at most every [`FULL_CHECK_EVERY`].
#[derive(Default)]
pub struct ChainCheckpoint {
    state: tokio::sync::Mutex<Checkpoint>,
}

#[derive(Default)]
struct Checkpoint {
    verified: Option<Link>,
    /// During a walk from the start: the link verified before it, which the chain must still
    /// hold (so the hourly walk cannot miss entries cut off the end meanwhile).
    anchor: Option<Link>,
    full_check_at: Option<OffsetDateTime>,
    broken_at: Option<i64>,
}

impl ChainCheckpoint {
    /// Verify what is new since the last time, and say how the chain stands and its head.
    pub async fn verify(&self, store: &dyn Store, now: OffsetDateTime) -> ServerResult<(ChainVerification, Option<ChainHead>)> {
        let mut checkpoint = self.state.lock().await;
        if checkpoint.broken_at.is_none() && checkpoint.full_check_at.is_none_or(|at| now - at >= FULL_CHECK_EVERY) {
            let anchor = checkpoint.verified.or(checkpoint.anchor);
            *checkpoint = Checkpoint { verified: None, anchor, full_check_at: Some(now), broken_at: None };
        }
        if let Some(at_seq) = checkpoint.broken_at {
            return Ok((ChainVerification::Broken { at_seq }, None));
        }
        let mut link = checkpoint.verified.unwrap_or(Link::GENESIS);
        if link.seq > 0 {
            // The link verified last must still be there, unchanged.
            let still = store.access_log_chain(link.seq - 1, 1).await?;
            if still.first().is_none_or(|entry| entry.seq != link.seq || entry.hash != hex(&link.hash)) {
                checkpoint.broken_at = Some(link.seq);
                return Ok((ChainVerification::Broken { at_seq: link.seq }, None));
            }
        }
        loop {
            let batch = store.access_log_chain(link.seq, VERIFY_BATCH).await?;
            let verified = verify_links(link, &batch).and_then(|last| match checkpoint.anchor {
                Some(anchor) if anchor.seq <= last.seq => {
                    let held = batch.iter().find(|entry| entry.seq == anchor.seq).map(|entry| entry.hash.as_str());
                    // Behind this batch: verified before; in it: must be the same link.
                    if anchor.seq <= link.seq || held == Some(hex(&anchor.hash).as_str()) {
                        Ok(last)
                    } else {
                        Err(anchor.seq)
                    }
                }
                _ => Ok(last),
            });
            match verified {
                Ok(last) => link = last,
                Err(at_seq) => {
                    checkpoint.broken_at = Some(at_seq);
                    return Ok((ChainVerification::Broken { at_seq }, None));
                }
            }
            checkpoint.verified = Some(link);
            if checkpoint.anchor.is_some_and(|anchor| anchor.seq <= link.seq) {
                checkpoint.anchor = None;
            }
            if batch.len() < VERIFY_BATCH as usize {
                break;
            }
        }
        if let Some(anchor) = checkpoint.anchor {
            // The walk ended before the link verified last time: entries were cut off the end.
            checkpoint.broken_at = Some(anchor.seq);
            return Ok((ChainVerification::Broken { at_seq: anchor.seq }, None));
        }
        let entries = u64::try_from(link.seq).unwrap_or(0);
        Ok((ChainVerification::Intact { entries }, link.head()))
    }
}

/// Entries one user may add to the log per minute. Opening a patient writes a few; a client
/// that writes hundreds is not a person reading charts.
pub const RECORDS_PER_MINUTE: u32 = 60;

/// Counts each user's reported openings per minute (per server instance).
#[derive(Default)]
pub struct RecordLimiter {
    windows: std::sync::Mutex<HashMap<UserId, (OffsetDateTime, u32)>>,
}

impl RecordLimiter {
    /// Count one report of `user`; refused with the wait once the minute's allowance is used.
    pub(crate) fn admit(&self, user: UserId, now: OffsetDateTime) -> ServerResult<()> {
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        windows.retain(|_, (start, _)| now - *start < Duration::minutes(1));
        let (start, count) = windows.entry(user).or_insert((now, 0));
        if *count >= RECORDS_PER_MINUTE {
            return Err(ServerError::RateLimited(Duration::minutes(1) - (now - *start)));
        }
        *count += 1;
        Ok(())
    }
}
