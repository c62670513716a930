//! The error body every failed request carries. `code` is stable and machine-readable (the UI
//! translates it into Dutch); `message` is English detail for logs and never holds patient data.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Username or password wrong (deliberately not saying which).
    InvalidCredentials,
    /// No session, or it expired or was revoked.
    Unauthenticated,
    /// Logged in, but the role does not allow this.
    Forbidden,
    NotFound,
    /// The request itself is malformed or a value fails validation.
    InvalidRequest,
    /// The same mutation id was sent with a different body.
    Conflict,
    /// Too many failed attempts: locked for `retry_after_seconds` (ACC-7).
    RateLimited,
    /// The one-time code expired (5 minutes); log in again for a new one.
    CodeExpired,
    /// The one-time code was already used.
    CodeUsed,
    /// Too many wrong codes for this login; log in again for a new one.
    CodeAttempts,
    /// The one-time code is not the one sent.
    CodeWrong,
    /// The password must be changed before anything else (ACC-2).
    PasswordChangeRequired,
    /// The new password is the current (or temporary) one (ACC-2).
    PasswordUnchanged,
    /// The code could not be sent (no phone number or e-mail address, or the gateway failed).
    CodeDeliveryFailed,
    /// HIS launch refusals (PAT-3, PAT-4), one code per reason so the UI can say what to do.
    LaunchMalformed,
    LaunchBadSignature,
    LaunchWrongAudience,
    LaunchExpired,
    LaunchTooLong,
    LaunchReplayed,
    LaunchBsnNotVerified,
    LaunchBsnInvalid,
    LaunchUnknownHisUser,
    LaunchOtherUser,
    /// The client's feed cursor does not point into this server's feed (the database was
    /// restored or lost its newest changes): start the sync again from the beginning.
    ResyncRequired,
    /// The server's store is broken (it failed its integrity check); nothing is written until an
    /// operator restores it. Clients keep their outbox and try again later.
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The code as it travels (the serde name): what the UI translates.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::CodeUsed => "code_used",
            ErrorCode::CodeAttempts => "code_attempts",
            ErrorCode::CodeWrong => "code_wrong",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::CodeDeliveryFailed => "code_delivery_failed",
            ErrorCode::LaunchMalformed => "launch_malformed",
            ErrorCode::LaunchBadSignature => "launch_bad_signature",
            ErrorCode::LaunchWrongAudience => "launch_wrong_audience",
            ErrorCode::LaunchExpired => "launch_expired",
            ErrorCode::LaunchTooLong => "launch_too_long",
            ErrorCode::LaunchReplayed => "launch_replayed",
            ErrorCode::LaunchBsnNotVerified => "launch_bsn_not_verified",
            ErrorCode::LaunchBsnInvalid => "launch_bsn_invalid",
            ErrorCode::LaunchUnknownHisUser => "launch_unknown_his_user",
            ErrorCode::LaunchOtherUser => "launch_other_user",
            ErrorCode::PasswordUnchanged => "password_unchanged",
            ErrorCode::ResyncRequired => "resync_required",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// With `rate_limited`: how long until a new attempt is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_as_its_wire_name() {
        for code in [
            ErrorCode::InvalidCredentials,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::InvalidRequest,
            ErrorCode::Conflict,
            ErrorCode::RateLimited,
            ErrorCode::CodeExpired,
            ErrorCode::CodeUsed,
            ErrorCode::CodeAttempts,
            ErrorCode::CodeWrong,
            ErrorCode::PasswordChangeRequired,
            ErrorCode::CodeDeliveryFailed,
            ErrorCode::LaunchMalformed,
            ErrorCode::LaunchBadSignature,
            ErrorCode::LaunchWrongAudience,
            ErrorCode::LaunchExpired,
            ErrorCode::LaunchTooLong,
            ErrorCode::LaunchReplayed,
            ErrorCode::LaunchBsnNotVerified,
            ErrorCode::LaunchBsnInvalid,
            ErrorCode::LaunchUnknownHisUser,
            ErrorCode::LaunchOtherUser,
            ErrorCode::PasswordUnchanged,
            ErrorCode::ResyncRequired,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
