//! Conversations (CHAT-1 … CHAT-9) and the care network they feed (NET-1, NET-2). The server
//! checks who may take part and that every message is signed by its author and sealed under the
//! newest key epoch; bodies and titles stay sealed. Messages reach the conversation's active
//! participants through the `conv:<id>` feed scope; each participant's own state (left,
//! archived, read up to) goes to that user only.

use crate::audience::sees_patient;
use crate::authz::AuthUser;
use crate::error::{ServerError, ServerResult};
use crate::identity::contracts;
use crate::plan::job_kind::NOTIFY_NEW_MESSAGES;
use crate::plan::Planned;
use crate::store::{Commit, NewJob};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::conversation::MAX_PARTICIPANTS;
use kring_domain::{Action, ConversationId, PatientId, TeamId, UserId};
use kring_protocol::conversations::{
    CareNetworkMemberEntry, ConversationEntry, HisReturnEntry, KeyEpoch, MessageEntry, NetworkJoin, NewMessage, NewParticipant,
    Participant, ParticipantKind, ParticipationEntry, PatientRef, WrappedKey,
};
use kring_protocol::patients::PatientEntry;
use kring_protocol::{ChangeBody, EntityKind, PersonEntry, Scope};
use time::OffsetDateTime;
use uuid::Uuid;

/// The largest sealed message body (base64): 10,000 characters of text sealed, with room to spare.
const MAX_SEALED_BODY: usize = 96 * 1024;
/// The largest sealed title (base64).
const MAX_SEALED_TITLE: usize = 1024;
/// Notification e-mail about a conversation goes out at most once per this window (CHAT-8).
pub const EMAIL_WINDOW: time::Duration = time::Duration::minutes(15);

pub(crate) struct StartConversation<'a> {
    pub id: ConversationId,
    pub patient_id: Option<PatientId>,
    pub title: &'a str,
    pub participants: &'a [NewParticipant],
    pub first_message: &'a NewMessage,
    pub inboxes: &'a [TeamId],
    /// Participants who take part without seeing the patient: a consultation group's
    /// specialists, whom the consultation checked (CONS-1); they read the question, not the chart.
    pub without_patient_access: &'a [UserId],
}

/// CHAT-1, CHAT-2: a new conversation with its first message. About a patient, every caregiver
/// must see the patient (the practice, or a partner the practice shared the patient with), and
/// all participants join the patient's care network (NET-2).
pub(crate) async fn start(state: &AppState, author: UserId, start: StartConversation<'_>) -> ServerResult<Planned> {
    if state.store().entity(EntityKind::Conversation, start.id.0).await?.is_some() {
        return Err(ServerError::InvalidRequest("the conversation id is taken".into()));
    }
    if !may_converse(state, author).await? {
        return Err(ServerError::Forbidden("taking part in conversations"));
    }
    check_sealed(start.title, MAX_SEALED_TITLE, "title")?;
    let patient = match start.patient_id {
        Some(id) => {
            let patient = patient(state, id).await?;
            if !sees_patient(state, author, &patient).await? {
                return Err(ServerError::Forbidden("a conversation about this patient"));
            }
            Some(patient)
        }
        None => None,
    };
    if !start.participants.iter().any(|p| p.user_id == author) {
        return Err(ServerError::InvalidRequest("the author takes part in the conversation".into()));
    }
    if start.participants.len() < 2 || start.participants.len() > MAX_PARTICIPANTS {
        return Err(ServerError::InvalidRequest(format!("a conversation has 2 to {MAX_PARTICIPANTS} participants")));
    }
    for team in start.inboxes {
        if !matches!(state.store().entity(EntityKind::Team, team.0).await?, Some(ChangeBody::Team(_))) {
            return Err(ServerError::NotFound("team"));
        }
    }
    let now = state.clock().now();
    let mut conversation = ConversationEntry {
        id: start.id,
        inboxes: start.inboxes.to_vec(),
        patient: patient.as_ref().map(|p| PatientRef { patient_id: p.id, practice_id: p.organisation_id }),
        title: start.title.to_owned(),
        created_by: author,
        created_at: now,
        participants: Vec::new(),
        epochs: vec![KeyEpoch { number: 0, keys: Vec::new() }],
        referral: None,
        consultation: None,
    };
    let mut changes = Vec::new();
    let admitting = Admitting { author, now, patient: patient.as_ref(), without_patient_access: start.without_patient_access };
    admit(state, admitting, &mut conversation, start.participants, &mut changes).await?;
    let sent_at = state.messages().next(now);
    let message = accept_message(state, author, &conversation, start.first_message, sent_at).await?;
    let scope = Scope::Conversation(conversation.id);
    let mut all = vec![(scope.clone(), ChangeBody::Conversation(conversation.clone())), (scope, ChangeBody::Message(message))];
    all.append(&mut changes);
    let jobs = email_jobs(state, &conversation, author, sent_at).await?;
    tracing::info!(conversation_id = %conversation.id, participants = conversation.participants.len(), "conversation started");
    Ok(Planned { commit: Commit { changes: all, jobs, ..Commit::default() }, ..Planned::default() })
}

