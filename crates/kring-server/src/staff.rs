//! Staff administration (STAFF-1 … STAFF-8): account requests and their approval, activation of
//! invited accounts, the practice's patient-data vault and who holds its key, deactivation.
//!
//! The server never holds a vault key: clients create vaults and wrap keys; the server checks who
//! may and records the wrapped keys (ciphertext for the member's own key pair).

use crate::authz::{may, AuthUser};
use crate::credentials::{access_entry, normalise_username};
use crate::error::{ServerError, ServerResult};
use crate::identity::contracts;
use crate::plan::{job_kind, Planned};
use crate::store::{Commit, NewCredentials, NewJob};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kring_crypto::{AuthKeyVerifier, KdfParams, Salt};
use kring_domain::staff::request_hidden_at;
use kring_domain::{AccountRequestForm, Action, OrganisationId, RequestStatus, UserId};
use kring_protocol::staff::{
    AccountRequestEntry, ActivateRequest, Activated, HisLinkEntry, Invitation, PatientDataAccessEntry, PracticeVaultEntry,
};
use kring_protocol::{AccountEntry, ChangeBody, ContractEntry, EntityKind, PersonEntry, Scope};
use uuid::Uuid;

/// STAFF-2 and STAFF-10: a practice asks for a colleague's account, invites a caregiver of a
/// partner organisation, or a lead caregiver invites a colleague. Auto-approved where the region
/// says so.
pub(crate) async fn request_account(
    state: &AppState,
    author: UserId,
    organisation_id: OrganisationId,
    form: &AccountRequestForm,
) -> ServerResult<Planned> {
    let details = form.validate(&state.config().private_email_domains).map_err(|errors| {
        let fields: Vec<String> = errors.iter().map(|e| format!("{:?}: {}", e.field, e.code)).collect();
        ServerError::InvalidRequest(fields.join(", "))
    })?;
    let inviting_organisation_id = inviting_organisation(state, author, organisation_id, details.role).await?;
    if state.store().credentials(&normalise_username(details.email.as_str())).await?.is_some() {
        return Err(ServerError::InvalidRequest("an account with this e-mail address exists".into()));
    }
    let now = state.clock().now();
    let request = AccountRequestEntry {
        id: Uuid::now_v7(),
        organisation_id,
        inviting_organisation_id,
        requested_by: author,
        details,
        status: RequestStatus::Pending,
        user_id: None,
        requested_at: now,
        hidden: false,
    };
    let hide = NewJob {
        id: Uuid::now_v7(),
        kind: job_kind::HIDE_ACCOUNT_REQUEST.into(),
        payload: serde_json::json!({ "request_id": request.id }),
        run_at: request_hidden_at(now),
    };
    let mut planned = Planned { commit: Commit { jobs: vec![hide], ..Commit::default() }, ..Planned::default() };
    if state.config().auto_approve_account_requests {
        approve(state, request, &mut planned).await?;
    } else {
        planned.commit.changes.push((Scope::Organisation(inviting_organisation_id), ChangeBody::AccountRequest(request)));
    }
    Ok(planned)
}

/// Who may ask for an account with `role` at `organisation`, and whose list shows the request:
/// - the practice's own staff (`RequestStaffAccount`, practice roles): that practice;
/// - a caregiver at a partner organisation (network roles): the GP practice whose
///   `InviteNetworkPartner` allows it, or the partner itself when its lead caregiver invites a
///   colleague (`InviteOwnColleague`). Everyone else is refused (STAFF-10).
async fn inviting_organisation(
    state: &AppState,
    author: UserId,
    organisation: OrganisationId,
    role: kring_domain::Role,
) -> ServerResult<OrganisationId> {
    use kring_domain::{OrganisationKind, Role};
    let Some(ChangeBody::Organisation(target)) = state.store().entity(EntityKind::Organisation, organisation.0).await? else {
        return Err(ServerError::NotFound("organisation"));
    };
    if Role::PRACTICE.contains(&role) {
        return if may(state, author, organisation, Action::RequestStaffAccount).await? {
            Ok(organisation)
        } else {
            Err(ServerError::Forbidden("requesting staff accounts"))
        };
    }
    if !Role::NETWORK.contains(&role) || matches!(target.kind, OrganisationKind::GpPractice | OrganisationKind::RegionOperator) {
        return Err(ServerError::InvalidRequest("this role cannot be requested for this organisation".into()));
    }
    if may(state, author, organisation, Action::InviteOwnColleague).await? {
        return Ok(organisation);
    }
    // Network partners are invited by a GP practice, for its care network.
    for (practice, role) in contracts(state, author).await? {
        if !role.permits(Action::InviteNetworkPartner) {
            continue;
        }
        if let Some(ChangeBody::Organisation(org)) = state.store().entity(EntityKind::Organisation, practice.0).await? {
            if org.kind == OrganisationKind::GpPractice {
                return Ok(practice);
            }
        }
    }
    Err(ServerError::Forbidden("inviting network partners"))
}

