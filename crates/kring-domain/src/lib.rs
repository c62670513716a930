//! Kring's domain: the rules of Dutch primary-care collaboration, with no I/O.
//!
//! Everything here is pure: validated values (`Bsn`, `AgbCode`, `MobileNumber`, `Email`) whose only
//! constructor checks the rule, the roles of practice and network staff with the one permission
//! table that server and UI both use, identifiers, and the `Clock` that lets tests control time.
//! This crate must never depend on networking, storage, crypto or Tauri: every other crate depends
//! on it, and it must test in milliseconds.

pub mod access;
pub mod business_time;
pub mod clock;
pub mod consultation;
pub mod conversation;
pub mod health_plan;
pub mod his_vendor;
pub mod home_measurement;
pub mod ids;
pub mod launch;
pub mod medvri;
pub mod organisation;
pub mod password;
pub mod patient;
pub mod profile;
pub mod referral;
pub mod referral_letter;
pub mod roles;
pub mod second_factor;
pub mod staff;
pub mod targets;
pub mod throttle;
pub mod values;

pub use access::AccessKind;
pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{ConversationId, OrganisationId, PatientId, TeamId, UserId};
pub use organisation::OrganisationKind;
pub use password::{check_new_password, PasswordRejection};
pub use patient::{CareProgramme, ConsentGiver, PatientCard, PatientChart};
pub use profile::{Absence, Profile, ProfileError, ProfileForm, Weekday};
pub use roles::{Action, Role};
pub use second_factor::{CodeChallenge, CodeError};
pub use staff::{AccessStatus, AccountRequestDetails, AccountRequestForm, FieldError, FormField, RequestStatus};
pub use throttle::{Attempt, Throttle, ThrottleSubject};
pub use values::{plain_text, AgbCode, Bsn, Email, MobileNumber, ValidationError, MAX_NAME_CHARS};