/// Post a message. A message under an old epoch is refused; when someone left since the newest
/// epoch, only a message that starts a new epoch for exactly the active participants is taken.
pub(crate) async fn post(
    state: &AppState,
    author: UserId,
    id: ConversationId,
    message: &NewMessage,
    new_epoch: Option<&[WrappedKey]>,
) -> ServerResult<Planned> {
    let mut conversation = conversation(state, id).await?;
    let read = conversation.clone();
    active_participant(&conversation, author)?;
    let mut rotated = false;
    let active: Vec<UserId> = conversation.participants.iter().filter(|p| p.is_active()).map(|p| p.user_id).collect();
    let newest = conversation.epochs.last().ok_or(ServerError::NotFound("key epoch"))?;
    let holders: Vec<UserId> = newest.holders().collect();
    let stale = kring_domain::conversation::needs_new_epoch(&holders, &active);
    match new_epoch {
        Some(keys) => {
            let wrapped_for: Vec<UserId> = keys.iter().map(|k| k.user_id).collect();
            if !kring_domain::conversation::same_people(&wrapped_for, &active) {
                return Err(ServerError::InvalidRequest("a new key epoch is wrapped for exactly the active participants".into()));
            }
            for key in keys {
                check_sealed(&key.wrapped_key, 256, "wrapped key")?;
            }
            let number = newest.number + 1;
            conversation.epochs.push(KeyEpoch { number, keys: keys.to_vec() });
            rotated = true;
        }
        None if stale => {
            return Err(ServerError::InvalidRequest("someone left: the next message starts a new key epoch".into()));
        }
        None => {}
    }
    let sent_at = state.messages().next(state.clock().now());
    let message = accept_message(state, author, &conversation, message, sent_at).await?;
    let scope = Scope::Conversation(id);
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    if let Some(consultation) = conversation.consultation {
        // CONS-2: the specialist's first message is the answer. Planned on the conversation and
        // the consultation as read: a pickup committing meanwhile (the others leave, a new key
        // epoch is due) or a closing makes this plan again, so nothing is sealed to a key a
        // leaver holds and nothing lands in a closed consultation.
        let (answered, consultation_read) = crate::consultations::on_message(state, consultation, author, sent_at).await?;
        changes.extend(answered);
        unchanged.push(consultation_read);
        unchanged.push(ChangeBody::Conversation(read));
    }
    if rotated {
        changes.push((scope.clone(), ChangeBody::Conversation(conversation.clone())));
    }
    changes.push((scope, ChangeBody::Message(message)));
    let jobs = email_jobs(state, &conversation, author, sent_at).await?;
    Ok(Planned { commit: Commit { changes, jobs, unchanged, ..Commit::default() }, ..Planned::default() })
}