/// STAFF-3: the region's operator approves (account made, invitation sent) or rejects.
pub(crate) async fn decide_request(state: &AppState, author: UserId, request_id: Uuid, approved: bool) -> ServerResult<Planned> {
    if !contracts(state, author).await?.iter().any(|(_, role)| role.permits(Action::ApproveAccountRequest)) {
        return Err(ServerError::Forbidden("deciding on account requests"));
    }
    let Some(ChangeBody::AccountRequest(request)) = state.store().entity(EntityKind::AccountRequest, request_id).await? else {
        return Err(ServerError::NotFound("account request"));
    };
    let mut planned = Planned::default();
    if approved {
        approve(state, request, &mut planned).await?;
    } else {
        let status = request.status.reject().map_err(|e| ServerError::InvalidRequest(e.to_string()))?;
        let organisation = request.inviting_organisation_id;
        let request = AccountRequestEntry { status, ..request };
        planned.commit.changes.push((Scope::Organisation(organisation), ChangeBody::AccountRequest(request)));
    }
    Ok(planned)
}

/// Make the account (inactive until activated) and the contract, and queue the invitation mail
/// (which makes the activation link).
async fn approve(state: &AppState, request: AccountRequestEntry, planned: &mut Planned) -> ServerResult<()> {
    let status = request.status.approve().map_err(|e| ServerError::InvalidRequest(e.to_string()))?;
    let user_id = UserId::new();
    let details = &request.details;
    let username = normalise_username(details.email.as_str());
    // Until activation nobody can log in: a verifier no password derives to.
    let unusable = tokio::task::spawn_blocking(AuthKeyVerifier::unusable).await??;
    planned.commit.credentials.push(NewCredentials {
        user_id,
        username: username.clone(),
        salt: Salt::random().to_base64(),
        kdf: KdfParams::INTERACTIVE,
        auth_hash: unusable,
        keys: None,
        must_change_password: false,
        active: false,
    });
    let first_name = details.initials.clone();
    let last_name = match &details.infix {
        Some(infix) => format!("{infix} {}", details.surname),
        None => details.surname.clone(),
    };
    planned.commit.changes.extend([
        (Scope::Directory, ChangeBody::Person(PersonEntry::new(user_id, first_name, last_name, details.agb.clone()))),
        (
            Scope::User(user_id),
            ChangeBody::Account(AccountEntry {
                id: user_id,
                username,
                email: Some(details.email.clone()),
                mobile: details.mobile.clone(),
                code_channel: kring_protocol::CodeChannel::Email,
                notification_email: None,
                notify_on_message: false,
            }),
        ),
        (
            Scope::Directory,
            ChangeBody::Contract(ContractEntry {
                id: Uuid::now_v7(),
                user_id,
                organisation_id: request.organisation_id,
                team_id: None,
                role: details.role,
            }),
        ),
    ]);
    // The token is made when the mail goes out (the job), so it is never stored, only its hash.
    planned.commit.jobs.push(NewJob {
        id: Uuid::now_v7(),
        kind: job_kind::SEND_INVITATION.into(),
        payload: serde_json::json!({
            "to": details.email,
            "name": details.display_name(),
            "user_id": user_id,
            "request_id": request.id,
        }),
        run_at: state.clock().now(),
    });
    planned.after.run_jobs = true;
    let organisation = request.inviting_organisation_id;
    let request = AccountRequestEntry { status, user_id: Some(user_id), ..request };
    planned.commit.changes.push((Scope::Organisation(organisation), ChangeBody::AccountRequest(request)));
    tracing::info!(%user_id, "account request approved; invitation queued");
    Ok(())
}

