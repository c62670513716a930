//! Consultations (CONS-1 … CONS-5). The server checks who may ask which group, that the
//! conversation goes to exactly the group's specialists (or the one named), that exactly one
//! specialist picks it up (the others leave its conversation, so the next key epoch is the two
//! of them only), who takes each later step and which services may be declared; it schedules the
//! reminder and the automatic closing in business time as durable jobs. Subject, question and
//! answer stay sealed.

use crate::authz::may;
use crate::conversations::StartConversation;
use crate::error::{ServerError, ServerResult};
use crate::mail::OutgoingMail;
use crate::plan::job_kind::{CLOSE_CONSULTATION, REMIND_CONSULTATION, SEND_CONSULTATION_REMINDER};
use crate::plan::Planned;
use crate::store::{Commit, NewJob};
use crate::AppState;
use kring_domain::business_time::BusinessCalendar;
use kring_domain::consultation::{AnswerAgreement, ConsultationError, ConsultationStatus, ConsultationStep};
use kring_domain::{Action, TeamId, UserId};
use kring_protocol::consultations::{
    ConsultationEntry, ConsultationEvent, ConsultationGroupEntry, ConsultationRecordEntry, Declaration, NewConsultation,
    RegionCalendarEntry,
};
use kring_protocol::conversations::ParticipationEntry;
use kring_protocol::{ChangeBody, EntityKind, Scope};
use uuid::Uuid;

/// The most services one consultation can carry.
const MAX_DECLARATIONS: usize = 10;

/// CONS-1: a practice member asks a group (or one specialist of it) about one of the practice's
/// patients; the conversation is made in the same commit, and the reminder and closing jobs are
/// scheduled with it.
pub(crate) async fn ask(
    state: &AppState,
    author: UserId,
    new: &NewConsultation,
    conversation: StartConversation<'_>,
) -> ServerResult<Planned> {
    let patient = crate::referrals::patient(state, new.patient_id).await?;
    let practice = patient.organisation_id;
    if !may(state, author, practice, Action::StartConsultation).await? {
        return Err(ServerError::Forbidden("asking for a consultation"));
    }
    if state.store().entity(EntityKind::Consultation, new.id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the consultation id is taken".into()));
    }
    let group = group(state, new.group).await?;
    let agreement = AnswerAgreement::from_hours(group.answer_hours, group.reminder_hours, group.closing_hours)
        .map_err(|error| ServerError::InvalidRequest(error.code().into()))?;
    if let Some(specialist) = new.named_specialist {
        if !answers_in(state, specialist, group.team_id).await? {
            return Err(ServerError::InvalidRequest("the named specialist does not answer in this group".into()));
        }
    }
    crate::conversations::check_sealed(&new.practice_subject, 1024, "subject")?;
    // The conversation goes to the asker and exactly the group's specialists (or the one named):
    // nobody else reads the question.
    let mut expected = match new.named_specialist {
        Some(specialist) => vec![specialist],
        None => specialists(state, group.team_id).await?,
    };
    expected.retain(|user| *user != author);
    expected.push(author);
    let given: Vec<UserId> = conversation.participants.iter().map(|p| p.user_id).collect();
    if !kring_domain::conversation::same_people(&given, &expected) || !conversation.inboxes.is_empty() {
        return Err(ServerError::InvalidRequest("a consultation goes to the group's specialists, and only to them".into()));
    }
    // The specialists read the question, not the chart: they take part without seeing the
    // patient (no share, no care network membership; Consultatiegever has no patient access).
    let specialists: Vec<UserId> = expected.iter().copied().filter(|user| *user != author).collect();
    let conversation = StartConversation { without_patient_access: &specialists, ..conversation };
    let asked_at = state.clock().now();
    let entry = ConsultationEntry {
        id: new.id,
        patient_id: patient.id,
        practice_id: practice,
        group: group.team_id,
        organisation_id: group.organisation_id,
        care_street: group.care_street,
        conversation_id: conversation.id,
        asked_by: author,
        asked_at,
        named_specialist: new.named_specialist,
        practice_subject: new.practice_subject.clone(),
        answer_hours: group.answer_hours,
        reminder_hours: group.reminder_hours,
        closing_hours: group.closing_hours,
        // Sent to a named specialist, it counts as picked up.
        status: if new.named_specialist.is_some() { ConsultationStatus::PickedUp } else { ConsultationStatus::New },
        picked_up_by: new.named_specialist,
        reminded_at: None,
        history: new
            .named_specialist
            .map(|specialist| ConsultationEvent { step: ConsultationStep::PickedUp, by: Some(specialist), at: asked_at })
            .into_iter()
            .collect(),
        declarations: Vec::new(),
        care_group: practice_care_group(state, practice).await?,
    };
    let mut planned = crate::conversations::start(state, author, conversation).await?;
    for (_, body) in &mut planned.commit.changes {
        if let ChangeBody::Conversation(conversation) = body {
            conversation.consultation = Some(entry.id);
        }
    }
    planned.commit.changes.extend(changes(&entry));
    let (reminder, closing) = agreement.reminder_and_closing(&calendar(state).await?, asked_at);
    planned.commit.jobs.push(job(REMIND_CONSULTATION, entry.id, reminder));
    planned.commit.jobs.push(job(CLOSE_CONSULTATION, entry.id, closing));
    tracing::info!(consultation_id = %entry.id, group = %entry.group, "consultation asked");
    Ok(planned)
}

