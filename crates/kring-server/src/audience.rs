//! Who sees what (audience): the feed scopes a user follows, whether a user sees a patient, and
//! which patients a practice shared with a partner (PAT-5). The sync handler filters the feed
//! with it; handlers check access with it.

use crate::error::ServerResult;
use crate::identity::contracts;
use crate::AppState;
use kring_domain::{Action, OrganisationId, PatientId, UserId};
use kring_protocol::patients::PatientEntry;
use kring_protocol::{ChangeBody, EntityKind, Scope};

/// What a user may see of the feed: the directory, their own account, their organisations, and
/// the patients of those where their role may see patients.
pub async fn scopes(state: &AppState, user: UserId) -> ServerResult<Vec<Scope>> {
    let mut scopes = vec![Scope::Directory, Scope::User(user)];
    for (organisation, role) in contracts(state, user).await? {
        let mut wanted = vec![Scope::Organisation(organisation)];
        if role.permits(Action::ViewPatients) {
            wanted.push(Scope::Patients(organisation));
            let shared = shared_with(state, organisation).await?;
            wanted.extend(shared.into_iter().map(Scope::Patient));
        }
        for scope in wanted {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
    }
    scopes.extend(scopes_of(state, user).await?);
    Ok(scopes)
}

/// The conversations a user follows: those they take part in and have not left.
async fn scopes_of(state: &AppState, user: UserId) -> ServerResult<Vec<Scope>> {
    Ok(state
        .store()
        .children(EntityKind::Participation, user.0)
        .await?
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::Participation(p) if p.active => Some(Scope::Conversation(p.conversation_id)),
            _ => None,
        })
        .collect())
}

/// Whether the user sees the patient: a patient-seeing role at the practice, or at a partner the
/// practice shared the patient with.
pub(crate) async fn sees_patient(state: &AppState, user: UserId, patient: &PatientEntry) -> ServerResult<bool> {
    for (organisation, role) in contracts(state, user).await? {
        if !role.permits(Action::ViewPatients) {
            continue;
        }
        if organisation == patient.organisation_id || shares(state, organisation, patient.id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn shares(state: &AppState, organisation: OrganisationId, patient: PatientId) -> ServerResult<bool> {
    Ok(shared_with(state, organisation).await?.contains(&patient))
}

/// The patients shared with `organisation` (PAT-5): their networks join its caregivers' feed.
pub async fn shared_with(state: &AppState, organisation: OrganisationId) -> ServerResult<Vec<PatientId>> {
    Ok(state
        .store()
        .children(EntityKind::PatientShare, organisation.0)
        .await?
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::PatientShare(share) if share.active => Some(share.patient_id),
            _ => None,
        })
        .collect())
}
