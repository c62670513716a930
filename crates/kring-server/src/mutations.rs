//! `POST /v1/mutations`: apply a client's mutation once, whatever how often it is sent.

use crate::auth::{may, AuthUser};
use crate::error::{ServerError, ServerResult};
use crate::store::{Commit, StoreError};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use crate::access_log::NewAccessEntry;
use kring_domain::{Action, UserId};
use kring_protocol::{ChangeBody, CodeChannel, EntityKind, Mutation, MutationOutcome, MutationRequest, Scope};

pub async fn submit(
    State(state): State<AppState>,
    user: AuthUser,
    Json(request): Json<MutationRequest>,
) -> ServerResult<Json<MutationOutcome>> {
    if let Some(outcome) = replay(&state, user.id, &request).await? {
        return Ok(Json(outcome));
    }
    let (changes, access) = match plan(&state, &user, &request.mutation).await {
        Ok(planned) => planned,
        Err(error @ (ServerError::Forbidden(_) | ServerError::NotFound(_) | ServerError::InvalidRequest(_))) => {
            tracing::info!(user_id = %user.id, mutation_id = %request.id, code = ?error.code(), "mutation rejected");
            return Ok(Json(MutationOutcome::Rejected { code: error.code(), message: error.to_string() }));
        }
        Err(error) => return Err(error),
    };
    let commit = Commit { mutation: Some((user.id, request.clone())), credentials: Vec::new(), changes, access };
    match state.store.commit(commit).await {
        Ok(seq) => {
            state.feed.publish(seq);
            tracing::info!(user_id = %user.id, mutation_id = %request.id, seq, "mutation applied");
            Ok(Json(MutationOutcome::Applied { seq }))
        }
        // The same id raced in through another connection: answer as that one did.
        Err(StoreError::DuplicateMutation) => {
            replay(&state, user.id, &request).await?.map(Json).ok_or(ServerError::Conflict)
        }
        Err(error) => Err(error.into()),
    }
}

/// The recorded outcome when this exact mutation was applied before.
async fn replay(state: &AppState, author: UserId, request: &MutationRequest) -> ServerResult<Option<MutationOutcome>> {
    match state.store.recorded_mutation(request.id).await? {
        None => Ok(None),
        Some(recorded) if recorded.author == author && recorded.request == *request => Ok(Some(recorded.outcome)),
        Some(_) => Err(ServerError::Conflict),
    }
}

/// Check the mutation against the rules and compute the entity states and access-log entries
/// it leads to.
async fn plan(
    state: &AppState,
    user: &AuthUser,
    mutation: &Mutation,
) -> ServerResult<(Vec<(Scope, ChangeBody)>, Vec<NewAccessEntry>)> {
    let author = user.id;
    match mutation {
        Mutation::SetTeamContact { team_id, contact } => {
            let Some(ChangeBody::Team(mut team)) = state.store.entity(EntityKind::Team, team_id.0).await? else {
                return Err(ServerError::NotFound("team"));
            };
            if !may(state, author, team.organisation_id, Action::ManageTeamContacts).await? {
                return Err(ServerError::Forbidden("choosing a team's contact person"));
            }
            if let Some(contact) = contact {
                let members = crate::auth::contracts(state, *contact).await?;
                if !members.iter().any(|(org, _)| *org == team.organisation_id) {
                    return Err(ServerError::InvalidRequest("the contact person must work for the organisation".into()));
                }
            }
            team.contact_person = *contact;
            Ok((vec![(Scope::Directory, ChangeBody::Team(team))], Vec::new()))
        }
        Mutation::SetCodeChannel { channel } => {
            let Some(ChangeBody::Account(mut account)) = state.store.entity(EntityKind::Account, author.0).await? else {
                return Err(ServerError::NotFound("account"));
            };
            let reachable = match channel {
                CodeChannel::Sms => account.mobile.is_some(),
                CodeChannel::Email => account.email.is_some(),
            };
            if !reachable {
                return Err(ServerError::InvalidRequest("no phone number or e-mail address for that channel".into()));
            }
            account.code_channel = *channel;
            Ok((vec![(Scope::User(author), ChangeBody::Account(account))], Vec::new()))
        }
        Mutation::RecordAccess(record) => {
            // The log is the record of who looked: anyone may add an entry about themselves, and
            // who and where come from the session, never from the report. A time in the future
            // (a wrong client clock) is logged as now.
            let now = state.clock.now();
            let entry = NewAccessEntry {
                at: record.opened_at.min(now),
                actor: author,
                organisation_id: record.organisation_id,
                patient_id: record.patient_id,
                kind: record.kind,
                device: user.device_name.clone(),
            };
            Ok((Vec::new(), vec![entry]))
        }
    }
}
