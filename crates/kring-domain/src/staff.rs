//! Staff administration (medewerkersbeheer, STAFF-1 … STAFF-8): the account request form and its
//! rules, the life of a request, and the patient-data access status a GP sees per colleague.

use crate::roles::Role;
use crate::values::{AgbCode, Email, MobileNumber};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long a request stays listed under the staff list (STAFF-3).
pub const REQUEST_VISIBLE_FOR: Duration = Duration::days(30);

/// How long an activation link works.
pub const ACTIVATION_VALID_FOR: Duration = Duration::days(7);

/// Consumer e-mail providers refused for professional accounts (STAFF-8). A region adds its own
/// with `--private-email-domain`.
pub const PRIVATE_EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.nl",
    "outlook.com",
    "outlook.nl",
    "live.com",
    "live.nl",
    "msn.com",
    "yahoo.com",
    "yahoo.nl",
    "icloud.com",
    "me.com",
    "mac.com",
    "ziggo.nl",
    "kpnmail.nl",
    "kpnplanet.nl",
    "planet.nl",
    "home.nl",
    "xs4all.nl",
    "hetnet.nl",
    "casema.nl",
    "upcmail.nl",
    "chello.nl",
    "telfort.nl",
    "tele2.nl",
    "online.nl",
    "quicknet.nl",
    "zeelandnet.nl",
    "solcon.nl",
    "caiway.nl",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.net",
    "aol.com",
    "mail.com",
];

/// The "Vraag account medewerker aan" form as typed (STAFF-2). Strings, so every field can be
/// checked and reported on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccountRequestForm {
    pub initials: String,
    pub infix: String,
    pub surname: String,
    pub agb: String,
    pub email: String,
    pub mobile: String,
    pub role: Option<Role>,
}

/// A form that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccountRequestDetails {
    pub initials: String,
    pub infix: Option<String>,
    pub surname: String,
    pub agb: Option<AgbCode>,
    pub email: Email,
    pub mobile: Option<MobileNumber>,
    pub role: Role,
}

impl AccountRequestDetails {
    /// "A.B. van Dijk".
    pub fn display_name(&self) -> String {
        match &self.infix {
            Some(infix) => format!("{} {} {}", self.initials, infix, self.surname),
            None => format!("{} {}", self.initials, self.surname),
        }
    }
}

/// The form fields, as the UI names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FormField {
    Initials,
    Surname,
    Agb,
    Email,
    Mobile,
    Role,
}

/// One field's problem; `code` is what the UI translates (`required`, `agb_format`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldError {
    pub field: FormField,
    pub code: String,
}

impl AccountRequestForm {
    /// Check every field; all problems at once, so the form can mark each field.
    pub fn validate(&self, private_domains: &[String]) -> Result<AccountRequestDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field, code: &str| errors.push(FieldError { field, code: code.to_owned() });
        let initials = normalise_initials(&self.initials);
        if initials.is_empty() {
            fail(FormField::Initials, "required");
        }
        let name = |text: &str| crate::values::plain_text(text, crate::values::MAX_NAME_CHARS).map(str::to_owned);
        let surname = match name(&self.surname) {
            Ok(surname) if surname.is_empty() => {
                fail(FormField::Surname, "required");
                surname
            }
            Ok(surname) => surname,
            Err(e) => {
                fail(FormField::Surname, e.code());
                String::new()
            }
        };
        let infix = match name(&self.infix) {
            Ok(infix) => Some(infix).filter(|i| !i.is_empty()),
            Err(e) => {
                fail(FormField::Surname, e.code());
                None
            }
        };
        if self.initials.chars().count() > 20 {
            fail(FormField::Initials, "too_long");
        }
        let agb = match self.agb.trim() {
            "" => None,
            text => AgbCode::parse(text).map_err(|e| fail(FormField::Agb, e.code())).ok(),
        };
        let email = match self.email.trim() {
            "" => {
                fail(FormField::Email, "required");
                None
            }
            text => match Email::parse(text) {
                Ok(email) if is_private(&email, private_domains) => {
                    fail(FormField::Email, "email_private");
                    None
                }
                Ok(email) => Some(email),
                Err(e) => {
                    fail(FormField::Email, e.code());
                    None
                }
            },
        };
        let mobile = match self.mobile.trim() {
            "" => None,
            text => MobileNumber::parse(text).map_err(|e| fail(FormField::Mobile, e.code())).ok(),
        };
        if self.role.is_none() {
            fail(FormField::Role, "required");
        }
        match (email, self.role, errors.is_empty()) {
            (Some(email), Some(role), true) => Ok(AccountRequestDetails { initials, infix, surname, agb, email, mobile, role }),
            _ => Err(errors),
        }
    }
}

/// "a b" or "A.B" or "ab" -> "A.B."; letters only.
fn normalise_initials(text: &str) -> String {
    text.chars().filter(|c| c.is_alphabetic()).flat_map(|c| c.to_uppercase().chain(['.'])).collect()
}

/// Whether `email` is at a consumer provider (STAFF-8): the built-in list plus the region's own.
pub fn is_private(email: &Email, extra: &[String]) -> bool {
    let domain = email.domain();
    PRIVATE_EMAIL_DOMAINS.contains(&domain) || extra.iter().any(|d| d.eq_ignore_ascii_case(domain))
}

/// Where an account request stands. Every state is visible to the practice (STAFF-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the region's operator.
    Pending,
    /// Approved; the invitation with the activation link is sent.
    Invited,
    /// The new colleague set a password: the account works.
    Activated,
    /// The operator refused it.
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestTransitionError {
    #[error("the request was already handled")]
    AlreadyHandled,
    #[error("the request is not approved")]
    NotInvited,
}

