//! Consultations (CONS-1 … CONS-5) on this workstation: the specialist groups one can ask, asking
//! one (the question is the first message of the consultation's conversation, the subject its
//! title, sealed once more for the practice's timeline), the C tab with each consultation's status
//! and next deadline in business time, picking up, answering, declaring and closing.

use crate::conversations::{NewAttachment, NewConversation};
use crate::error::{ClientError, ClientResult};
use crate::patients::{open_sealed, seal_json};
use crate::KringClient;
use kring_crypto::Vault;
use kring_domain::business_time::BusinessCalendar;
use kring_domain::consultation::{
    check_question, check_subject, deadline_words, AnswerAgreement, CareStreet, ConsultationError, ConsultationStatus,
    ConsultationStep, DeadlineKind,
};
use kring_domain::{Action, ConversationId, OrganisationId, PatientId, TeamId, UserId};
use kring_protocol::consultations::{
    ConsultationEntry, ConsultationGroupEntry, DeclarableService, NewConsultation, RegionCalendarEntry,
};
use kring_protocol::{ChangeBody, ContractEntry, EntityKind, Mutation, PersonEntry};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// A specialist group as the consultation form offers it (CONS-1).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConsultationGroupView {
    pub team_id: TeamId,
    /// The team's name: "Psychiatrische Consultatielijn voor huisartsen".
    pub name: String,
    pub organisation: String,
    pub care_street: CareStreet,
    /// The specialists who answer in it (active, with keys), by name: the whole group reads a
    /// question, or one of them is named.
    pub specialists: Vec<crate::referrals::PersonOption>,
    /// The agreement in business hours: answer, first reminder, closing (CONS-5).
    pub answer_hours: u32,
    pub reminder_hours: u32,
    pub closing_hours: u32,
    pub services: Vec<DeclarableService>,
}

/// The consultation form (CONS-1): a group, or one of its specialists by name.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct ConsultationForm {
    pub patient_id: PatientId,
    pub group: TeamId,
    pub specialist: Option<UserId>,
    pub subject: String,
    pub question: String,
}

