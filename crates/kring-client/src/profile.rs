//! Mijn profiel (PROF-1 … PROF-4): one's own name, functions, working days, absences and
//! notification settings, from the cache; saved through the outbox.

use crate::directory::cached;
use crate::error::{ClientError, ClientResult};
use crate::KringClient;
use kring_domain::{Absence, ProfileForm, Weekday};
use kring_protocol::{ChangeBody, CodeChannel, EntityKind, Mutation};
use serde::Serialize;
use uuid::Uuid;

/// The profile page's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ProfileView {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub functions: Vec<String>,
    pub working_days: Vec<Weekday>,
    pub absences: Vec<Absence>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub code_channel: CodeChannel,
    pub notification_email: Option<String>,
    pub notify_on_message: bool,
    /// The list functions are chosen from (PROF-1).
    pub function_choices: Vec<&'static str>,
}

impl KringClient {
    /// My profile, from the cache (after the first sync).
    pub fn profile(&self) -> ClientResult<ProfileView> {
        let me = self.inner.me.user_id;
        let person = cached(&self.inner.cache, EntityKind::Person, |body| match body {
            ChangeBody::Person(person) => Some(person),
            _ => None,
        })?
        .into_iter()
        .find(|p| p.id == me)
        .ok_or(ClientError::NotSynced)?;
        let account = cached(&self.inner.cache, EntityKind::Account, |body| match body {
            ChangeBody::Account(account) => Some(account),
            _ => None,
        })?
        .into_iter()
        .find(|a| a.id == me)
        .ok_or(ClientError::NotSynced)?;
        Ok(ProfileView {
            username: account.username,
            first_name: person.first_name,
            last_name: person.last_name,
            functions: person.functions,
            working_days: person.working_days,
            absences: person.absences,
            email: account.email.map(|e| e.as_str().to_owned()),
            mobile: account.mobile.map(|m| m.e164().to_owned()),
            code_channel: account.code_channel,
            notification_email: account.notification_email.map(|e| e.as_str().to_owned()),
            notify_on_message: account.notify_on_message,
            function_choices: kring_domain::profile::FUNCTIONS.to_vec(),
        })
    }

    /// Save my profile; checked here with the rules the server applies.
    pub async fn update_profile(&self, form: ProfileForm) -> ClientResult<Uuid> {
        form.validate().map_err(ClientError::Profile)?;
        self.submit(Mutation::UpdateProfile(form)).await
    }
}
