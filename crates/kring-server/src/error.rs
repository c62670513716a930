//! The server's error type and how each variant answers over HTTP.

use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kring_protocol::{ErrorBody, ErrorCode};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("no valid session")]
    Unauthenticated,
    #[error("the role does not allow {0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("mutation id reused with a different body")]
    Conflict,
    #[error("too many failed attempts; locked for {0}")]
    RateLimited(time::Duration),
    #[error("one-time code refused: {0}")]
    Code(#[from] kring_domain::CodeError),
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("launch refused: {0}")]
    Launch(#[from] kring_domain::launch::LaunchError),
    #[error("the login code could not be sent: {0}")]
    CodeDelivery(#[from] crate::delivery::DeliveryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] kring_crypto::CryptoError),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the feed cursor does not point into this feed")]
    ResyncRequired,
    #[error("the new password is the current one")]
    PasswordUnchanged,
}

impl ServerError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ServerError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ServerError::Unauthenticated => ErrorCode::Unauthenticated,
            ServerError::Forbidden(_) => ErrorCode::Forbidden,
            ServerError::NotFound(_) => ErrorCode::NotFound,
            ServerError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            ServerError::Conflict => ErrorCode::Conflict,
            ServerError::RateLimited(_) => ErrorCode::RateLimited,
            ServerError::Code(error) => match error {
                kring_domain::CodeError::Expired => ErrorCode::CodeExpired,
                kring_domain::CodeError::AlreadyUsed => ErrorCode::CodeUsed,
                kring_domain::CodeError::TooManyAttempts => ErrorCode::CodeAttempts,
                kring_domain::CodeError::Wrong => ErrorCode::CodeWrong,
            },
            ServerError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            ServerError::CodeDelivery(_) => ErrorCode::CodeDeliveryFailed,
            ServerError::Launch(error) => {
                use kring_domain::launch::LaunchError as L;
                match error {
                    L::NotALaunchLink | L::Malformed => ErrorCode::LaunchMalformed,
                    L::BadSignature => ErrorCode::LaunchBadSignature,
                    L::WrongAudience => ErrorCode::LaunchWrongAudience,
                    L::Expired => ErrorCode::LaunchExpired,
                    L::TooLong => ErrorCode::LaunchTooLong,
                    L::Replayed => ErrorCode::LaunchReplayed,
                    L::BsnNotVerified => ErrorCode::LaunchBsnNotVerified,
                    L::BsnInvalid => ErrorCode::LaunchBsnInvalid,
                    L::UnknownHisUser => ErrorCode::LaunchUnknownHisUser,
                    L::OtherUser => ErrorCode::LaunchOtherUser,
                }
            }
            ServerError::Store(StoreError::Broken(_)) => ErrorCode::Unavailable,
            ServerError::ResyncRequired => ErrorCode::ResyncRequired,
            ServerError::PasswordUnchanged => ErrorCode::PasswordUnchanged,
            ServerError::Store(_) | ServerError::Crypto(_) | ServerError::Task(_) => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::InvalidCredentials | ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::InvalidRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::CodeExpired | ErrorCode::CodeUsed | ErrorCode::CodeAttempts | ErrorCode::CodeWrong => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ErrorCode::CodeDeliveryFailed => StatusCode::BAD_GATEWAY,
            ErrorCode::LaunchMalformed
            | ErrorCode::LaunchBadSignature
            | ErrorCode::LaunchWrongAudience
            | ErrorCode::LaunchExpired
            | ErrorCode::LaunchTooLong
            | ErrorCode::LaunchReplayed
            | ErrorCode::LaunchBsnNotVerified
            | ErrorCode::LaunchBsnInvalid
            | ErrorCode::LaunchUnknownHisUser
            | ErrorCode::LaunchOtherUser => StatusCode::FORBIDDEN,
            ErrorCode::PasswordUnchanged => StatusCode::BAD_REQUEST,
            ErrorCode::ResyncRequired => StatusCode::CONFLICT,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let code = self.code();
        let retry_after_seconds = match &self {
            // Round up: "try again in 0 seconds" would be a lie.
            ServerError::RateLimited(wait) => Some(u64::try_from(wait.whole_seconds().max(1)).unwrap_or(1)),
            _ => None,
        };
        let message = if code == ErrorCode::Internal {
            // Details stay in the server log; the client learns only that it failed.
            tracing::error!(error = %self, "request failed");
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        (self.status(), Json(ErrorBody { code, message, retry_after_seconds })).into_response()
    }
}

pub type ServerResult<T> = Result<T, ServerError>;
