//! A user's profile (Mijn profiel, PROF-1 … PROF-4): name, up to three functions from the list,
//! working days and absences (which a sender sees when writing), and notification e-mail.

use crate::values::Email;
use serde::{Deserialize, Serialize};
use time::Date;

/// The most functions one person shows (PROF-1).
pub const MAX_FUNCTIONS: usize = 3;

/// The functions to choose from (PROF-1): shown to specialists in consultations.
pub const FUNCTIONS: &[&str] = &[
    "Huisarts",
    "Huisarts in opleiding (AIOS)",
    "Waarnemend huisarts",
    "Kaderhuisarts GGZ",
    "Kaderhuisarts ouderengeneeskunde",
    "Praktijkondersteuner somatiek (POH-S)",
    "Praktijkondersteuner GGZ (POH-GGZ)",
    "Praktijkondersteuner jeugd",
    "Praktijkverpleegkundige",
    "Doktersassistent",
    "Triagist",
    "Praktijkmanager",
    "Verpleegkundig specialist",
    "Physician assistant",
    "Wijkverpleegkundige",
    "Verzorgende IG",
    "Casemanager dementie",
    "Specialist ouderengeneeskunde",
    "Psychiater",
    "GZ-psycholoog",
    "Klinisch psycholoog",
    "Psychotherapeut",
    "Sociaal psychiatrisch verpleegkundige (SPV)",
    "Apotheker",
    "Fysiotherapeut",
    "Ergotherapeut",
    "Diëtist",
    "Logopedist",
    "Maatschappelijk werker",
    "Kwaliteitsmedewerker",
];

/// A day of the week someone works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

// Serde for dates as `2026-12-21` (`iso_date` and `iso_date::option`).
time::serde::format_description!(
    pub iso_date,
    Date,
    "[year]-[month]-[day]"
);

/// A period away (vakantie, verlof), both days included. Dates travel as `2026-12-21`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Absence {
    #[ts(type = "string")]
    #[serde(with = "iso_date")]
    pub from: Date,
    #[ts(type = "string")]
    #[serde(with = "iso_date")]
    pub until: Date,
}

impl Absence {
    pub fn covers(&self, day: Date) -> bool {
        self.from <= day && day <= self.until
    }
}

/// The last day of the absence that covers `day`, if any: what a sender is shown (PROF-4).
pub fn absent_until(absences: &[Absence], day: Date) -> Option<Date> {
    absences.iter().filter(|a| a.covers(day)).map(|a| a.until).max()
}

/// The profile form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProfileForm {
    pub first_name: String,
    pub last_name: String,
    pub functions: Vec<String>,
    pub working_days: Vec<Weekday>,
    pub absences: Vec<Absence>,
    pub notification_email: String,
    pub notify_on_message: bool,
}

/// A profile that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    pub functions: Vec<String>,
    pub working_days: Vec<Weekday>,
    pub absences: Vec<Absence>,
    pub notification_email: Option<Email>,
    pub notify_on_message: bool,
}

/// Why a profile is refused; `code()` is what the UI translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, strum::EnumIter)]
pub enum ProfileError {
    #[error("first and last name are required")]
    NameRequired,
    #[error("a name is longer than 100 characters or holds control characters")]
    NameInvalid,
    #[error("at most three functions")]
    TooManyFunctions,
    #[error("a function that is not on the list")]
    UnknownFunction,
    #[error("an absence ends before it starts")]
    AbsenceBackwards,
    #[error("not a valid e-mail address")]
    NotificationEmail,
    #[error("e-mail on new messages needs a notification address")]
    NotificationWithoutEmail,
}

impl ProfileError {
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::NameRequired => "profile_name_required",
            ProfileError::NameInvalid => "profile_name_invalid",
            ProfileError::TooManyFunctions => "profile_too_many_functions",
            ProfileError::UnknownFunction => "profile_unknown_function",
            ProfileError::AbsenceBackwards => "profile_absence_backwards",
            ProfileError::NotificationEmail => "profile_notification_email",
            ProfileError::NotificationWithoutEmail => "profile_notification_without_email",
        }
    }
}