/// Add participants with every epoch key wrapped for them (CHAT-9: they read the history).
pub(crate) async fn add_participants(
    state: &AppState,
    author: UserId,
    id: ConversationId,
    participants: &[NewParticipant],
) -> ServerResult<Planned> {
    let mut conversation = conversation(state, id).await?;
    active_participant(&conversation, author)?;
    if participants.is_empty() {
        return Err(ServerError::InvalidRequest("nobody to add".into()));
    }
    let patient = match conversation.patient {
        Some(reference) => Some(patient(state, reference.patient_id).await?),
        None => None,
    };
    if let Some(referral) = conversation.referral {
        crate::referrals::check_conversation_newcomers(state, referral, participants).await?;
    }
    if conversation.consultation.is_some() {
        return Err(ServerError::InvalidRequest("nobody is added to a consultation's conversation".into()));
    }
    let now = state.clock().now();
    let mut changes = Vec::new();
    let admitting = Admitting { author, now, patient: patient.as_ref(), without_patient_access: &[] };
    admit(state, admitting, &mut conversation, participants, &mut changes).await?;
    let mut all = vec![(Scope::Conversation(id), ChangeBody::Conversation(conversation.clone()))];
    all.append(&mut changes);
    tracing::info!(conversation_id = %id, added = participants.len(), "participants added");
    Ok(Planned::changes(all))
}

/// CHAT-7: leave (readable, no longer writable) and optionally archive at once.
pub(crate) async fn leave(state: &AppState, author: UserId, id: ConversationId, archive: bool) -> ServerResult<Planned> {
    let mut conversation = conversation(state, id).await?;
    active_participant(&conversation, author)?;
    let now = state.clock().now();
    for participant in conversation.participants.iter_mut().filter(|p| p.user_id == author) {
        participant.left_at = Some(now);
    }
    let mut participation = participation(state, id, author).await?;
    participation.active = false;
    participation.archived = archive;
    // The leaver's copy of the conversation goes to them directly: they no longer follow its scope.
    Ok(Planned::changes(vec![
        (Scope::Conversation(id), ChangeBody::Conversation(conversation.clone())),
        (Scope::User(author), ChangeBody::Conversation(conversation)),
        (Scope::User(author), ChangeBody::Participation(participation)),
    ]))
}

/// CHAT-3: someone who is no longer a member of a team inbox leaves its conversation; any active
/// participant's client reports it (the server checks the membership itself).
pub(crate) async fn remove_inbox_member(
    state: &AppState,
    author: UserId,
    id: ConversationId,
    user: UserId,
) -> ServerResult<Planned> {
    let mut conversation = conversation(state, id).await?;
    active_participant(&conversation, author)?;
    let Some(team) = conversation.participants.iter().find(|p| p.user_id == user && p.is_active()).and_then(|p| p.via_inbox)
    else {
        return Err(ServerError::InvalidRequest("not an active inbox member of this conversation".into()));
    };
    if team_members(state, team).await?.contains(&user) {
        return Err(ServerError::InvalidRequest("still a member of the team".into()));
    }
    let now = state.clock().now();
    for participant in conversation.participants.iter_mut().filter(|p| p.user_id == user) {
        participant.left_at = Some(now);
    }
    let mut participation = participation(state, id, user).await?;
    participation.active = false;
    tracing::info!(conversation_id = %id, user_id = %user, "left the team inbox's conversation");
    Ok(Planned::changes(vec![
        (Scope::Conversation(id), ChangeBody::Conversation(conversation.clone())),
        (Scope::User(user), ChangeBody::Conversation(conversation)),
        (Scope::User(user), ChangeBody::Participation(participation)),
    ]))
}

/// The current members of a team who take part in conversations: active people with keys whose
/// contract in the team holds conversation keys.
async fn team_members(state: &AppState, team: TeamId) -> ServerResult<Vec<UserId>> {
    let mut members = Vec::new();
    for body in state.store().entities_of_kind(EntityKind::Contract).await? {
        let ChangeBody::Contract(contract) = body else { continue };
        if contract.team_id != Some(team)
            || !contract.role.permits(Action::ReadConversations)
            || members.contains(&contract.user_id)
        {
            continue;
        }
        if person(state, contract.user_id).await.is_ok_and(|p| p.active && p.encryption_key().is_some()) {
            members.push(contract.user_id);
        }
    }
    Ok(members)
}

