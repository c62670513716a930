//! Referrals (REF-1 … REF-4) and the region's authorisation matrix (REF-2). The server checks
//! who may refer, to whom, with which data categories (the matrix), who may take each workflow
//! step, and that exactly one caregiver takes a referral; the content stays sealed. A referral
//! reaches the practice's patient scope and the receiving organisation's scope; its conversation
//! is an ordinary conversation between the referrer and the receiving caregivers.

use crate::audience::sees_patient;
use crate::authz::may;
use crate::conversations::{check_sealed, network_member, StartConversation};
use crate::error::{ServerError, ServerResult};
use crate::identity::contracts;
use crate::plan::Planned;
use crate::AppState;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::referral::{
    AuthorisationMatrix, DataCategory, ReferralSide, ReferralStatus, ReferralStep, MAX_MATRIX_REQUEST_CHARS,
};
use kring_domain::{Action, OrganisationId, OrganisationKind, Role, TeamId, UserId};
use kring_protocol::conversations::NetworkJoin;
use kring_protocol::patients::{NetworkKey, PatientEntry};
use kring_protocol::referrals::{MatrixDecision, MatrixEntry, MatrixRequestEntry, NewReferral, ReferralEntry, ReferralEvent};
use kring_protocol::{ChangeBody, EntityKind, OrganisationEntry, Scope};
use uuid::Uuid;

/// The largest sealed referral content (base64): a card, texts and 2,000+ measurements.
const MAX_SEALED_CONTENT: usize = 8 * 1024 * 1024;
/// The most receiving caregivers one referral's key is wrapped for.
const MAX_MEMBERS: usize = 500;

/// The matrix in force: the stored version, or the region's initial one.
pub(crate) async fn matrix(state: &AppState) -> ServerResult<AuthorisationMatrix> {
    Ok(match state.store().entity(EntityKind::AuthorisationMatrix, MatrixEntry::ID).await? {
        Some(ChangeBody::AuthorisationMatrix(entry)) => entry.matrix,
        _ => AuthorisationMatrix::initial(),
    })
}

