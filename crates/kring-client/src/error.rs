//! The client's errors. `code()` is what the UI translates into Dutch (ui/src/lib/i18n).

use kring_protocol::ErrorCode;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("the server address is not valid: {0}")]
    InvalidServerUrl(String),
    #[error("the server cannot be reached")]
    ServerUnreachable,
    #[error("username and password are both required")]
    MissingCredentials,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("the session has expired or was ended")]
    SessionExpired,
    #[error("too many failed attempts; try again in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    #[error("the server refused the request ({code:?}): {message}")]
    Refused { code: ErrorCode, message: String },
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    #[error("local cache: {0}")]
    Cache(#[from] rusqlite::Error),
    #[error("key derivation: {0}")]
    Crypto(#[from] kring_crypto::CryptoError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ClientError {
    /// Stable, machine-readable code for the UI's translation table.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::InvalidServerUrl(_) => "invalid_server_url",
            ClientError::ServerUnreachable => "server_unreachable",
            ClientError::MissingCredentials => "missing_credentials",
            ClientError::InvalidCredentials => "invalid_credentials",
            ClientError::SessionExpired => "session_expired",
            ClientError::RateLimited { .. } => "rate_limited",
            ClientError::Refused { code: ErrorCode::Forbidden, .. } => "forbidden",
            ClientError::Refused { code: ErrorCode::InvalidRequest, .. } => "invalid_request",
            ClientError::Refused { .. } => "refused",
            ClientError::Protocol(_) => "protocol",
            ClientError::Cache(_) => "cache",
            ClientError::Crypto(_) | ClientError::Internal(_) => "internal",
        }
    }
}

pub type ClientResult<T> = Result<T, ClientError>;