impl ProfileForm {
    pub fn validate(&self) -> Result<Profile, ProfileError> {
        let name = |text| crate::values::plain_text(text, crate::values::MAX_NAME_CHARS).map_err(|_| ProfileError::NameInvalid);
        let (first_name, last_name) = (name(&self.first_name)?, name(&self.last_name)?);
        if first_name.is_empty() || last_name.is_empty() {
            return Err(ProfileError::NameRequired);
        }
        let mut functions: Vec<String> = Vec::new();
        for function in &self.functions {
            if !FUNCTIONS.contains(&function.as_str()) {
                return Err(ProfileError::UnknownFunction);
            }
            if !functions.contains(function) {
                functions.push(function.clone());
            }
        }
        if functions.len() > MAX_FUNCTIONS {
            return Err(ProfileError::TooManyFunctions);
        }
        if self.absences.iter().any(|a| a.until < a.from) {
            return Err(ProfileError::AbsenceBackwards);
        }
        let notification_email = match self.notification_email.trim() {
            "" => None,
            text => Some(Email::parse(text).map_err(|_| ProfileError::NotificationEmail)?),
        };
        if self.notify_on_message && notification_email.is_none() {
            return Err(ProfileError::NotificationWithoutEmail);
        }
        let mut working_days = self.working_days.clone();
        working_days.sort();
        working_days.dedup();
        let mut absences = self.absences.clone();
        absences.sort_by_key(|a| a.from);
        Ok(Profile {
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            functions,
            working_days,
            absences,
            notification_email,
            notify_on_message: self.notify_on_message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn prof_3_a_name_of_900_kb_or_with_a_nul_byte_is_refused() {
        assert_eq!(ProfileForm { last_name: "x".repeat(900_000), ..form() }.validate(), Err(ProfileError::NameInvalid));
        assert_eq!(ProfileForm { first_name: "Meh\0met".into(), ..form() }.validate(), Err(ProfileError::NameInvalid));
    }

    fn form() -> ProfileForm {
        ProfileForm {
            first_name: " Mehmet ".into(),
            last_name: "Yılmaz".into(),
            functions: vec!["Praktijkondersteuner GGZ (POH-GGZ)".into()],
            working_days: vec![Weekday::Thursday, Weekday::Monday, Weekday::Monday],
            absences: vec![Absence { from: date!(2026 - 12 - 21), until: date!(2027 - 01 - 03) }],
            notification_email: "m.yilmaz@praktijk-delinde.nl".into(),
            notify_on_message: true,
        }
    }

    #[test]
    fn prof_1_up_to_three_functions_from_the_list() {
        let three = ["Huisarts", "Kaderhuisarts GGZ", "Psychiater"].map(String::from).to_vec();
        assert!(ProfileForm { functions: three.clone(), ..form() }.validate().is_ok());
        let four = [three, vec!["Diëtist".into()]].concat();
        assert_eq!(ProfileForm { functions: four, ..form() }.validate(), Err(ProfileError::TooManyFunctions));
        assert_eq!(ProfileForm { functions: vec!["Tovenaar".into()], ..form() }.validate(), Err(ProfileError::UnknownFunction));
    }

    #[test]
    fn prof_3_4_names_days_and_notifications_are_checked_and_tidied() {
        let profile = form().validate().unwrap();
        assert_eq!(profile.first_name, "Mehmet");
        assert_eq!(profile.working_days, [Weekday::Monday, Weekday::Thursday]);
        assert_eq!(ProfileForm { last_name: " ".into(), ..form() }.validate(), Err(ProfileError::NameRequired));
        assert_eq!(
            ProfileForm { notification_email: "".into(), ..form() }.validate(),
            Err(ProfileError::NotificationWithoutEmail)
        );
        assert_eq!(ProfileForm { notification_email: "geen".into(), ..form() }.validate(), Err(ProfileError::NotificationEmail));
        let backwards = vec![Absence { from: date!(2026 - 12 - 21), until: date!(2026 - 12 - 20) }];
        assert_eq!(ProfileForm { absences: backwards, ..form() }.validate(), Err(ProfileError::AbsenceBackwards));
    }

    #[test]
    fn prof_4_absences_travel_as_plain_dates() {
        let absence = Absence { from: date!(2026 - 12 - 21), until: date!(2027 - 01 - 03) };
        let json = serde_json::to_value(absence).unwrap();
        assert_eq!(json, serde_json::json!({ "from": "2026-12-21", "until": "2027-01-03" }));
        assert_eq!(serde_json::from_value::<Absence>(json).unwrap(), absence);
    }

    #[test]
    fn prof_4_a_sender_sees_until_when_someone_is_away() {
        let absences = form().absences;
        assert_eq!(absent_until(&absences, date!(2026 - 12 - 20)), None);
        assert_eq!(absent_until(&absences, date!(2026 - 12 - 21)), Some(date!(2027 - 01 - 03)));
        assert_eq!(absent_until(&absences, date!(2027 - 01 - 03)), Some(date!(2027 - 01 - 03)));
        assert_eq!(absent_until(&absences, date!(2027 - 01 - 04)), None);
    }
}