/// REF-1, REF-2, REF-4: the practice refers one of its patients to an organisation (or a team
/// of it) the matrix has a row for, with categories within that row, to caregivers of that
/// organisation who see the patient; the conversation is made in the same commit.
pub(crate) async fn refer(
    state: &AppState,
    author: UserId,
    new: &NewReferral,
    conversation: StartConversation<'_>,
) -> ServerResult<Planned> {
    let patient = patient(state, new.patient_id).await?;
    let practice = patient.organisation_id;
    if !may(state, author, practice, Action::ReferPatient).await? {
        return Err(ServerError::Forbidden("referring a patient"));
    }
    if state.store().entity(EntityKind::Referral, new.id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the referral id is taken".into()));
    }
    let receiver = organisation(state, new.to_organisation).await?;
    if receiver.id == practice {
        return Err(ServerError::InvalidRequest("a practice does not refer to itself".into()));
    }
    // What makes a referral a GGZ referral (the letter, REF-4; on whose behalf) is where it goes,
    // not what the client says.
    if new.ggz != (receiver.kind == OrganisationKind::GgzProvider) {
        return Err(ServerError::InvalidRequest("a GGZ referral goes to a GGZ provider, and only there".into()));
    }
    let matrix = matrix(state).await?;
    if new.matrix_version != matrix.version {
        return Err(ServerError::InvalidRequest("the authorisation matrix changed: make the referral again".into()));
    }
    let permitted = matrix.permitted(receiver.kind).ok_or_else(|| {
        ServerError::InvalidRequest("referral_no_matrix_entry: the matrix has no row for this kind of organisation".into())
    })?;
    if let Some(outside) = new.categories.iter().find(|category| !permitted.contains(category)) {
        // The server never takes (and so never hands over) data the matrix does not allow.
        tracing::warn!(user_id = %author, category = ?outside, "a referral with a category outside the matrix refused");
        return Err(ServerError::InvalidRequest("a data category outside the authorisation matrix".into()));
    }
    if let Some(team) = new.to_team {
        team_of(state, team, receiver.id).await?;
    }
    check_on_behalf_of(state, author, practice, new.ggz, new.on_behalf_of).await?;
    check_sealed(&new.public_key, 64, "public key")?;
    check_sealed(&new.practice_key, 256, "practice key")?;
    check_sealed(&new.content, MAX_SEALED_CONTENT, "content")?;
    check_signed(state, author, new.id, &new.content, &new.content_signature).await?;
    check_members(state, author, receiver.id, &patient, &new.members).await?;
    if !new.members.iter().any(|member| member.user_id != author) {
        return Err(ServerError::InvalidRequest("referral_no_receivers: nobody at the organisation can receive it".into()));
    }
    let now = state.clock().now();
    let entry = ReferralEntry {
        id: new.id,
        patient_id: patient.id,
        practice_id: practice,
        to_organisation: receiver.id,
        to_team: new.to_team,
        conversation_id: conversation.id,
        ggz: new.ggz,
        referred_by: author,
        on_behalf_of: new.on_behalf_of,
        categories: new.categories.clone(),
        matrix_version: matrix.version,
        public_key: new.public_key.clone(),
        practice_key: new.practice_key.clone(),
        members: new.members.clone(),
        content: new.content.clone(),
        content_signature: new.content_signature.clone(),
        status: ReferralStatus::Sent,
        taken_by: None,
        history: vec![ReferralEvent { step: ReferralStep::Sent, by: author, at: now }],
    };
    within_referral(state, practice, receiver.id, conversation.participants).await?;
    if conversation.inboxes.iter().any(|team| Some(*team) != new.to_team) {
        return Err(ServerError::InvalidRequest("a referral's conversation uses only the receiving team's inbox".into()));
    }
    let mut planned = crate::conversations::start(state, author, conversation).await?;
    // Receiving caregivers join the care network when one takes the referral (NET-2), not by
    // taking part in its conversation.
    planned.commit.changes.retain(|(_, body)| !matches!(body, ChangeBody::CareNetworkMember(m) if m.user_id != author));
    for (_, body) in &mut planned.commit.changes {
        if let ChangeBody::Conversation(conversation) = body {
            conversation.referral = Some(entry.id);
        }
    }
    planned.commit.changes.extend(changes(&entry));
    tracing::info!(referral_id = %entry.id, patient_id = %entry.patient_id, to = %entry.to_organisation, "referral sent");
    Ok(planned)
}

/// Who joins a referral's conversation later works at the practice or at the receiving
/// organisation: the letter in it carries what the matrix lets go to that organisation, and no
/// further (a GGZ caregiver cannot pass the medication on to home care by adding a nurse).
pub(crate) async fn check_conversation_newcomers(
    state: &AppState,
    referral_id: Uuid,
    participants: &[kring_protocol::conversations::NewParticipant],
) -> ServerResult<()> {
    let entry = referral(state, referral_id).await?;
    within_referral(state, entry.practice_id, entry.to_organisation, participants).await
}

/// Everyone taking part in a referral's conversation works at the practice or the receiver.
async fn within_referral(
    state: &AppState,
    practice: OrganisationId,
    receiver: OrganisationId,
    participants: &[kring_protocol::conversations::NewParticipant],
) -> ServerResult<()> {
    for participant in participants {
        let inside = contracts(state, participant.user_id).await?.iter().any(|(org, _)| *org == practice || *org == receiver);
        if !inside {
            return Err(ServerError::InvalidRequest(
                "referral_outside_participant: only the practice and the receiving organisation take part".into(),
            ));
        }
    }
    Ok(())
}

/// A POH-GGZ refers to a GGZ provider on behalf of one of the practice's GPs (REF-4); whoever
/// names a GP names one of the practice's.
async fn check_on_behalf_of(
    state: &AppState,
    author: UserId,
    practice: OrganisationId,
    ggz: bool,
    on_behalf_of: Option<UserId>,
) -> ServerResult<()> {
    let author_is_poh_ggz = contracts(state, author).await?.iter().any(|(org, role)| *org == practice && *role == Role::PohGgz);
    match on_behalf_of {
        None if ggz && author_is_poh_ggz => {
            Err(ServerError::InvalidRequest("referral_on_behalf_of_required: a POH-GGZ refers on behalf of a GP".into()))
        }
        None => Ok(()),
        Some(gp) => {
            let is_gp = contracts(state, gp).await?.iter().any(|(org, role)| *org == practice && *role == Role::Huisarts);
            if is_gp {
                Ok(())
            } else {
                Err(ServerError::InvalidRequest("the referral is made on behalf of one of the practice's GPs".into()))
            }
        }
    }
}