/// CONS-2: a message in a consultation's conversation. Before anyone picked it up only the asker
/// writes (a specialist picks it up first); the first message of the one who picked it up is
/// the answer. Returns the consultation's changes and the state they were planned on.
pub(crate) async fn on_message(
    state: &AppState,
    id: Uuid,
    author: UserId,
    at: time::OffsetDateTime,
) -> ServerResult<(Vec<(Scope, ChangeBody)>, ChangeBody)> {
    let read = consultation(state, id).await?;
    let changes = match read.status {
        ConsultationStatus::Closed => return Err(ServerError::InvalidRequest(ConsultationError::Closed.to_string())),
        ConsultationStatus::New if author != read.asked_by => {
            return Err(ServerError::InvalidRequest(ConsultationError::NotPickedUp.to_string()))
        }
        ConsultationStatus::PickedUp if read.picked_up_by == Some(author) => {
            let mut entry = read.clone();
            entry.status = ConsultationStatus::Answered;
            entry.history.push(ConsultationEvent { step: ConsultationStep::Answered, by: Some(author), at });
            changes(&entry)
        }
        _ => Vec::new(),
    };
    Ok((changes, ChangeBody::Consultation(read)))
}

/// CONS-2: pick up (a specialist of the group who still takes part), close (the asker). The
/// answer is a message (see [`on_message`]). Picking up is a compare-and-set on the consultation: of two at once,
/// exactly one commits; the other's plan is made again and refused ("already picked up").
pub(crate) async fn step(state: &AppState, author: UserId, id: Uuid, step: ConsultationStep) -> ServerResult<Planned> {
    let read = consultation(state, id).await?;
    let mut entry = read.clone();
    let allowed = match step {
        ConsultationStep::PickedUp => answers_in(state, author, entry.group).await?,
        ConsultationStep::Answered => {
            return Err(ServerError::InvalidRequest("a consultation is answered by a message".into()));
        }
        ConsultationStep::Closed => entry.asked_by == author,
    };
    if !allowed {
        return Err(ServerError::Forbidden("that step of the consultation"));
    }
    entry.status = entry.status.after(step).map_err(|error| ServerError::InvalidRequest(error.code().into()))?;
    let now = state.clock().now();
    entry.history.push(ConsultationEvent { step, by: Some(author), at: now });
    let mut changes = Vec::new();
    let mut planned_on = vec![ChangeBody::Consultation(read)];
    if step == ConsultationStep::PickedUp {
        entry.picked_up_by = Some(author);
        let Some(ChangeBody::Conversation(mut conversation)) =
            state.store().entity(EntityKind::Conversation, entry.conversation_id.0).await?
        else {
            return Err(ServerError::NotFound("conversation"));
        };
        if !conversation.participants.iter().any(|p| p.user_id == author && p.is_active()) {
            return Err(ServerError::Forbidden("picking up a consultation one does not take part in"));
        }
        planned_on.push(ChangeBody::Conversation(conversation.clone()));
        // The other specialists leave: the next message starts a key epoch of the two only.
        let mut leavers = Vec::new();
        for participant in conversation.participants.iter_mut() {
            if participant.is_active() && participant.user_id != author && participant.user_id != entry.asked_by {
                participant.left_at = Some(now);
                leavers.push(participant.user_id);
            }
        }
        changes.push((Scope::Conversation(conversation.id), ChangeBody::Conversation(conversation.clone())));
        for leaver in &leavers {
            let participation_id = ParticipationEntry::id_for(conversation.id, *leaver);
            if let Some(ChangeBody::Participation(mut participation)) =
                state.store().entity(EntityKind::Participation, participation_id).await?
            {
                participation.active = false;
                changes.push((Scope::User(*leaver), ChangeBody::Participation(participation)));
            }
            changes.push((Scope::User(*leaver), ChangeBody::Conversation(conversation.clone())));
            // The consultation as it now stands reaches them once more, so their list drops it.
            changes.push((Scope::User(*leaver), ChangeBody::Consultation(entry.clone())));
        }
        tracing::info!(consultation_id = %id, others_left = leavers.len(), "consultation picked up");
    }
    changes.extend(self::changes(&entry));
    let mut planned = Planned::changes(changes);
    planned.commit.unchanged.extend(planned_on);
    Ok(planned)
}

