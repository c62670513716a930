//! What a mutation leads to once its rules are checked: the commit, and the work after it lands
//! (a deactivated account's sessions end, queued jobs run). Handlers return a [`Planned`];
//! `mutations` commits it. Also the kinds of the durable jobs handlers queue.

use crate::error::ServerResult;
use crate::store::Commit;
use crate::AppState;
use kring_domain::UserId;
use kring_protocol::{ChangeBody, Scope};

/// The durable jobs (`store::NewJob::kind`) and what `jobs` runs for each.
pub mod job_kind {
    /// Hide an account request from the staff list, 30 days after it was made (STAFF-3).
    pub const HIDE_ACCOUNT_REQUEST: &str = "hide_account_request";
    /// Send the invitation with the activation link to an approved colleague (STAFF-3).
    pub const SEND_INVITATION: &str = "send_invitation";
    /// Tell one user by e-mail, without content, that one conversation has new messages (CHAT-8).
    pub const NOTIFY_NEW_MESSAGES: &str = "notify_new_messages";
    /// The first reminder of a consultation still without an answer (CONS-5).
    pub const REMIND_CONSULTATION: &str = "remind_consultation";
    /// The reminder e-mail to one participant of a consultation (CONS-5).
    pub const SEND_CONSULTATION_REMINDER: &str = "send_consultation_reminder";
    /// Close a consultation whose agreement's closing time passed (CONS-5).
    pub const CLOSE_CONSULTATION: &str = "close_consultation";
}

/// What a mutation leads to: one commit, and what to do once it is committed.
#[derive(Default)]
pub(crate) struct Planned {
    pub commit: Commit,
    pub after: AfterCommit,
}

impl Planned {
    pub fn changes(changes: Vec<(Scope, ChangeBody)>) -> Self {
        Self { commit: Commit { changes, ..Commit::default() }, after: AfterCommit::default() }
    }
}

/// Work to do once a mutation's commit has landed.
#[derive(Debug, Default)]
pub(crate) struct AfterCommit {
    /// A deactivated account: switch off its login and end its sessions.
    pub deactivated: Option<UserId>,
    /// Jobs were scheduled that are due now (an invitation mail): run them right away.
    pub run_jobs: bool,
}

pub(crate) async fn after_commit(state: &AppState, after: AfterCommit) -> ServerResult<()> {
    if let Some(user) = after.deactivated {
        state.store().set_account_active(user, false).await?;
        state.store().revoke_sessions_of(user, None).await?;
        state.feed().end_user(user);
        tracing::info!(user_id = %user, "account deactivated");
    }
    if after.run_jobs {
        state.wake_jobs();
    }
    Ok(())
}