/// CHAT-7: hide a conversation one left, or bring it back. Nothing is ever destroyed.
pub(crate) async fn set_archived(state: &AppState, author: UserId, id: ConversationId, archived: bool) -> ServerResult<Planned> {
    let mut participation = participation(state, id, author).await?;
    if participation.active && archived {
        return Err(ServerError::InvalidRequest("leave the conversation before deleting it".into()));
    }
    participation.archived = archived;
    Ok(Planned::changes(vec![(Scope::User(author), ChangeBody::Participation(participation))]))
}

/// Returns kept per conversation; a client that keeps marking is refused beyond this.
const MAX_HIS_RETURNS: usize = 50;

/// CHAT-6: a caregiver taking part sent the conversation about a patient to the HIS; everyone
/// taking part sees when. Only a caregiver who still sees the patient and may converse marks it
/// (not an inhabitant); the server counts the messages itself. A child entity of its own, so it
/// never races a change of the conversation's participants or key epochs.
pub(crate) async fn record_his_return(
    state: &AppState,
    author: UserId,
    id: ConversationId,
    reference: &str,
) -> ServerResult<Planned> {
    let conversation = conversation(state, id).await?;
    active_participant(&conversation, author)?;
    let caregiver = conversation.participants.iter().any(|p| p.user_id == author && p.kind != ParticipantKind::Inhabitant);
    if !caregiver || !may_converse(state, author).await? {
        return Err(ServerError::Forbidden("marking a conversation as returned to the HIS"));
    }
    let Some(reference_to) = conversation.patient else {
        return Err(ServerError::InvalidRequest("only a conversation about a patient goes back to the HIS".into()));
    };
    if !sees_patient(state, author, &patient(state, reference_to.patient_id).await?).await? {
        return Err(ServerError::Forbidden("a patient one no longer sees"));
    }
    if reference.is_empty() || reference.len() > 20 || !reference.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ServerError::InvalidRequest("a MEDVRI reference is 1 to 20 letters and digits".into()));
    }
    if state.store().children(EntityKind::HisReturn, id.0).await?.len() >= MAX_HIS_RETURNS {
        return Err(ServerError::InvalidRequest("this conversation went to the HIS often enough".into()));
    }
    let messages = state.store().children(EntityKind::Message, id.0).await?.len();
    let entry = HisReturnEntry {
        id: Uuid::now_v7(),
        conversation_id: id,
        by: author,
        at: state.clock().now(),
        reference: reference.to_owned(),
        messages: u32::try_from(messages).unwrap_or(u32::MAX),
    };
    Ok(Planned::changes(vec![(Scope::Conversation(id), ChangeBody::HisReturn(entry))]))
}

/// CHAT-8: messages up to `up_to` are read. Never moves back, nor past the newest message.
pub(crate) async fn mark_read(
    state: &AppState,
    author: UserId,
    id: ConversationId,
    up_to: OffsetDateTime,
) -> ServerResult<Planned> {
    let mut participation = participation(state, id, author).await?;
    let up_to = up_to.min(state.clock().now().max(state.messages().latest()));
    if participation.read_up_to.is_some_and(|read| read >= up_to) {
        return Ok(Planned::default());
    }
    participation.read_up_to = Some(up_to);
    Ok(Planned::changes(vec![(Scope::User(author), ChangeBody::Participation(participation))]))
}

/// NET-2: someone in the patient's network adds a caregiver who may see the patient.
pub(crate) async fn join_care_network(
    state: &AppState,
    author: UserId,
    patient_id: PatientId,
    user: UserId,
) -> ServerResult<Planned> {
    let patient = patient(state, patient_id).await?;
    // Someone in the network, or the practice that holds the patient (it makes the network).
    let of_practice = crate::authz::may(state, author, patient.organisation_id, Action::ViewPatients).await?;
    if !sees_patient(state, author, &patient).await? || !(of_practice || in_care_network(state, patient_id, author).await?) {
        return Err(ServerError::Forbidden("adding to this patient's care network"));
    }
    if !sees_patient(state, user, &patient).await? {
        return Err(ServerError::InvalidRequest("the caregiver's organisation does not see this patient".into()));
    }
    if in_care_network(state, patient_id, user).await? {
        return Ok(Planned::default());
    }
    Ok(Planned::changes(network_member(&patient, user, author, NetworkJoin::Manual, state.clock().now())))
}