/// `GET /v1/account-requests`: every listed request of the region, for its operators.
pub async fn list_requests(State(state): State<AppState>, user: AuthUser) -> ServerResult<Json<Vec<AccountRequestEntry>>> {
    if !contracts(&state, user.id).await?.iter().any(|(_, role)| role.permits(Action::ApproveAccountRequest)) {
        return Err(ServerError::Forbidden("viewing the region's account requests"));
    }
    let requests = state
        .store()
        .entities_of_kind(EntityKind::AccountRequest)
        .await?
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::AccountRequest(request) if !request.hidden => Some(request),
            _ => None,
        })
        .collect();
    Ok(Json(requests))
}

fn token_hash(token: &str) -> ServerResult<[u8; 32]> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| ServerError::NotFound("activation link"))?;
    Ok(crate::credentials::token_hash(&bytes))
}

/// `GET /v1/activate/{token}`: whose invitation this is, before the password is chosen.
pub async fn invitation(State(state): State<AppState>, Path(token): Path<String>) -> ServerResult<Json<Invitation>> {
    let (user, _) = state
        .store()
        .peek_activation(token_hash(&token)?, state.clock().now())
        .await?
        .ok_or(ServerError::NotFound("activation link"))?;
    let credentials = state.store().credentials_of(user).await?.ok_or(ServerError::NotFound("account"))?;
    let Some(ChangeBody::Person(person)) = state.store().entity(EntityKind::Person, user.0).await? else {
        return Err(ServerError::NotFound("person"));
    };
    let Some(ChangeBody::Account(account)) = state.store().entity(EntityKind::Account, user.0).await? else {
        return Err(ServerError::NotFound("account"));
    };
    Ok(Json(Invitation {
        username: credentials.username,
        display_name: person.full_name(),
        kdf: credentials.kdf,
        has_mobile: account.mobile.is_some(),
    }))
}

/// `POST /v1/activate`: the invited colleague's client sets the password, their keys and the code
/// channel. The link works once and for 7 days. Everything is checked before the link is spent,
/// and spending it, the login, switching the account on and the directory changes are one commit:
/// a malformed request leaves the link working, a failure half-way leaves nothing half-done.
pub async fn activate(State(state): State<AppState>, Json(request): Json<ActivateRequest>) -> ServerResult<Json<Activated>> {
    let now = state.clock().now();
    let token_hash = token_hash(&request.token)?;
    crate::credentials::check_key_material(&request.keys)?;
    let (user, request_id) =
        state.store().peek_activation(token_hash, now).await?.ok_or(ServerError::NotFound("activation link"))?;
    let credentials = state.store().credentials_of(user).await?.ok_or(ServerError::NotFound("account"))?;
    let (salt, kdf, auth_hash) = crate::credentials::new_verifier(request.new).await?;
    let login = crate::store::LoginUpdate {
        salt,
        kdf,
        auth_hash,
        keys: Some(request.keys.clone()),
        must_change_password: false,
        keys_were_reset: false,
    };
    let mut changes = Vec::new();
    if let Some(ChangeBody::Person(person)) = state.store().entity(EntityKind::Person, user.0).await? {
        let person = person.with_keys(Some(&request.keys));
        changes.push((Scope::Directory, ChangeBody::Person(person)));
    }
    if let Some(ChangeBody::Account(account)) = state.store().entity(EntityKind::Account, user.0).await? {
        let reachable = request.code_channel == kring_protocol::CodeChannel::Email || account.mobile.is_some();
        let code_channel = if reachable { request.code_channel } else { kring_protocol::CodeChannel::Email };
        changes.push((Scope::User(user), ChangeBody::Account(AccountEntry { code_channel, ..account })));
    }
    if let Some(ChangeBody::AccountRequest(entry)) = state.store().entity(EntityKind::AccountRequest, request_id).await? {
        if let Ok(status) = entry.status.activate() {
            let organisation = entry.inviting_organisation_id;
            changes
                .push((Scope::Organisation(organisation), ChangeBody::AccountRequest(AccountRequestEntry { status, ..entry })));
        }
    }
    let activation = crate::store::Activation { token_hash, now, user_id: user, login };
    match state.commit(Commit { changes, activation: Some(activation), ..Commit::default() }).await {
        Ok(_) => {}
        Err(crate::store::StoreError::ActivationUnavailable) => return Err(ServerError::NotFound("activation link")),
        Err(error) => return Err(error.into()),
    }
    tracing::info!(user_id = %user, "account activated");
    Ok(Json(Activated { username: credentials.username }))
}