/// CONS-4: the specialist who picked it up books one of the group's services.
pub(crate) async fn declare(
    state: &AppState,
    author: UserId,
    id: Uuid,
    declaration_id: Uuid,
    code: &str,
) -> ServerResult<Planned> {
    let read = consultation(state, id).await?;
    // The one who picked it up, still answering in the group (who left the team books nothing);
    // also after closing, since a service is often booked once the answer is in.
    if read.picked_up_by != Some(author) || !answers_in(state, author, read.group).await? {
        return Err(ServerError::Forbidden("declaring a consultation one did not pick up"));
    }
    let group = group(state, read.group).await?;
    let Some(service) = group.services.iter().find(|service| service.code == code) else {
        return Err(ServerError::InvalidRequest(ConsultationError::UnknownService.to_string()));
    };
    if read.declarations.iter().any(|d| d.id == declaration_id) {
        return Err(ServerError::InvalidRequest("the declaration id is taken".into()));
    }
    if read.declarations.iter().any(|d| d.code == service.code) {
        return Err(ServerError::InvalidRequest(ConsultationError::AlreadyDeclared.to_string()));
    }
    if read.declarations.len() >= MAX_DECLARATIONS {
        return Err(ServerError::InvalidRequest(format!("a consultation holds at most {MAX_DECLARATIONS} declarations")));
    }
    let mut entry = read.clone();
    entry.declarations.push(Declaration {
        id: declaration_id,
        code: service.code.clone(),
        description: service.description.clone(),
        by: author,
        at: state.clock().now(),
    });
    tracing::info!(consultation_id = %id, "consultation declared");
    let mut planned = Planned::changes(changes(&entry));
    planned.commit.unchanged.push(ChangeBody::Consultation(read));
    Ok(planned)
}

