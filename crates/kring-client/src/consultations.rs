//! Consultations (CONS-1 … CONS-5) on this workstation. So far: the specialist groups one can
//! ask, with who answers in each and on what agreement.

use crate::error::ClientResult;
use crate::KringClient;
use kring_domain::consultation::{AnswerAgreement, CareStreet};
use kring_domain::{Action, TeamId};
use kring_protocol::consultations::{ConsultationGroupEntry, DeclarableService};
use kring_protocol::{ChangeBody, EntityKind, PersonEntry};
use serde::Serialize;

/// A specialist group as the consultation form offers it (CONS-1).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConsultationGroupView {
    pub team_id: TeamId,
    /// The team's name: "Psychiatrische Consultatielijn voor huisartsen".
    pub name: String,
    pub organisation: String,
    pub care_street: CareStreet,
    /// The specialists who answer in it (active, with keys), by name.
    pub specialists: Vec<String>,
    /// The agreement in business hours: answer, first reminder, closing (CONS-5).
    pub answer_hours: u32,
    pub reminder_hours: u32,
    pub closing_hours: u32,
    pub services: Vec<DeclarableService>,
}

impl KringClient {
    /// The specialist groups of the region, by care street and name. A group whose stored
    /// agreement is out of order is left out (and logged): its deadlines could not be kept.
    pub fn consultation_groups(&self) -> ClientResult<Vec<ConsultationGroupView>> {
        let directory = self.directory()?;
        let contracts = self.contracts()?;
        let people = self.people_by_id()?;
        let groups: Vec<ConsultationGroupEntry> =
            crate::directory::cached(&self.inner.cache, EntityKind::ConsultationGroup, |body| match body {
                ChangeBody::ConsultationGroup(group) => Some(group),
                _ => None,
            })?;
        let mut views = Vec::new();
        for group in groups {
            if AnswerAgreement::from_hours(group.answer_hours, group.reminder_hours, group.closing_hours).is_err() {
                tracing::warn!(team_id = %group.team_id, "a consultation group's agreement is out of order: left out");
                continue;
            }
            let Some(organisation) = directory.organisations.iter().find(|o| o.id == group.organisation_id) else { continue };
            let Some(team) = organisation.teams.iter().find(|t| t.id == group.team_id) else { continue };
            let mut specialists: Vec<String> = contracts
                .iter()
                .filter(|c| c.team_id == Some(group.team_id) && c.role.permits(Action::AnswerConsultation))
                .filter_map(|c| people.get(&c.user_id))
                .filter(|person| person.active && person.encryption_key().is_some())
                .map(PersonEntry::full_name)
                .collect();
            specialists.sort();
            specialists.dedup();
            views.push(ConsultationGroupView {
                team_id: group.team_id,
                name: team.name.clone(),
                organisation: organisation.name.clone(),
                care_street: group.care_street,
                specialists,
                answer_hours: group.answer_hours,
                reminder_hours: group.reminder_hours,
                closing_hours: group.closing_hours,
                services: group.services,
            });
        }
        views.sort_by(|a, b| a.care_street.dutch_name().cmp(b.care_street.dutch_name()).then(a.name.cmp(&b.name)));
        Ok(views)
    }
}