/// STAFF-4: the GP authorises or withdraws; withdrawing removes the wrapped key at once.
pub(crate) async fn set_patient_data_access(
    state: &AppState,
    author: UserId,
    organisation_id: OrganisationId,
    user_id: UserId,
    authorised: bool,
) -> ServerResult<Planned> {
    if !may(state, author, organisation_id, Action::AuthorisePatientData).await? {
        return Err(ServerError::Forbidden("authorising patient-data access"));
    }
    let member_roles: Vec<_> =
        contracts(state, user_id).await?.into_iter().filter(|(org, _)| *org == organisation_id).map(|(_, role)| role).collect();
    if member_roles.is_empty() {
        return Err(ServerError::InvalidRequest("the colleague does not work for this practice".into()));
    }
    // STAFF-7: by key design, someone who is not a care professional never holds the key.
    if authorised && !member_roles.iter().any(|role| role.permits(Action::ViewPatients)) {
        return Err(ServerError::InvalidRequest("this role does not work with patient data".into()));
    }
    let entry = access_entry(state, organisation_id, user_id).await?;
    let wrapped_key = if authorised { entry.wrapped_key } else { None };
    let entry = PatientDataAccessEntry { authorised, wrapped_key, ..entry };
    Ok(Planned::changes(vec![(Scope::Organisation(organisation_id), ChangeBody::PatientDataAccess(entry))]))
}

/// The first GP in a secure session makes the practice vault; there is only ever one.
pub(crate) async fn create_practice_vault(
    state: &AppState,
    author: UserId,
    organisation_id: OrganisationId,
    public_key: &str,
    wrapped_for_me: &str,
) -> ServerResult<Planned> {
    if !may(state, author, organisation_id, Action::AuthorisePatientData).await? {
        return Err(ServerError::Forbidden("creating the practice's patient-data vault"));
    }
    if state.store().entity(EntityKind::PracticeVault, organisation_id.0).await?.is_some() {
        return Err(ServerError::InvalidRequest("the practice already has a vault".into()));
    }
    let vault = PracticeVaultEntry { organisation_id, public_key: public_key.to_owned() };
    let mine = PatientDataAccessEntry {
        authorised: true,
        wrapped_key: Some(wrapped_for_me.to_owned()),
        ..access_entry(state, organisation_id, author).await?
    };
    let scope = Scope::Organisation(organisation_id);
    Ok(Planned::changes(vec![(scope.clone(), ChangeBody::PracticeVault(vault)), (scope, ChangeBody::PatientDataAccess(mine))]))
}

/// A key holder wraps the vault key for an authorised colleague (STAFF-1: warning -> green).
pub(crate) async fn share_vault_key(
    state: &AppState,
    author: UserId,
    organisation_id: OrganisationId,
    user_id: UserId,
    wrapped_key: &str,
) -> ServerResult<Planned> {
    let mine = access_entry(state, organisation_id, author).await?;
    if !(mine.authorised && mine.wrapped_key.is_some()) {
        return Err(ServerError::Forbidden("sharing a key one does not hold"));
    }
    let theirs = access_entry(state, organisation_id, user_id).await?;
    if !theirs.authorised {
        return Err(ServerError::InvalidRequest("the colleague is not authorised".into()));
    }
    // The server cannot open a wrapped key, so it never lets one replace another: a key holder
    // could otherwise lock a colleague out with garbage. A key that does not open is dropped by
    // its owner's client (`Mutation::DropOwnVaultKey`), and a reset password drops the user's
    // wrapped keys, so both can be shared again.
    if theirs.wrapped_key.is_some() {
        return Err(ServerError::InvalidRequest("the colleague already holds the key".into()));
    }
    check_wrapped_key(wrapped_key)?;
    let entry = PatientDataAccessEntry { wrapped_key: Some(wrapped_key.to_owned()), ..theirs };
    Ok(Planned::changes(vec![(Scope::Organisation(organisation_id), ChangeBody::PatientDataAccess(entry))]))
}