/// The reminder job (CONS-5): still without an answer, the consultation shows it was reminded
/// and every participant gets an e-mail, each its own durable job in the same commit (one address
/// failing, or the mail server being down, is retried without reminding twice).
pub(crate) async fn remind(state: &AppState, id: Uuid) -> ServerResult<()> {
    let read = consultation(state, id).await?;
    if !matches!(read.status, ConsultationStatus::New | ConsultationStatus::PickedUp) || read.reminded_at.is_some() {
        return Ok(());
    }
    let Some(ChangeBody::Conversation(conversation)) =
        state.store().entity(EntityKind::Conversation, read.conversation_id.0).await?
    else {
        return Err(ServerError::NotFound("conversation"));
    };
    let now = state.clock().now();
    let mut entry = read.clone();
    entry.reminded_at = Some(now);
    let jobs: Vec<NewJob> = conversation
        .participants
        .iter()
        .filter(|p| p.is_active())
        .map(|p| NewJob {
            id: Uuid::new_v5(&id, format!("{SEND_CONSULTATION_REMINDER}|{}", p.user_id).as_bytes()),
            kind: SEND_CONSULTATION_REMINDER.into(),
            payload: serde_json::json!({ "user_id": p.user_id }),
            run_at: now,
        })
        .collect();
    tracing::info!(consultation_id = %id, recipients = jobs.len(), "consultation reminder");
    let commit = Commit { changes: changes(&entry), jobs, unchanged: vec![ChangeBody::Consultation(read)], ..Commit::default() };
    state.commit(commit).await?;
    Ok(())
}

/// One reminder e-mail (CONS-5) to one participant: the notification address, else the
/// account's.
pub(crate) async fn send_reminder(state: &AppState, user: UserId) -> ServerResult<()> {
    let Some(ChangeBody::Account(account)) = state.store().entity(EntityKind::Account, user.0).await? else {
        return Ok(());
    };
    let Some(to) = account.notification_email.or(account.email) else { return Ok(()) };
    let transport = state
        .delivery()
        .mail
        .as_ref()
        .ok_or(crate::delivery::DeliveryError::NotConfigured(kring_protocol::CodeChannel::Email))?;
    transport.send(&reminder_mail(to)).await.map_err(crate::delivery::DeliveryError::from)?;
    tracing::info!(user_id = %user, "consultation reminder e-mail sent");
    Ok(())
}

/// The closing job (CONS-5): the agreement's closing time passed; the consultation closes by
/// itself, answered or not (seed 004: "Na 96 uur zal de consultatie automatisch worden gesloten").
pub(crate) async fn close_automatically(state: &AppState, id: Uuid) -> ServerResult<()> {
    let read = consultation(state, id).await?;
    if read.status == ConsultationStatus::Closed {
        return Ok(());
    }
    let mut entry = read.clone();
    entry.status = ConsultationStatus::Closed;
    entry.history.push(ConsultationEvent { step: ConsultationStep::Closed, by: None, at: state.clock().now() });
    let commit = Commit { changes: changes(&entry), unchanged: vec![ChangeBody::Consultation(read)], ..Commit::default() };
    state.commit(commit).await?;
    tracing::info!(consultation_id = %id, "consultation closed automatically");
    Ok(())
}

/// The reminder: that a consultation waits for an answer, never which or about whom.
pub fn reminder_mail(to: kring_domain::Email) -> OutgoingMail {
    OutgoingMail {
        to,
        subject: "Herinnering: een consultatie wacht op antwoord in Kring".into(),
        body: "Een consultatie waaraan u deelneemt, is nog niet beantwoord.\n\n\
               Open Kring om haar te bekijken. Om privacyredenen staat in deze e-mail niet over wie of waarover \
               de consultatie gaat.\n\n\
               Zonder antwoord sluit de consultatie vanzelf na de afgesproken termijn. De huisarts of POH neemt \
               dan zelf contact op met de consultatiegroep.\n"
            .into(),
    }
}

