//! The error body every failed request carries. `code` is stable and machine-readable (the UI
//! translates it into Dutch); `message` is English detail for logs and never holds patient data.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// With `rate_limited`: how long until a new attempt is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}