/// `Mutation::DropOwnVaultKey`: only one's own key, and only one that is there.
pub(crate) async fn drop_own_vault_key(
    state: &AppState,
    author: UserId,
    organisation_id: OrganisationId,
) -> ServerResult<Planned> {
    let mine = access_entry(state, organisation_id, author).await?;
    if mine.wrapped_key.is_none() {
        return Err(ServerError::InvalidRequest("there is no key to drop".into()));
    }
    tracing::warn!(user_id = %author, %organisation_id, "a wrapped practice key did not open; dropped to be shared again");
    let entry = PatientDataAccessEntry { wrapped_key: None, ..mine };
    Ok(Planned::changes(vec![(Scope::Organisation(organisation_id), ChangeBody::PatientDataAccess(entry))]))
}

/// A wrapped vault key must at least be what sealing a 32-byte vault secret to a public key gives.
pub(crate) fn check_wrapped_key(wrapped_key: &str) -> ServerResult<()> {
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    match STANDARD_NO_PAD.decode(wrapped_key) {
        Ok(bytes) if bytes.len() == kring_crypto::SEALED_VAULT_SECRET_LEN => Ok(()),
        _ => Err(ServerError::InvalidRequest("a wrapped key is a sealed 32-byte secret in base64".into())),
    }
}

/// STAFF-11: the GP or account manager links a colleague to their HIS user id. One HIS user per
/// account in a practice, and no two accounts on one HIS user.
pub(crate) async fn set_his_user(
    state: &AppState,
    author: UserId,
    organisation_id: OrganisationId,
    user_id: UserId,
    his_user_id: Option<&str>,
) -> ServerResult<Planned> {
    if !may(state, author, organisation_id, Action::RequestStaffAccount).await? {
        return Err(ServerError::Forbidden("linking HIS users"));
    }
    if !contracts(state, user_id).await?.iter().any(|(org, _)| *org == organisation_id) {
        return Err(ServerError::InvalidRequest("the colleague does not work for this practice".into()));
    }
    let his_user_id = his_user_id
        .map(|id| kring_domain::plain_text(id, 64))
        .transpose()
        .map_err(|e| ServerError::InvalidRequest(format!("HIS user id: {e}")))?
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    if let Some(id) = &his_user_id {
        let taken = state.store().children(EntityKind::HisLink, organisation_id.0).await?.into_iter().any(|body| {
            matches!(body, ChangeBody::HisLink(link) if link.user_id != user_id && link.his_user_id.as_deref() == Some(id.as_str()))
        });
        if taken {
            return Err(ServerError::InvalidRequest("this HIS user is linked to another colleague".into()));
        }
    }
    let link = HisLinkEntry { id: HisLinkEntry::id_for(organisation_id, user_id), organisation_id, user_id, his_user_id };
    Ok(Planned::changes(vec![(Scope::Organisation(organisation_id), ChangeBody::HisLink(link))]))
}

/// STAFF-6: deactivate a leaver. Keys withdrawn everywhere, login off, sessions ended; the person
/// stays in the record, marked inactive.
pub(crate) async fn deactivate(state: &AppState, author: UserId, user_id: UserId) -> ServerResult<Planned> {
    if author == user_id {
        return Err(ServerError::InvalidRequest("one cannot deactivate oneself".into()));
    }
    let organisations: Vec<OrganisationId> = contracts(state, user_id).await?.into_iter().map(|(org, _)| org).collect();
    let mut allowed = false;
    for organisation in &organisations {
        allowed |= may(state, author, *organisation, Action::DeactivateAccount).await?;
    }
    if !allowed {
        return Err(ServerError::Forbidden("deactivating this account"));
    }
    let Some(ChangeBody::Person(person)) = state.store().entity(EntityKind::Person, user_id.0).await? else {
        return Err(ServerError::NotFound("person"));
    };
    let mut changes = vec![(Scope::Directory, ChangeBody::Person(PersonEntry { active: false, ..person }))];
    for organisation in organisations {
        let entry = access_entry(state, organisation, user_id).await?;
        if entry.authorised || entry.wrapped_key.is_some() {
            let entry = PatientDataAccessEntry { authorised: false, wrapped_key: None, ..entry };
            changes.push((Scope::Organisation(organisation), ChangeBody::PatientDataAccess(entry)));
        }
    }
    let mut planned = Planned::changes(changes);
    planned.after.deactivated = Some(user_id);
    Ok(planned)
}