/// Every key goes to the referrer or a caregiver of the receiving organisation who sees the
/// patient, once each.
async fn check_members(
    state: &AppState,
    author: UserId,
    receiver: OrganisationId,
    patient: &PatientEntry,
    members: &[NetworkKey],
) -> ServerResult<()> {
    if members.len() > MAX_MEMBERS {
        return Err(ServerError::InvalidRequest(format!("a referral's key goes to at most {MAX_MEMBERS} people")));
    }
    let mut seen = std::collections::HashSet::new();
    for member in members {
        check_sealed(&member.wrapped_key, 256, "wrapped key")?;
        if !seen.insert(member.user_id) {
            return Err(ServerError::InvalidRequest("a referral's key is wrapped once per person".into()));
        }
        if member.user_id == author {
            continue;
        }
        let receives = contracts(state, member.user_id)
            .await?
            .iter()
            .any(|(org, role)| *org == receiver && role.permits(Action::ViewPatients));
        if !receives || !sees_patient(state, member.user_id, patient).await? {
            return Err(ServerError::InvalidRequest("a referral's key for someone outside the receiving organisation".into()));
        }
    }
    Ok(())
}

/// REF-1, REF-3: a step in the workflow by the side it belongs to. Taking is a compare-and-set
/// on the referral: of two caregivers taking it at once, exactly one does; the other's plan is
/// made again and refused ("already taken").
pub(crate) async fn step(state: &AppState, author: UserId, id: Uuid, step: ReferralStep) -> ServerResult<Planned> {
    let read = referral(state, id).await?;
    let mut entry = read.clone();
    match step.side() {
        ReferralSide::Practice => {
            if !may(state, author, entry.practice_id, Action::ReferPatient).await? {
                return Err(ServerError::Forbidden("a practice's step in a referral"));
            }
        }
        ReferralSide::Receiver => {
            if !receives(state, author, &entry).await? {
                return Err(ServerError::Forbidden("a receiver's step in a referral"));
            }
        }
    }
    if matches!(step, ReferralStep::Sent | ReferralStep::DataUpdated) {
        return Err(ServerError::InvalidRequest("that step is not taken by hand".into()));
    }
    entry.status = entry.status.after(step).map_err(|error| ServerError::InvalidRequest(error.code().into()))?;
    let now = state.clock().now();
    entry.history.push(ReferralEvent { step, by: author, at: now });
    let mut changes = Vec::new();
    if step == ReferralStep::Taken {
        entry.taken_by = Some(author);
        let patient = patient(state, entry.patient_id).await?;
        if !crate::conversations::in_care_network(state, patient.id, author).await? {
            changes.extend(network_member(&patient, author, author, NetworkJoin::Referral, now));
        }
    }
    changes.extend(self::changes(&entry));
    tracing::info!(referral_id = %id, ?step, "referral step");
    let mut planned = Planned::changes(changes);
    planned.commit.unchanged.push(ChangeBody::Referral(read));
    Ok(planned)
}

/// Whether the user acts for the receiver: a patient-seeing role at the receiving organisation
/// holding the referral's key. (A referral to a team goes to that team's caregivers, as the
/// referring client chooses them; the server holds keys to the receiving organisation: the matrix
/// is per kind of organisation, so a key outside the team opens nothing the organisation may not
/// see.)
async fn receives(state: &AppState, user: UserId, entry: &ReferralEntry) -> ServerResult<bool> {
    let at_receiver = contracts(state, user)
        .await?
        .iter()
        .any(|(org, role)| *org == entry.to_organisation && role.permits(Action::ViewPatients));
    Ok(at_receiver && entry.members.iter().any(|member| member.user_id == user))
}