/// A consultation reaches the practice's patient scope (the timeline, CONS-3) and those taking
/// part in its conversation; its record (no patient, no subject) the practice and its care
/// group (STAFF-5).
fn changes(entry: &ConsultationEntry) -> Vec<(Scope, ChangeBody)> {
    let record = ChangeBody::ConsultationRecord(ConsultationRecordEntry::of(entry));
    let mut changes = vec![
        (Scope::Patients(entry.practice_id), ChangeBody::Consultation(entry.clone())),
        (Scope::Conversation(entry.conversation_id), ChangeBody::Consultation(entry.clone())),
        (Scope::Organisation(entry.practice_id), record.clone()),
    ];
    if let Some(care_group) = entry.care_group {
        changes.push((Scope::Organisation(care_group), record));
    }
    changes
}

fn job(kind: &str, consultation: Uuid, run_at: time::OffsetDateTime) -> NewJob {
    NewJob {
        id: Uuid::new_v5(&consultation, kind.as_bytes()),
        kind: kind.into(),
        payload: serde_json::json!({ "consultation_id": consultation }),
        run_at,
    }
}

/// Whether the user answers consultations in the group: a Consultatiegever contract in its team.
async fn answers_in(state: &AppState, user: UserId, group: TeamId) -> ServerResult<bool> {
    Ok(state.store().children(EntityKind::Contract, user.0).await?.iter().any(
        |body| matches!(body, ChangeBody::Contract(c) if c.team_id == Some(group) && c.role.permits(Action::AnswerConsultation)),
    ))
}

/// The group's specialists who can read a question: active, with keys, answering in its team.
async fn specialists(state: &AppState, group: TeamId) -> ServerResult<Vec<UserId>> {
    let mut users = Vec::new();
    for body in state.store().entities_of_kind(EntityKind::Contract).await? {
        let ChangeBody::Contract(contract) = body else { continue };
        if contract.team_id != Some(group)
            || !contract.role.permits(Action::AnswerConsultation)
            || users.contains(&contract.user_id)
        {
            continue;
        }
        let person = state.store().entity(EntityKind::Person, contract.user_id.0).await?;
        if matches!(person, Some(ChangeBody::Person(p)) if p.active && p.encryption_key().is_some()) {
            users.push(contract.user_id);
        }
    }
    Ok(users)
}

/// The region's business calendar (CONS-5): the stored one, or the documented default. A stored
/// one that cannot be a calendar (it is checked when set) falls back to the default, logged.
pub(crate) async fn calendar(state: &AppState) -> ServerResult<BusinessCalendar> {
    Ok(match state.store().entity(EntityKind::RegionCalendar, RegionCalendarEntry::ID).await? {
        Some(ChangeBody::RegionCalendar(entry)) => entry.calendar().unwrap_or_else(|error| {
            tracing::warn!(%error, "the region's business calendar is out of order: the default holds");
            BusinessCalendar::default()
        }),
        _ => BusinessCalendar::default(),
    })
}

async fn practice_care_group(
    state: &AppState,
    practice: kring_domain::OrganisationId,
) -> ServerResult<Option<kring_domain::OrganisationId>> {
    Ok(match state.store().entity(EntityKind::Organisation, practice.0).await? {
        Some(ChangeBody::Organisation(organisation)) => organisation.care_group,
        _ => None,
    })
}

async fn group(state: &AppState, team: TeamId) -> ServerResult<ConsultationGroupEntry> {
    match state.store().entity(EntityKind::ConsultationGroup, team.0).await? {
        Some(ChangeBody::ConsultationGroup(group)) => Ok(group),
        _ => Err(ServerError::InvalidRequest(ConsultationError::UnknownGroup.to_string())),
    }
}

async fn consultation(state: &AppState, id: Uuid) -> ServerResult<ConsultationEntry> {
    match state.store().entity(EntityKind::Consultation, id).await? {
        Some(ChangeBody::Consultation(entry)) => Ok(entry),
        _ => Err(ServerError::NotFound("consultation")),
    }
}