impl RequestStatus {
    pub fn approve(self) -> Result<Self, RequestTransitionError> {
        match self {
            RequestStatus::Pending => Ok(RequestStatus::Invited),
            _ => Err(RequestTransitionError::AlreadyHandled),
        }
    }

    pub fn reject(self) -> Result<Self, RequestTransitionError> {
        match self {
            RequestStatus::Pending => Ok(RequestStatus::Rejected),
            _ => Err(RequestTransitionError::AlreadyHandled),
        }
    }

    pub fn activate(self) -> Result<Self, RequestTransitionError> {
        match self {
            RequestStatus::Invited => Ok(RequestStatus::Activated),
            _ => Err(RequestTransitionError::NotInvited),
        }
    }
}

/// A colleague's access to the practice's patient data, as the staff list shows it (STAFF-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AccessStatus {
    /// Green: authorised and holding the practice's key.
    HasAccess,
    /// Warning: authorised, but the key is not yet wrapped for them; it will be when an authorised
    /// key holder next opens a secure session, or with the next HIS extraction upload.
    AwaitingKey,
    /// Not authorised.
    NoAccess,
}

impl AccessStatus {
    pub fn of(authorised: bool, holds_key: bool) -> Self {
        match (authorised, holds_key) {
            (true, true) => AccessStatus::HasAccess,
            (true, false) => AccessStatus::AwaitingKey,
            (false, _) => AccessStatus::NoAccess,
        }
    }
}

/// When a request made at `requested_at` leaves the list.
pub fn request_hidden_at(requested_at: OffsetDateTime) -> OffsetDateTime {
    requested_at + REQUEST_VISIBLE_FOR
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AccountRequestForm {
        AccountRequestForm {
            initials: "j k".into(),
            infix: " van ".into(),
            surname: "Dijk".into(),
            agb: "".into(),
            email: "j.vandijk@praktijk-delinde.nl".into(),
            mobile: "06 1234 5678".into(),
            role: Some(Role::Assistent),
        }
    }

    #[test]
    fn staff_2_a_complete_form_becomes_request_details() {
        let details = form().validate(&[]).unwrap();
        assert_eq!(details.display_name(), "J.K. van Dijk");
        assert_eq!(details.mobile.unwrap().e164(), "+31612345678");
        assert_eq!(details.agb, None);
    }

    #[test]
    fn staff_2_a_surname_of_900_kb_or_with_a_nul_byte_is_refused_on_its_field() {
        let errors = AccountRequestForm { surname: "x".repeat(900_000), ..form() }.validate(&[]).unwrap_err();
        assert_eq!(errors, vec![FieldError { field: FormField::Surname, code: "too_long".into() }]);
        let errors = AccountRequestForm { infix: "van\0".into(), ..form() }.validate(&[]).unwrap_err();
        assert_eq!(errors, vec![FieldError { field: FormField::Surname, code: "control_characters".into() }]);
    }

    #[test]
    fn staff_2_every_missing_or_wrong_field_is_reported_at_once() {
        let empty = AccountRequestForm::default().validate(&[]).unwrap_err();
        let fields: Vec<FormField> = empty.iter().map(|e| e.field).collect();
        assert_eq!(fields, [FormField::Initials, FormField::Surname, FormField::Email, FormField::Role]);
        assert!(empty.iter().all(|e| e.code == "required"));

        let wrong = AccountRequestForm { agb: "1234".into(), mobile: "015 212 3456".into(), email: "geen-mail".into(), ..form() }
            .validate(&[])
            .unwrap_err();
        let codes: Vec<(FormField, &str)> = wrong.iter().map(|e| (e.field, e.code.as_str())).collect();
        assert_eq!(
            codes,
            [(FormField::Agb, "agb_format"), (FormField::Email, "email_format"), (FormField::Mobile, "phone_not_mobile")]
        );
    }

    #[test]
    fn staff_8_private_mail_providers_are_refused_including_the_regions_own_list() {
        for address in ["jan@gmail.com", "jan@Hotmail.com", "jan@ziggo.nl", "jan@kpnmail.nl"] {
            let result = AccountRequestForm { email: address.into(), ..form() }.validate(&[]);
            assert_eq!(result.unwrap_err()[0].code, "email_private", "{address}");
        }
        let regional = vec!["delftmail.nl".to_owned()];
        assert!(AccountRequestForm { email: "jan@delftmail.nl".into(), ..form() }.validate(&regional).is_err());
        assert!(AccountRequestForm { email: "jan@ggzdelfland.nl".into(), ..form() }.validate(&regional).is_ok());
    }

    #[test]
    fn staff_3_a_request_is_approved_or_rejected_once_and_activated_only_after_approval() {
        assert_eq!(RequestStatus::Pending.approve(), Ok(RequestStatus::Invited));
        assert_eq!(RequestStatus::Pending.activate(), Err(RequestTransitionError::NotInvited));
        assert_eq!(RequestStatus::Invited.activate(), Ok(RequestStatus::Activated));
        assert_eq!(RequestStatus::Invited.reject(), Err(RequestTransitionError::AlreadyHandled));
        assert_eq!(RequestStatus::Rejected.approve(), Err(RequestTransitionError::AlreadyHandled));
    }

    #[test]
    fn staff_1_access_status_is_green_only_with_both_authorisation_and_key() {
        assert_eq!(AccessStatus::of(true, true), AccessStatus::HasAccess);
        assert_eq!(AccessStatus::of(true, false), AccessStatus::AwaitingKey);
        assert_eq!(AccessStatus::of(false, true), AccessStatus::NoAccess);
    }
}