/// Whether the user is in the patient's care network now (a member taken out again is not).
pub(crate) async fn in_care_network(state: &AppState, patient: PatientId, user: UserId) -> ServerResult<bool> {
    Ok(matches!(
        state.store().entity(EntityKind::CareNetworkMember, CareNetworkMemberEntry::id_for(patient, user)).await?,
        Some(ChangeBody::CareNetworkMember(member)) if member.removed_by.is_none()
    ))
}

/// NET-2: who added a caregiver by hand takes them out again (added by mistake). The network
/// holds no key of its own per member (the patient's network vault is the organisation's), so
/// nothing rotates; their conversations follow the conversation rules.
pub(crate) async fn leave_care_network(
    state: &AppState,
    author: UserId,
    patient_id: PatientId,
    user: UserId,
) -> ServerResult<Planned> {
    let Some(ChangeBody::CareNetworkMember(member)) =
        state.store().entity(EntityKind::CareNetworkMember, CareNetworkMemberEntry::id_for(patient_id, user)).await?
    else {
        return Err(ServerError::NotFound("care network member"));
    };
    if member.removed_by.is_some() {
        return Ok(Planned::default());
    }
    if member.joined_via != NetworkJoin::Manual || member.added_by != author {
        return Err(ServerError::Forbidden("only who added a caregiver by hand takes them out"));
    }
    let patient = patient(state, patient_id).await?;
    let removed = CareNetworkMemberEntry { removed_by: Some(author), ..member };
    Ok(Planned::changes(vec![
        (Scope::Patients(patient.organisation_id), ChangeBody::CareNetworkMember(removed.clone())),
        (Scope::Patient(patient.id), ChangeBody::CareNetworkMember(removed)),
    ]))
}

/// The largest sealed chunk: a plaintext chunk plus nonce and tag.
const MAX_SEALED_CHUNK: usize = kring_domain::conversation::ATTACHMENT_CHUNK_BYTES + 64;

/// `PUT /v1/conversations/{id}/attachments/{attachment}/{index}`: one sealed chunk of an
/// attachment (CHAT-10), uploaded by an active participant before the message that carries it.
/// Sending the same chunk again (a retry) is fine; an attachment belongs to one conversation and
/// one uploader.
pub async fn put_attachment_chunk(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, attachment, index)): Path<(ConversationId, Uuid, u32)>,
    body: axum::body::Bytes,
) -> ServerResult<()> {
    active_participant(&conversation(&state, id).await?, user.id)?;
    if index >= kring_domain::conversation::MAX_ATTACHMENT_CHUNKS || body.is_empty() || body.len() > MAX_SEALED_CHUNK {
        return Err(ServerError::InvalidRequest("an attachment chunk is 1 byte to 256 KiB, at most 80 per attachment".into()));
    }
    if let Some(upload) = state.store().attachment_upload(attachment).await? {
        if upload.conversation_id != id || upload.uploaded_by != user.id {
            return Err(ServerError::Forbidden("adding to someone else's attachment"));
        }
    }
    let chunk = crate::store::AttachmentChunk {
        attachment_id: attachment,
        index,
        conversation_id: id,
        uploaded_by: user.id,
        data: body.to_vec(),
    };
    state.store().put_attachment_chunk(chunk).await?;
    Ok(())
}

