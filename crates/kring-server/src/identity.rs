//! Who a user is, read from the feed's entities: their contracts (organisation and role) and the
//! `Me` a session starts with. Below both authorisation and credentials.

use crate::error::{ServerError, ServerResult};
use crate::AppState;
use kring_domain::{OrganisationId, Role, UserId};
use kring_protocol::auth::Contract;
use kring_protocol::{ChangeBody, EntityKind, Me};

/// The user's contracts as (organisation, role).
pub async fn contracts(state: &AppState, user: UserId) -> ServerResult<Vec<(OrganisationId, Role)>> {
    let bodies = state.store().children(EntityKind::Contract, user.0).await?;
    Ok(bodies
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::Contract(contract) => Some((contract.organisation_id, contract.role)),
            _ => None,
        })
        .collect())
}

pub(crate) async fn load_me(state: &AppState, user: UserId) -> ServerResult<Me> {
    let Some(ChangeBody::Person(person)) = state.store().entity(EntityKind::Person, user.0).await? else {
        return Err(ServerError::NotFound("person"));
    };
    let Some(ChangeBody::Account(account)) = state.store().entity(EntityKind::Account, user.0).await? else {
        return Err(ServerError::NotFound("account"));
    };
    let mut contracts_out = Vec::new();
    for (organisation_id, role) in contracts(state, user).await? {
        let organisation_name = match state.store().entity(EntityKind::Organisation, organisation_id.0).await? {
            Some(ChangeBody::Organisation(org)) => org.name,
            _ => return Err(ServerError::NotFound("organisation")),
        };
        contracts_out.push(Contract { organisation_id, organisation_name, role });
    }
    Ok(Me { user_id: user, username: account.username, display_name: person.full_name(), contracts: contracts_out })
}
