//! `POST /v1/mutations`: apply a client's mutation once, whatever how often it is sent.

use crate::auth::{may, AuthUser};
use crate::error::{ServerError, ServerResult};
use crate::store::{Commit, StoreError};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use kring_domain::{Action, UserId};
use kring_protocol::{ChangeBody, EntityKind, Mutation, MutationOutcome, MutationRequest, Scope};

pub async fn submit(
    State(state): State<AppState>,
    user: AuthUser,
    Json(request): Json<MutationRequest>,
) -> ServerResult<Json<MutationOutcome>> {
    if let Some(outcome) = replay(&state, user.id, &request).await? {
        return Ok(Json(outcome));
    }
    let changes = match plan(&state, user.id, &request.mutation).await {
        Ok(changes) => changes,
        Err(error @ (ServerError::Forbidden(_) | ServerError::NotFound(_) | ServerError::InvalidRequest(_))) => {
            tracing::info!(user_id = %user.id, mutation_id = %request.id, code = ?error.code(), "mutation rejected");
            return Ok(Json(MutationOutcome::Rejected { code: error.code(), message: error.to_string() }));
        }
        Err(error) => return Err(error),
    };
    let commit = Commit { mutation: Some((user.id, request.clone())), credentials: Vec::new(), changes };
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

/// Check the mutation against the rules and compute the entity states it leads to.
async fn plan(state: &AppState, author: UserId, mutation: &Mutation) -> ServerResult<Vec<(Scope, ChangeBody)>> {
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
            Ok(vec![(Scope::Directory, ChangeBody::Team(team))])
        }
    }
}