/// A consultation in the C tab or on the patient's timeline (CONS-2, CONS-3).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConsultationSummary {
    pub id: Uuid,
    pub patient_id: PatientId,
    /// `None` while locked or when the patient is not in my index (a specialist reads the
    /// question, not the chart).
    pub patient_name: Option<String>,
    /// `None` while locked, or for someone holding neither the conversation's key nor the
    /// practice vault.
    pub subject: Option<String>,
    pub group: String,
    pub organisation: String,
    pub care_street: CareStreet,
    pub asked_by: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub asked_at: OffsetDateTime,
    pub status: ConsultationStatus,
    pub picked_up_by: Option<String>,
    /// The next step's deadline in words ("do 4 dec 12:00") and what it is for.
    pub deadline: Option<DeadlineView>,
    /// The first reminder went out (CONS-5).
    pub reminded: bool,
    /// Closed by the server's clock, not by a person.
    pub closed_automatically: bool,
    pub declarations: Vec<DeclarationView>,
    /// Unread messages in its conversation (the cloud).
    pub unread: usize,
    pub conversation_id: ConversationId,
    /// I take part: the content opens for me. Colleagues of the practice see the item without
    /// an open button (CONS-3).
    pub can_open: bool,
    /// I may write in its conversation now: before pickup only the asker, never once closed.
    pub may_write: bool,
    /// I asked it (the practice's side: it can go back to the HIS).
    pub asked_by_me: bool,
    /// What I can do with it now.
    pub may_pick_up: bool,
    pub may_answer: bool,
    pub may_declare: bool,
    pub may_close: bool,
    /// The group's services, for the specialist who declares.
    pub services: Vec<DeclarableService>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeadlineView {
    pub kind: DeadlineKind,
    /// "do 4 dec 12:00", Dutch time.
    pub words: String,
    /// Already past (the reminder went, or the closing is near).
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DeclarationView {
    pub code: String,
    pub description: String,
    pub by: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
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
            let mut specialists: Vec<crate::referrals::PersonOption> = group_specialists(&contracts, &people, group.team_id)
                .into_iter()
                .filter_map(|user| people.get(&user))
                .map(|person| crate::referrals::PersonOption { user_id: person.id, name: person.full_name() })
                .collect();
            specialists.sort_by(|a, b| a.name.cmp(&b.name));
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

impl KringClient {
    /// Ask a group, or one of its specialists, for advice (CONS-1). The specialists read the
    /// question, not the chart: the patient is not shared with their organisation (a
    /// Consultatiegever has no patient access). Attachments follow the question as a second
    /// message.
    pub async fn ask_consultation(&self, form: ConsultationForm, attachments: Vec<NewAttachment>) -> ClientResult<Uuid> {
        let subject = check_subject(&form.subject)?;
        let question = check_question(&form.question)?;
        let entry = self.patient_entry(form.patient_id)?;
        let practice = entry.organisation_id;
        if !self.may(practice, Action::StartConsultation) {
            return Err(ClientError::Refused {
                code: kring_protocol::ErrorCode::Forbidden,
                message: "asking for a consultation".into(),
            });
        }
        // The group must be one the directory has.
        self.group_entry(form.group)?;
        let specialists = group_specialists(&self.contracts()?, &self.people_by_id()?, form.group);
        let recipients: Vec<UserId> = match form.specialist {
            Some(named) if specialists.contains(&named) => vec![named],
            Some(_) => return Err(ConsultationError::UnknownGroup.into()),
            None => specialists,
        };
        if recipients.is_empty() {
            return Err(ConsultationError::NoSpecialists.into());
        }
        let practice_subject = seal_json(&self.practice_vault(practice)?, &subject)?;
        let id = Uuid::now_v7();
        let prepared = self.prepare_conversation(&NewConversation {
            patient_id: Some(form.patient_id),
            title: subject,
            recipients,
            inboxes: Vec::new(),
            text: question,
        })?;
        let conversation_id = prepared.id;
        self.submit_now(Mutation::AskConsultation {
            consultation: Box::new(NewConsultation {
                id,
                patient_id: form.patient_id,
                group: form.group,
                named_specialist: form.specialist,
                practice_subject,
            }),
            conversation_id,
            title: prepared.title,
            participants: prepared.participants,
            first_message: prepared.first_message,
        })
        .await?;
        if !attachments.is_empty() {
            self.send_message_with(conversation_id, "", attachments).await?;
        }
        tracing::info!(consultation_id = %id, "consultation asked");
        Ok(id)
    }

    /// The C tab (CHAT-5): the consultations I take part in, newest first. Someone of the group
    /// whose colleague picked one up no longer sees it.
    pub fn consultations(&self) -> ClientResult<Vec<ConsultationSummary>> {
        let entries = self.consultation_entries()?;
        let context = Context::of(self, &entries)?;
        let mut list: Vec<ConsultationSummary> = entries
            .iter()
            .filter(|entry| context.can_open(entry, self.inner.me.user_id))
            .map(|entry| self.consultation_summary(entry, &context))
            .collect();
        list.sort_by_key(|summary| std::cmp::Reverse(summary.asked_at));
        Ok(list)
    }

    /// The patient's consultations for the timeline (CONS-3): for colleagues of the practice with
    /// patient access too, who see subject, group, status and dates but cannot open it.
    pub fn patient_consultations(&self, patient_id: PatientId) -> ClientResult<Vec<ConsultationSummary>> {
        let mut entries = self.consultation_entries()?;
        entries.retain(|entry| entry.patient_id == patient_id);
        let context = Context::of(self, &entries)?;
        let mut list: Vec<ConsultationSummary> = entries.iter().map(|entry| self.consultation_summary(entry, &context)).collect();
        list.sort_by_key(|summary| std::cmp::Reverse(summary.asked_at));
        Ok(list)
    }

    pub fn consultation(&self, id: Uuid) -> ClientResult<ConsultationSummary> {
        let entry = self.consultation_entry(id)?;
        let context = Context::of(self, std::slice::from_ref(&entry))?;
        Ok(self.consultation_summary(&entry, &context))
    }

    /// Pick it up (CONS-2): of two specialists at once, one wins; the other learns who did.
    pub async fn pick_up_consultation(&self, id: Uuid) -> ClientResult<()> {
        self.consultation_step(id, ConsultationStep::PickedUp).await
    }

    /// The asker closes it (CONS-2).
    pub async fn close_consultation(&self, id: Uuid) -> ClientResult<()> {
        self.consultation_step(id, ConsultationStep::Closed).await
    }

    /// Book one of the group's services (CONS-4).
    pub async fn declare_consultation(&self, id: Uuid, code: &str) -> ClientResult<()> {
        let entry = self.consultation_entry(id)?;
        let group = self.group_entry(entry.group)?;
        if !group.services.iter().any(|service| service.code == code) {
            return Err(ConsultationError::UnknownService.into());
        }
        if entry.status == ConsultationStatus::New {
            return Err(ConsultationError::NotPickedUp.into());
        }
        if entry.declarations.iter().any(|declaration| declaration.code == code) {
            return Err(ConsultationError::AlreadyDeclared.into());
        }
        let declaration_id = Uuid::now_v7();
        self.submit_now(Mutation::DeclareConsultation { consultation_id: id, declaration_id, code: code.to_owned() }).await?;
        Ok(())
    }

    async fn consultation_step(&self, id: Uuid, step: ConsultationStep) -> ClientResult<()> {
        let entry = self.consultation_entry(id)?;
        entry.status.after(step)?;
        match self.submit_now(Mutation::ConsultationStep { consultation_id: id, step }).await {
            Ok(_) => Ok(()),
            Err(refused @ ClientError::Refused { .. }) => {
                // Another step came first (a colleague picked it up): say what, from the new state.
                self.sync_now().await?;
                match self.consultation_entry(id)?.status.after(step) {
                    Err(error) => Err(error.into()),
                    Ok(_) => Err(refused),
                }
            }
            Err(error) => Err(error),
        }
    }

    fn consultation_summary(&self, entry: &ConsultationEntry, context: &Context) -> ConsultationSummary {
        let me = self.inner.me.user_id;
        let name = |user: UserId| context.names.get(&user).cloned().unwrap_or_else(|| "Onbekende collega".to_owned());
        let conversation = context.conversations.get(&entry.conversation_id);
        let taking_part = conversation.is_some_and(|c| c.active);
        let can_open = context.can_open(entry, me);
        let subject = conversation.and_then(|c| c.title.clone()).or_else(|| {
            let vault = context.vaults.get(&entry.practice_id)?;
            open_sealed::<String>(vault, &entry.practice_subject).ok()
        });
        let patient_name = context.patient_names.get(&entry.patient_id).cloned();
        let now = OffsetDateTime::now_utc();
        let deadline = AnswerAgreement::from_hours(entry.answer_hours, entry.reminder_hours, entry.closing_hours)
            .ok()
            .and_then(|agreement| {
                agreement.next_deadline(&context.calendar, entry.status, entry.asked_at, entry.reminded_at.is_some(), now)
            })
            .map(|deadline| DeadlineView {
                kind: deadline.kind,
                words: deadline_words(deadline.at),
                overdue: deadline.at <= now,
            });
        let (group, organisation, services) = match context.groups.get(&entry.group) {
            Some((group, organisation, services)) => (group.clone(), organisation.clone(), services.clone()),
            None => (String::new(), String::new(), Vec::new()),
        };
        let open = entry.status.is_open();
        ConsultationSummary {
            id: entry.id,
            patient_id: entry.patient_id,
            patient_name,
            subject,
            group,
            organisation,
            care_street: entry.care_street,
            asked_by: name(entry.asked_by),
            asked_at: entry.asked_at,
            status: entry.status,
            picked_up_by: entry.picked_up_by.map(name),
            deadline,
            reminded: entry.reminded_at.is_some(),
            closed_automatically: entry.history.iter().any(|e| e.step == ConsultationStep::Closed && e.by.is_none()),
            declarations: entry
                .declarations
                .iter()
                .map(|d| DeclarationView { code: d.code.clone(), description: d.description.clone(), by: name(d.by), at: d.at })
                .collect(),
            unread: conversation.map(|c| c.unread).unwrap_or_default(),
            conversation_id: entry.conversation_id,
            can_open,
            asked_by_me: entry.asked_by == me,
            may_write: open && taking_part && (entry.status != ConsultationStatus::New || entry.asked_by == me),
            may_pick_up: taking_part && entry.status == ConsultationStatus::New && context.groups_i_answer.contains(&entry.group),
            may_answer: open && entry.picked_up_by == Some(me),
            may_declare: entry.status != ConsultationStatus::New && entry.picked_up_by == Some(me),
            may_close: open && entry.asked_by == me,
            services: if entry.picked_up_by == Some(me) { services } else { Vec::new() },
        }
    }

    /// What a return to the HIS says of the consultation a conversation belongs to (CHAT-6): the
    /// group, the status and each declared service; nothing for another conversation.
    pub(crate) fn consultation_lines(&self, conversation_id: ConversationId) -> ClientResult<Vec<String>> {
        let Some(entry) = self.consultation_entries()?.into_iter().find(|entry| entry.conversation_id == conversation_id) else {
            return Ok(Vec::new());
        };
        let context = Context::of(self, std::slice::from_ref(&entry))?;
        let summary = self.consultation_summary(&entry, &context);
        let status = match summary.status {
            ConsultationStatus::New => "Nieuw",
            ConsultationStatus::PickedUp => "Opgepakt",
            ConsultationStatus::Answered => "Beantwoord",
            ConsultationStatus::Closed => "Gesloten",
        };
        let mut lines =
            vec![format!("Consultatie bij: {} ({})", summary.group, summary.organisation), format!("Status: {status}")];
        for declaration in &summary.declarations {
            lines.push(format!(
                "Verrichting: {} {} (geboekt door {} op {})",
                declaration.code,
                declaration.description,
                declaration.by,
                crate::his_return::format_time(declaration.at)
            ));
        }
        Ok(lines)
    }

    /// The region's business calendar (CONS-5) as the directory holds it; the documented default
    /// without one (or with one out of order, which the server refuses to set).
    pub(crate) fn business_calendar(&self) -> BusinessCalendar {
        match self.inner.cache.entity(EntityKind::RegionCalendar, RegionCalendarEntry::ID) {
            Ok(Some(ChangeBody::RegionCalendar(entry))) => entry.calendar().unwrap_or_default(),
            _ => BusinessCalendar::default(),
        }
    }

    fn consultation_entry(&self, id: Uuid) -> ClientResult<ConsultationEntry> {
        match self.inner.cache.entity(EntityKind::Consultation, id)? {
            Some(ChangeBody::Consultation(entry)) => Ok(entry),
            _ => Err(ClientError::NotSynced),
        }
    }

    fn consultation_entries(&self) -> ClientResult<Vec<ConsultationEntry>> {
        crate::directory::cached(&self.inner.cache, EntityKind::Consultation, |body| match body {
            ChangeBody::Consultation(entry) => Some(entry),
            _ => None,
        })
    }

    fn group_entry(&self, team: TeamId) -> ClientResult<ConsultationGroupEntry> {
        match self.inner.cache.entity(EntityKind::ConsultationGroup, team.0)? {
            Some(ChangeBody::ConsultationGroup(group)) => Ok(group),
            _ => Err(ConsultationError::UnknownGroup.into()),
        }
    }
}

/// The group's specialists who can read a question, as the server counts them: a contract in
/// the group's team whose role answers consultations, active, with keys; each once.
fn group_specialists(contracts: &[ContractEntry], people: &HashMap<UserId, PersonEntry>, team: TeamId) -> Vec<UserId> {
    let mut users: Vec<UserId> = contracts
        .iter()
        .filter(|c| c.team_id == Some(team) && c.role.permits(Action::AnswerConsultation))
        .filter(|c| people.get(&c.user_id).is_some_and(|p| p.active && p.encryption_key().is_some()))
        .map(|c| c.user_id)
        .collect();
    users.sort_by_key(|user| user.0);
    users.dedup();
    users
}

/// What every summary needs, read once per list.
struct Context {
    names: HashMap<UserId, String>,
    conversations: HashMap<ConversationId, crate::conversations::Glance>,
    /// Team -> (group name, organisation name, services).
    groups: HashMap<TeamId, (String, String, Vec<DeclarableService>)>,
    groups_i_answer: Vec<TeamId>,
    /// The names of the list's patients in my index, looked up once per patient (locked: none).
    patient_names: HashMap<PatientId, String>,
    /// The practice vaults I hold, opened once per list (locked: none).
    vaults: HashMap<OrganisationId, Vault>,
    calendar: BusinessCalendar,
}

impl Context {
    /// I take part (or took part, as asker or picker): the content opens for me.
    fn can_open(&self, entry: &ConsultationEntry, me: UserId) -> bool {
        self.conversations
            .get(&entry.conversation_id)
            .is_some_and(|c| c.active || entry.asked_by == me || entry.picked_up_by == Some(me))
    }

    fn of(client: &KringClient, entries: &[ConsultationEntry]) -> ClientResult<Self> {
        let me = client.inner.me.user_id;
        let groups = client
            .consultation_groups()?
            .into_iter()
            .map(|group| (group.team_id, (group.name, group.organisation, group.services)))
            .collect();
        let groups_i_answer = client
            .contracts()?
            .iter()
            .filter(|c| c.user_id == me && c.role.permits(Action::AnswerConsultation))
            .filter_map(|c| c.team_id)
            .collect();
        let vaults = if client.is_unlocked() {
            client
                .inner
                .me
                .contracts
                .iter()
                .filter_map(|c| client.practice_vault(c.organisation_id).ok().map(|vault| (c.organisation_id, vault)))
                .collect()
        } else {
            HashMap::new()
        };
        let mut patient_names = HashMap::new();
        if client.is_unlocked() {
            for entry in entries {
                if patient_names.contains_key(&entry.patient_id) {
                    continue;
                }
                if let Ok(Some(summary)) = client.patient_summary(entry.patient_id) {
                    if !summary.name.is_empty() {
                        patient_names.insert(entry.patient_id, summary.name);
                    }
                }
            }
        }
        Ok(Context {
            patient_names,
            vaults,
            names: client.names()?,
            conversations: client.glances(&entries.iter().map(|entry| entry.conversation_id).collect())?,
            groups,
            groups_i_answer,
            calendar: client.business_calendar(),
        })
    }
}
