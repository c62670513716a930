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
    #[error("the OS keyring is not available: {0}")]
    Keyring(String),
    #[error("the new password is not accepted: {0}")]
    PasswordRejected(#[from] kring_domain::PasswordRejection),
    #[error("the two new passwords differ")]
    PasswordsDiffer,
    #[error("the secure session is locked; enter the password")]
    Locked,
    #[error("wrong password")]
    WrongPassword,
    #[error("too many wrong passwords on the lock screen; logged out")]
    TooManyUnlockAttempts,
    #[error("no keys on this account yet; change the password first")]
    NoKeys,
    #[error("this data was encrypted for keys that no longer exist")]
    KeysLost,
    #[error("the form has errors: {0:?}")]
    InvalidForm(Vec<kring_domain::FieldError>),
    #[error("no access to this practice's patient data")]
    NoPatientDataAccess,
    #[error("the activation link is unknown, used or expired")]
    ActivationLinkInvalid,
    #[error("the profile is not accepted: {0}")]
    Profile(kring_domain::ProfileError),
    #[error("not synced yet")]
    NotSynced,
    #[error("the HIS launch link is refused: {0}")]
    Launch(kring_domain::launch::LaunchError),
    #[error("the HIS extraction is refused: {0}")]
    Extraction(#[from] kring_extraction::ExtractionError),
    #[error("the birth date is not a possible birth date")]
    InvalidBirthDate,
    #[error("the current password is wrong")]
    CurrentPasswordWrong,
    #[error("the new password is the current or temporary one")]
    PasswordUnchanged,
    #[error("the patient's consent for network care is not recorded")]
    ConsentRequired,
    #[error("the conversation is not accepted: {0}")]
    Conversation(#[from] kring_domain::conversation::ConversationError),
    #[error("the attachment is refused: {0}")]
    Attachment(#[from] kring_domain::conversation::AttachmentError),
    #[error("a message's signature does not match its author")]
    BadSignature,
    #[error("one left this conversation: it can be read, not written")]
    ConversationLeft,
    #[error("the ZorgMail address is not a valid address")]
    InvalidZorgMailAddress,
    #[error("only a conversation about a patient can go back to the HIS")]
    HisReturnNeedsPatient,
    #[error("the comment is longer than {} characters", crate::his_return::MAX_COMMENT_CHARS)]
    HisReturnCommentTooLong,
    #[error("sending to the HIS failed: {0}")]
    HisReturn(String),
    #[error("the desktop notification could not be shown: {0}")]
    Notification(String),
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
            // Codes the UI explains; the rest read "the server refused".
            ClientError::Refused {
                code:
                    ErrorCode::InvalidCredentials
                    | ErrorCode::Unauthenticated
                    | ErrorCode::NotFound
                    | ErrorCode::Conflict
                    | ErrorCode::RateLimited
                    | ErrorCode::Internal,
                ..
            } => "refused",
            ClientError::Refused { code, .. } => code.as_str(),
            ClientError::Protocol(_) => "protocol",
            ClientError::Cache(_) => "cache",
            ClientError::Keyring(_) => "keyring",
            ClientError::PasswordRejected(rejection) => rejection.code(),
            ClientError::PasswordsDiffer => "passwords_differ",
            ClientError::Locked => "locked",
            ClientError::WrongPassword => "wrong_password",
            ClientError::TooManyUnlockAttempts => "too_many_unlock_attempts",
            ClientError::NoKeys => "no_keys",
            ClientError::KeysLost => "keys_lost",
            ClientError::InvalidForm(_) => "invalid_form",
            ClientError::NoPatientDataAccess => "no_patient_data_access",
            ClientError::ActivationLinkInvalid => "activation_link_invalid",
            ClientError::Profile(error) => error.code(),
            ClientError::NotSynced => "not_synced",
            ClientError::Launch(error) => error.code(),
            ClientError::Extraction(error) => error.problem.code(),
            ClientError::InvalidBirthDate => "invalid_birth_date",
            ClientError::CurrentPasswordWrong => "current_password_wrong",
            ClientError::PasswordUnchanged => "password_unchanged",
            ClientError::ConsentRequired => "consent_required",
            ClientError::Conversation(error) => error.code(),
            ClientError::BadSignature => "bad_signature",
            ClientError::Attachment(error) => error.code(),
            ClientError::ConversationLeft => "conversation_left",
            ClientError::Notification(_) => "notification",
            ClientError::InvalidZorgMailAddress => "invalid_zorgmail_address",
            ClientError::HisReturnNeedsPatient => "his_return_needs_patient",
            ClientError::HisReturnCommentTooLong => "his_return_comment_too_long",
            ClientError::HisReturn(_) => "his_return_failed",
            ClientError::Crypto(_) | ClientError::Internal(_) => "internal",
        }
    }
}

pub type ClientResult<T> = Result<T, ClientError>;