/// REF-2: a key holder of the practice who refers or imports extractions refreshes the sealed
/// content (a new extraction) and gives the key to receiving caregivers who joined later. Only
/// while the referral is open; the vault stays the same and nobody loses the key. When the
/// referral took a step since the client sealed (`seen_steps`: another practice client refreshed
/// it first, or a caregiver took it), nothing is written: the client's next maintenance looks
/// again, so two workstations after one import leave one "updated" step, not two.
pub(crate) async fn update(
    state: &AppState,
    author: UserId,
    id: Uuid,
    content: &str,
    content_signature: &str,
    members: &[NetworkKey],
    seen_steps: usize,
) -> ServerResult<Planned> {
    let read = referral(state, id).await?;
    if !may(state, author, read.practice_id, Action::ReferPatient).await?
        && !may(state, author, read.practice_id, Action::ImportHisExtraction).await?
    {
        return Err(ServerError::Forbidden("refreshing a referral"));
    }
    if read.history.len() != seen_steps {
        tracing::info!(referral_id = %id, "referral changed since the client sealed it: refresh dropped");
        return Ok(Planned::default());
    }
    if !read.status.is_open() {
        return Err(ServerError::InvalidRequest("referral_not_open".into()));
    }
    check_sealed(content, MAX_SEALED_CONTENT, "content")?;
    check_signed(state, author, id, content, content_signature).await?;
    let patient = patient(state, read.patient_id).await?;
    check_members(state, read.referred_by, read.to_organisation, &patient, members).await?;
    if read.members.iter().any(|kept| !members.iter().any(|member| member == kept)) {
        return Err(ServerError::InvalidRequest("a referral's existing keys are kept as they are".into()));
    }
    let mut entry = read.clone();
    entry.content = content.to_owned();
    entry.content_signature = content_signature.to_owned();
    entry.members = members.to_vec();
    entry.history.push(ReferralEvent { step: ReferralStep::DataUpdated, by: author, at: state.clock().now() });
    let mut planned = Planned::changes(changes(&entry));
    planned.commit.unchanged.push(ChangeBody::Referral(read));
    Ok(planned)
}

/// REF-2: a partner (or a practice) asks for one more category for a kind of organisation; it
/// goes to the region's operators, in the directory so practices see what is asked.
pub(crate) async fn request_matrix_extension(
    state: &AppState,
    author: UserId,
    request_id: Uuid,
    kind: OrganisationKind,
    category: DataCategory,
    explanation: &str,
) -> ServerResult<Planned> {
    let mine = contracts(state, author).await?;
    let Some((organisation, _)) = mine.iter().find(|(_, role)| role.permits(Action::ViewPatients)) else {
        return Err(ServerError::Forbidden("asking to extend the authorisation matrix"));
    };
    let explanation = kring_domain::plain_text(explanation, MAX_MATRIX_REQUEST_CHARS)
        .ok()
        .filter(|text| !text.is_empty())
        .ok_or_else(|| ServerError::InvalidRequest(format!("an explanation of 1 to {MAX_MATRIX_REQUEST_CHARS} characters")))?;
    if matrix(state).await?.permitted(kind).is_some_and(|categories| categories.contains(&category)) {
        return Err(ServerError::InvalidRequest("referral_already_permitted".into()));
    }
    if state.store().entity(EntityKind::MatrixRequest, request_id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the request id is taken".into()));
    }
    let asked = state.store().entities_of_kind(EntityKind::MatrixRequest).await?;
    if asked.iter().any(
        |body| matches!(body, ChangeBody::MatrixRequest(r) if r.kind == kind && r.category == category && r.decision.is_none()),
    ) {
        return Err(ServerError::InvalidRequest("referral_already_requested".into()));
    }
    let entry = MatrixRequestEntry {
        id: request_id,
        kind,
        category,
        explanation: explanation.to_owned(),
        requested_by: author,
        organisation_id: *organisation,
        requested_at: state.clock().now(),
        decision: None,
    };
    Ok(Planned::changes(vec![(Scope::Directory, ChangeBody::MatrixRequest(entry))]))
}

