//! The client's errors. `code()` is what the UI translates into Dutch (ui/src/lib/i18n).

use kring_protocol::ErrorCode;
use thiserror::Error;

#[derive(Debug, Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
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
    #[error("only the patient's care network and practice add to the care network")]
    NotInCareNetwork,
    #[error("the ZorgMail address is not a valid address")]
    InvalidZorgMailAddress,
    #[error("no ZorgMail address given")]
    ZorgMailAddressRequired,
    #[error("only a conversation about a patient can go back to the HIS")]
    HisReturnNeedsPatient,
    #[error("the comment is longer than {} characters", crate::his_return::MAX_COMMENT_CHARS)]
    HisReturnCommentTooLong,
    #[error("sending to the HIS failed: {0}")]
    HisReturn(String),
    #[error("the referral is not accepted: {0}")]
    Referral(kring_domain::referral::ReferralError),
    #[error("the consultation is not accepted: {0}")]
    Consultation(#[from] kring_domain::consultation::ConsultationError),
    #[error("the measurement is not accepted: {0}")]
    HomeMeasurement(#[from] kring_domain::home_measurement::HomeMeasurementError),
    #[error("the health plan item is not accepted: {0}")]
    HealthPlan(#[from] kring_domain::health_plan::HealthPlanError),
    #[error("the practice has not shared this patient: there is no care network to record for")]
    NotShared,
    #[error("internal error: {0}")]
    Internal(String),
}

/// The codes of the client's own errors; `ClientError::code` gives one of these or a code of the
/// error it wraps. The UI words each (ui/src/lib/i18n); `all_codes` is the list the generated
/// TypeScript types carry, so a new code cannot reach the UI without its Dutch sentence.
#[derive(Debug, Clone, Copy, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum OwnCode {
    InvalidServerUrl,
    ServerUnreachable,
    MissingCredentials,
    InvalidCredentials,
    SessionExpired,
    RateLimited,
    Refused,
    Protocol,
    Cache,
    Keyring,
    PasswordsDiffer,
    Locked,
    WrongPassword,
    TooManyUnlockAttempts,
    NoKeys,
    KeysLost,
    InvalidForm,
    NoPatientDataAccess,
    ActivationLinkInvalid,
    NotSynced,
    InvalidBirthDate,
    CurrentPasswordWrong,
    PasswordUnchanged,
    ConsentRequired,
    BadSignature,
    ConversationLeft,
    NotInCareNetwork,
    InvalidZorgmailAddress,
    ZorgmailAddressRequired,
    HisReturnNeedsPatient,
    HisReturnCommentTooLong,
    HisReturnFailed,
    NotShared,
    Internal,
}

/// Server codes the UI does not explain one by one: they read "the server refused".
fn folded(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidCredentials
            | ErrorCode::Unauthenticated
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::RateLimited
            | ErrorCode::Internal
    )
}