/// `GET /v1/conversations/{id}/attachments/{attachment}/{index}`: a sealed chunk, for anyone who
/// took part (who left keeps reading what was there).
pub async fn attachment_chunk(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, attachment, index)): Path<(ConversationId, Uuid, u32)>,
) -> ServerResult<Vec<u8>> {
    if !conversation(&state, id).await?.participants.iter().any(|p| p.user_id == user.id) {
        return Err(ServerError::Forbidden("reading a conversation one is not in"));
    }
    match state.store().attachment_chunk(attachment, index).await? {
        Some(chunk) if chunk.conversation_id == id => Ok(chunk.data),
        _ => Err(ServerError::NotFound("attachment")),
    }
}

/// `GET /v1/conversations/{id}/history`: the conversation and every message, for a participant
/// who joined after it started (their feed cursor is past the older messages).
pub async fn history(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
) -> ServerResult<Json<Vec<ChangeBody>>> {
    let conversation = conversation(&state, id).await?;
    if !conversation.participants.iter().any(|p| p.user_id == user.id && p.is_active()) {
        return Err(ServerError::Forbidden("reading a conversation one is not in"));
    }
    let mut bodies = vec![ChangeBody::Conversation(conversation)];
    bodies.extend(state.store().children(EntityKind::Message, id.0).await?);
    Ok(Json(bodies))
}

/// One job per recipient, conversation and 15-minute window, due at the window's end: however
/// many messages arrive, a recipient gets at most one e-mail per conversation per window.
async fn email_jobs(
    state: &AppState,
    conversation: &ConversationEntry,
    author: UserId,
    now: OffsetDateTime,
) -> ServerResult<Vec<NewJob>> {
    let window = EMAIL_WINDOW.whole_seconds();
    let bucket = now.unix_timestamp().div_euclid(window);
    let run_at =
        OffsetDateTime::from_unix_timestamp((bucket + 1) * window).map_err(|e| ServerError::InvalidRequest(e.to_string()))?;
    let recipients: Vec<Uuid> =
        conversation.participants.iter().filter(|p| p.is_active() && p.user_id != author).map(|p| p.user_id.0).collect();
    let mut jobs = Vec::new();
    for body in state.store().entities_by_id(EntityKind::Account, &recipients).await? {
        let ChangeBody::Account(account) = body else { continue };
        if !account.notify_on_message || account.notification_email.is_none() {
            continue;
        }
        let key = format!("{NOTIFY_NEW_MESSAGES}|{}|{}|{bucket}", account.id, conversation.id);
        jobs.push(NewJob {
            id: Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes()),
            kind: NOTIFY_NEW_MESSAGES.into(),
            payload: serde_json::json!({
                "user_id": account.id,
                "conversation_id": conversation.id,
                "sent_at": now.format(&time::format_description::well_known::Rfc3339).map_err(|e| ServerError::InvalidRequest(e.to_string()))?,
            }),
            run_at,
        });
    }
    Ok(jobs)
}

/// Who adds participants, when, to a conversation about which patient; and who takes part
/// without seeing that patient (a consultation group's specialists).
struct Admitting<'a> {
    author: UserId,
    now: OffsetDateTime,
    patient: Option<&'a PatientEntry>,
    without_patient_access: &'a [UserId],
}