/// REF-2: the region's operator decides. An approval makes the next matrix version (who, when,
/// which request); nothing else changes the matrix.
pub(crate) async fn decide_matrix_request(
    state: &AppState,
    author: UserId,
    request_id: Uuid,
    approve: bool,
) -> ServerResult<Planned> {
    let operator = contracts(state, author).await?.iter().any(|(_, role)| role.permits(Action::DecideAuthorisationMatrix));
    if !operator {
        return Err(ServerError::Forbidden("deciding on the authorisation matrix"));
    }
    let Some(ChangeBody::MatrixRequest(read)) = state.store().entity(EntityKind::MatrixRequest, request_id).await? else {
        return Err(ServerError::NotFound("matrix request"));
    };
    if read.decision.is_some() {
        return Err(ServerError::InvalidRequest("the request was decided already".into()));
    }
    let now = state.clock().now();
    let mut changes = Vec::new();
    let mut version = None;
    let mut planned_on = vec![ChangeBody::MatrixRequest(read.clone())];
    let mut absent = Vec::new();
    if approve {
        let stored = state.store().entity(EntityKind::AuthorisationMatrix, MatrixEntry::ID).await?;
        let current = match &stored {
            Some(ChangeBody::AuthorisationMatrix(entry)) => entry.matrix.clone(),
            _ => AuthorisationMatrix::initial(),
        };
        match stored {
            Some(stored) => planned_on.push(stored),
            None => absent.push((EntityKind::AuthorisationMatrix, MatrixEntry::ID)),
        }
        let next =
            current.extended(read.kind, read.category).map_err(|error| ServerError::InvalidRequest(error.code().into()))?;
        version = Some(next.version);
        let entry = MatrixEntry { matrix: next, changed_by: author, changed_at: now, request_id };
        changes.push((Scope::Directory, ChangeBody::AuthorisationMatrix(entry)));
    }
    let decided =
        MatrixRequestEntry { decision: Some(MatrixDecision { approved: approve, by: author, at: now, version }), ..read };
    changes.push((Scope::Directory, ChangeBody::MatrixRequest(decided)));
    tracing::info!(%request_id, approve, ?version, "matrix request decided");
    let mut planned = Planned::changes(changes);
    planned.commit.unchanged.extend(planned_on);
    planned.commit.absent = absent;
    Ok(planned)
}

/// A referral reaches the practice's patient scope and the receiving organisation.
fn changes(entry: &ReferralEntry) -> Vec<(Scope, ChangeBody)> {
    vec![
        (Scope::Patients(entry.practice_id), ChangeBody::Referral(entry.clone())),
        (Scope::Organisation(entry.to_organisation), ChangeBody::Referral(entry.clone())),
    ]
}

async fn referral(state: &AppState, id: Uuid) -> ServerResult<ReferralEntry> {
    match state.store().entity(EntityKind::Referral, id).await? {
        Some(ChangeBody::Referral(entry)) => Ok(entry),
        _ => Err(ServerError::NotFound("referral")),
    }
}

pub(crate) async fn patient(state: &AppState, id: kring_domain::PatientId) -> ServerResult<PatientEntry> {
    match state.store().entity(EntityKind::Patient, id.0).await? {
        Some(ChangeBody::Patient(patient)) => Ok(patient),
        _ => Err(ServerError::NotFound("patient")),
    }
}

async fn organisation(state: &AppState, id: OrganisationId) -> ServerResult<OrganisationEntry> {
    match state.store().entity(EntityKind::Organisation, id.0).await? {
        Some(ChangeBody::Organisation(organisation)) => Ok(organisation),
        _ => Err(ServerError::InvalidRequest("referral_unknown_organisation: no such organisation".into())),
    }
}

async fn team_of(state: &AppState, team: TeamId, organisation: OrganisationId) -> ServerResult<()> {
    match state.store().entity(EntityKind::Team, team.0).await? {
        Some(ChangeBody::Team(entry)) if entry.organisation_id == organisation => Ok(()),
        _ => Err(ServerError::InvalidRequest("the team is not one of the receiving organisation's".into())),
    }
}

/// The content is signed by the one who sealed it (the author of this mutation): the public key
/// alone would let anyone seal content to the referral, the server included.
async fn check_signed(state: &AppState, author: UserId, referral: Uuid, content: &str, signature: &str) -> ServerResult<()> {
    let key = match state.store().entity(EntityKind::Person, author.0).await? {
        Some(ChangeBody::Person(person)) => person.signing_key(),
        _ => None,
    };
    let signed = ReferralEntry::signed_bytes(referral, content);
    let valid =
        key.is_some_and(|key| STANDARD_NO_PAD.decode(signature).is_ok_and(|signature| key.verify(&signed, &signature).is_ok()));
    if !valid {
        return Err(ServerError::InvalidRequest("the referral's content is not signed by its author".into()));
    }
    Ok(())
}