impl ClientError {
    /// Stable, machine-readable code for the UI's translation table.
    pub fn code(&self) -> &'static str {
        let own = match self {
            ClientError::InvalidServerUrl(_) => OwnCode::InvalidServerUrl,
            ClientError::ServerUnreachable => OwnCode::ServerUnreachable,
            ClientError::MissingCredentials => OwnCode::MissingCredentials,
            ClientError::InvalidCredentials => OwnCode::InvalidCredentials,
            ClientError::SessionExpired => OwnCode::SessionExpired,
            ClientError::RateLimited { .. } => OwnCode::RateLimited,
            ClientError::Refused { code, .. } if folded(*code) => OwnCode::Refused,
            ClientError::Refused { code, .. } => return code.as_str(),
            ClientError::Protocol(_) => OwnCode::Protocol,
            ClientError::Cache(_) => OwnCode::Cache,
            ClientError::Keyring(_) => OwnCode::Keyring,
            ClientError::PasswordRejected(rejection) => return rejection.code(),
            ClientError::PasswordsDiffer => OwnCode::PasswordsDiffer,
            ClientError::Locked => OwnCode::Locked,
            ClientError::WrongPassword => OwnCode::WrongPassword,
            ClientError::TooManyUnlockAttempts => OwnCode::TooManyUnlockAttempts,
            ClientError::NoKeys => OwnCode::NoKeys,
            ClientError::KeysLost => OwnCode::KeysLost,
            ClientError::InvalidForm(_) => OwnCode::InvalidForm,
            ClientError::NoPatientDataAccess => OwnCode::NoPatientDataAccess,
            ClientError::ActivationLinkInvalid => OwnCode::ActivationLinkInvalid,
            ClientError::Profile(error) => return error.code(),
            ClientError::NotSynced => OwnCode::NotSynced,
            ClientError::Launch(error) => return error.code(),
            ClientError::Extraction(error) => return error.problem.code(),
            ClientError::InvalidBirthDate => OwnCode::InvalidBirthDate,
            ClientError::CurrentPasswordWrong => OwnCode::CurrentPasswordWrong,
            ClientError::PasswordUnchanged => OwnCode::PasswordUnchanged,
            ClientError::ConsentRequired => OwnCode::ConsentRequired,
            ClientError::Conversation(error) => return error.code(),
            ClientError::BadSignature => OwnCode::BadSignature,
            ClientError::Attachment(error) => return error.code(),
            ClientError::ConversationLeft => OwnCode::ConversationLeft,
            ClientError::NotInCareNetwork => OwnCode::NotInCareNetwork,
            ClientError::InvalidZorgMailAddress => OwnCode::InvalidZorgmailAddress,
            ClientError::ZorgMailAddressRequired => OwnCode::ZorgmailAddressRequired,
            ClientError::HisReturnNeedsPatient => OwnCode::HisReturnNeedsPatient,
            ClientError::HisReturnCommentTooLong => OwnCode::HisReturnCommentTooLong,
            ClientError::HisReturn(_) => OwnCode::HisReturnFailed,
            ClientError::Referral(error) => return error.code(),
            ClientError::Consultation(error) => return error.code(),
            ClientError::HomeMeasurement(error) => return error.code(),
            ClientError::HealthPlan(error) => return error.code(),
            ClientError::NotShared => OwnCode::NotShared,
            ClientError::Crypto(_) | ClientError::Internal(_) => OwnCode::Internal,
        };
        own.into()
    }

    /// Every code `code()` can give, sorted: the client's own and those of the errors it wraps.
    pub fn all_codes() -> Vec<&'static str> {
        use kring_domain::conversation::{AttachmentError, ConversationError};
        use strum::IntoEnumIterator;
        let mut codes: Vec<&'static str> = OwnCode::iter().map(Into::into).collect();
        codes.extend(ErrorCode::iter().filter(|code| !folded(*code)).map(ErrorCode::as_str));
        codes.extend(kring_domain::PasswordRejection::iter().map(|error| error.code()));
        codes.extend(kring_domain::ProfileError::iter().map(|error| error.code()));
        codes.extend(kring_domain::launch::LaunchError::iter().map(|error| error.code()));
        codes.extend(kring_extraction::Problem::iter().map(|problem| problem.code()));
        codes.extend(ConversationError::iter().map(ConversationError::code));
        codes.extend(AttachmentError::iter().map(AttachmentError::code));
        codes.extend(kring_domain::referral::ReferralError::iter().map(kring_domain::referral::ReferralError::code));
        codes.extend(
            kring_domain::consultation::ConsultationError::iter().map(kring_domain::consultation::ConsultationError::code),
        );
        codes.extend(
            kring_domain::home_measurement::HomeMeasurementError::iter()
                .map(kring_domain::home_measurement::HomeMeasurementError::code),
        );
        codes.extend(kring_domain::health_plan::HealthPlanError::iter().map(kring_domain::health_plan::HealthPlanError::code));
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

pub type ClientResult<T> = Result<T, ClientError>;

#[cfg(test)]
mod tests {
    use super::*;
    use kring_domain::conversation::{AttachmentError, ConversationError};
    use strum::IntoEnumIterator;