/// Check and add new participants: each holds a key for every epoch; caregivers must see the
/// patient of a patient conversation and then join its care network.
async fn admit(
    state: &AppState,
    admitting: Admitting<'_>,
    conversation: &mut ConversationEntry,
    participants: &[NewParticipant],
    changes: &mut Vec<(Scope, ChangeBody)>,
) -> ServerResult<()> {
    let Admitting { author, now, patient, without_patient_access } = admitting;
    if conversation.participants.iter().filter(|p| p.is_active()).count() + participants.len() > MAX_PARTICIPANTS {
        return Err(ServerError::InvalidRequest(format!("a conversation holds at most {MAX_PARTICIPANTS} participants")));
    }
    for new in participants {
        if conversation.participants.iter().any(|p| p.user_id == new.user_id && p.is_active()) {
            return Err(ServerError::InvalidRequest("someone is added twice".into()));
        }
        if new.keys.len() != conversation.epochs.len() {
            return Err(ServerError::InvalidRequest("a new participant holds a key for every epoch".into()));
        }
        let person = person(state, new.user_id).await?;
        if !person.active || person.encryption_key().is_none() {
            return Err(ServerError::InvalidRequest("the participant has no active account with keys".into()));
        }
        if let Some(team) = new.via_inbox {
            if !conversation.inboxes.contains(&team) || !team_members(state, team).await?.contains(&new.user_id) {
                return Err(ServerError::InvalidRequest(
                    "only a current member of a team inbox of the conversation joins through it".into(),
                ));
            }
        }
        match new.kind {
            ParticipantKind::Caregiver => {
                if !may_converse(state, new.user_id).await? {
                    return Err(ServerError::InvalidRequest("the participant's role holds no conversation keys".into()));
                }
                if let Some(patient) = patient.filter(|_| !without_patient_access.contains(&new.user_id)) {
                    if !sees_patient(state, new.user_id, patient).await? {
                        return Err(ServerError::Forbidden("a caregiver who does not see this patient (PAT-5)"));
                    }
                }
            }
            // The patient or a carer (CHAT-9): only in a conversation about the patient, and never
            // someone who works in care (they take part as caregivers).
            ParticipantKind::Inhabitant => {
                if patient.is_none() || !contracts(state, new.user_id).await?.is_empty() {
                    return Err(ServerError::InvalidRequest(
                        "an inhabitant joins a conversation about their patient only".into(),
                    ));
                }
            }
        }
        for (epoch, wrapped) in conversation.epochs.iter_mut().zip(&new.keys) {
            check_sealed(wrapped, 256, "wrapped key")?;
            epoch.keys.retain(|key| key.user_id != new.user_id);
            epoch.keys.push(WrappedKey { user_id: new.user_id, wrapped_key: wrapped.clone() });
        }
        match conversation.participants.iter_mut().find(|p| p.user_id == new.user_id) {
            // Someone who left comes back.
            Some(returning) => {
                returning.left_at = None;
                returning.joined_at = now;
                returning.added_by = author;
                returning.via_inbox = new.via_inbox;
            }
            None => conversation.participants.push(Participant {
                user_id: new.user_id,
                kind: new.kind,
                added_by: author,
                joined_at: now,
                left_at: None,
                via_inbox: new.via_inbox,
            }),
        }
        let participation = ParticipationEntry {
            id: ParticipationEntry::id_for(conversation.id, new.user_id),
            conversation_id: conversation.id,
            user_id: new.user_id,
            active: true,
            archived: false,
            // The author has read what they start with.
            read_up_to: (new.user_id == author).then_some(now),
        };
        changes.push((Scope::User(new.user_id), ChangeBody::Participation(participation)));
        if let (Some(patient), ParticipantKind::Caregiver) = (patient, new.kind) {
            if !without_patient_access.contains(&new.user_id) && !in_care_network(state, patient.id, new.user_id).await? {
                changes.extend(network_member(patient, new.user_id, author, NetworkJoin::Conversation, now));
            }
        }
    }
    Ok(())
}

/// NET-1: the membership reaches the practice and the patient's shared network.
pub(crate) fn network_member(
    patient: &PatientEntry,
    user: UserId,
    by: UserId,
    via: NetworkJoin,
    now: OffsetDateTime,
) -> Vec<(Scope, ChangeBody)> {
    let entry = CareNetworkMemberEntry {
        id: CareNetworkMemberEntry::id_for(patient.id, user),
        patient_id: patient.id,
        practice_id: patient.organisation_id,
        user_id: user,
        joined_via: via,
        added_by: by,
        joined_at: now,
        removed_by: None,
    };
    vec![
        (Scope::Patients(patient.organisation_id), ChangeBody::CareNetworkMember(entry.clone())),
        (Scope::Patient(patient.id), ChangeBody::CareNetworkMember(entry)),
    ]
}

/// A message is taken when its author signed it with their published key, under the newest epoch.
async fn accept_message(
    state: &AppState,
    author: UserId,
    conversation: &ConversationEntry,
    message: &NewMessage,
    now: OffsetDateTime,
) -> ServerResult<MessageEntry> {
    let newest = conversation.epochs.last().map(|e| e.number).unwrap_or_default();
    if message.epoch != newest {
        return Err(ServerError::InvalidRequest("the message is not sealed under the newest key epoch".into()));
    }
    check_sealed(&message.body, MAX_SEALED_BODY, "message")?;
    if state.store().entity(EntityKind::Message, message.id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the message id is taken".into()));
    }
    let key = person(state, author).await?.signing_key().ok_or(ServerError::Forbidden("writing without a signing key"))?;
    let signature = STANDARD_NO_PAD
        .decode(&message.signature)
        .map_err(|_| ServerError::InvalidRequest("the signature is not base64".into()))?;
    key.verify(&MessageEntry::signed_bytes(conversation.id, message.id, message.epoch, &message.body), &signature)
        .map_err(|_| ServerError::InvalidRequest("the signature does not match the author".into()))?;
    if message.attachments.len() > kring_domain::conversation::MAX_ATTACHMENTS {
        return Err(ServerError::InvalidRequest("too many attachments".into()));
    }
    for attachment in &message.attachments {
        let upload = state.store().attachment_upload(attachment.id).await?;
        let complete = upload
            .is_some_and(|u| u.conversation_id == conversation.id && u.uploaded_by == author && u.chunks == attachment.chunks);
        if !complete {
            return Err(ServerError::InvalidRequest("an attachment is not (completely) uploaded".into()));
        }
    }
    Ok(MessageEntry {
        id: message.id,
        conversation_id: conversation.id,
        author,
        epoch: message.epoch,
        body: message.body.clone(),
        signature: message.signature.clone(),
        sent_at: now,
        attachments: message.attachments.clone(),
    })
}

fn active_participant(conversation: &ConversationEntry, user: UserId) -> ServerResult<()> {
    match conversation.participants.iter().find(|p| p.user_id == user) {
        Some(p) if p.is_active() => Ok(()),
        Some(_) => Err(ServerError::Forbidden("writing in a conversation one left")),
        None => Err(ServerError::Forbidden("a conversation one is not in")),
    }
}

/// Whether the user holds a role that takes part in conversations (STAFF-7).
async fn may_converse(state: &AppState, user: UserId) -> ServerResult<bool> {
    Ok(contracts(state, user).await?.iter().any(|(_, role)| role.permits(Action::ReadConversations)))
}

async fn conversation(state: &AppState, id: ConversationId) -> ServerResult<ConversationEntry> {
    match state.store().entity(EntityKind::Conversation, id.0).await? {
        Some(ChangeBody::Conversation(conversation)) => Ok(conversation),
        _ => Err(ServerError::NotFound("conversation")),
    }
}

async fn participation(state: &AppState, id: ConversationId, user: UserId) -> ServerResult<ParticipationEntry> {
    match state.store().entity(EntityKind::Participation, ParticipationEntry::id_for(id, user)).await? {
        Some(ChangeBody::Participation(p)) => Ok(p),
        _ => Err(ServerError::NotFound("conversation")),
    }
}

async fn patient(state: &AppState, id: PatientId) -> ServerResult<PatientEntry> {
    match state.store().entity(EntityKind::Patient, id.0).await? {
        Some(ChangeBody::Patient(patient)) => Ok(patient),
        _ => Err(ServerError::NotFound("patient")),
    }
}

async fn person(state: &AppState, id: UserId) -> ServerResult<PersonEntry> {
    match state.store().entity(EntityKind::Person, id.0).await? {
        Some(ChangeBody::Person(person)) => Ok(person),
        _ => Err(ServerError::NotFound("person")),
    }
}

pub(crate) fn check_sealed(value: &str, max: usize, what: &str) -> ServerResult<()> {
    if value.is_empty() || value.len() > max || STANDARD_NO_PAD.decode(value).is_err() {
        return Err(ServerError::InvalidRequest(format!("the sealed {what} is missing, too long or not base64")));
    }
    Ok(())
}