    /// One value of each variant. The match is exhaustive: a new variant does not compile until it
    /// has one here, and then its code must be in `all_codes`, the list the UI's sentences are
    /// checked against (ui/src/lib/i18n).
    fn example(kind: ClientErrorDiscriminants) -> ClientError {
        use ClientErrorDiscriminants as K;
        let extraction = kring_extraction::ExtractionError {
            location: kring_extraction::Location { line: None, column: None, field: None },
            problem: kring_extraction::Problem::InvalidFhir,
        };
        match kind {
            K::InvalidServerUrl => ClientError::InvalidServerUrl(String::new()),
            K::ServerUnreachable => ClientError::ServerUnreachable,
            K::MissingCredentials => ClientError::MissingCredentials,
            K::InvalidCredentials => ClientError::InvalidCredentials,
            K::SessionExpired => ClientError::SessionExpired,
            K::RateLimited => ClientError::RateLimited { retry_after_seconds: 1 },
            K::Refused => ClientError::Refused { code: ErrorCode::Forbidden, message: String::new() },
            K::Protocol => ClientError::Protocol(String::new()),
            K::Cache => ClientError::Cache(rusqlite::Error::InvalidQuery),
            K::Crypto => ClientError::Crypto(kring_crypto::CryptoError::Derivation),
            K::Keyring => ClientError::Keyring(String::new()),
            K::PasswordRejected => ClientError::PasswordRejected(kring_domain::PasswordRejection::TooShort),
            K::PasswordsDiffer => ClientError::PasswordsDiffer,
            K::Locked => ClientError::Locked,
            K::WrongPassword => ClientError::WrongPassword,
            K::TooManyUnlockAttempts => ClientError::TooManyUnlockAttempts,
            K::NoKeys => ClientError::NoKeys,
            K::KeysLost => ClientError::KeysLost,
            K::InvalidForm => ClientError::InvalidForm(Vec::new()),
            K::NoPatientDataAccess => ClientError::NoPatientDataAccess,
            K::ActivationLinkInvalid => ClientError::ActivationLinkInvalid,
            K::Profile => ClientError::Profile(kring_domain::ProfileError::NameRequired),
            K::NotSynced => ClientError::NotSynced,
            K::Launch => ClientError::Launch(kring_domain::launch::LaunchError::Expired),
            K::Extraction => ClientError::Extraction(extraction),
            K::InvalidBirthDate => ClientError::InvalidBirthDate,
            K::CurrentPasswordWrong => ClientError::CurrentPasswordWrong,
            K::PasswordUnchanged => ClientError::PasswordUnchanged,
            K::ConsentRequired => ClientError::ConsentRequired,
            K::Conversation => ClientError::Conversation(ConversationError::EmptyTitle),
            K::Attachment => ClientError::Attachment(AttachmentError::Empty),
            K::BadSignature => ClientError::BadSignature,
            K::ConversationLeft => ClientError::ConversationLeft,
            K::NotInCareNetwork => ClientError::NotInCareNetwork,
            K::InvalidZorgMailAddress => ClientError::InvalidZorgMailAddress,
            K::ZorgMailAddressRequired => ClientError::ZorgMailAddressRequired,
            K::HisReturnNeedsPatient => ClientError::HisReturnNeedsPatient,
            K::HisReturnCommentTooLong => ClientError::HisReturnCommentTooLong,
            K::HisReturn => ClientError::HisReturn(String::new()),
            K::Referral => ClientError::Referral(kring_domain::referral::ReferralError::ReasonRequired),
            K::Consultation => ClientError::Consultation(kring_domain::consultation::ConsultationError::SubjectRequired),
            K::HomeMeasurement => ClientError::HomeMeasurement(kring_domain::home_measurement::HomeMeasurementError::Implausible),
            K::NotShared => ClientError::NotShared,
            K::HealthPlan => ClientError::HealthPlan(kring_domain::health_plan::HealthPlanError::TitleRequired),
            K::Internal => ClientError::Internal(String::new()),
        }
    }

    #[test]
    fn every_error_s_code_is_in_the_list_the_ui_words() {
        let codes = ClientError::all_codes();
        for kind in ClientErrorDiscriminants::iter() {
            let code = example(kind).code();
            assert!(codes.contains(&code), "{kind:?} gives {code}, which all_codes() lacks");
        }
    }
}
