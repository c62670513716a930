//! `POST /v1/mutations`: apply a client's mutation once, whatever how often it is sent.

use crate::authz::{may, AuthUser};
use crate::error::{ServerError, ServerResult};
use crate::plan::{after_commit, Planned};
use crate::store::{Commit, StoreError};
use crate::{care, consultations, conversations, patients, referrals, staff, AppState};
use axum::extract::State;
use axum::Json;
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
    // A plan made on an entity that changed before the commit (two caregivers taking one
    // referral) is made again on the new state, where it is refused or still holds.
    for _ in 0..STALE_RETRIES {
        let planned = match plan(&state, &user, &request.mutation).await {
            Ok(planned) => planned,
            Err(error @ (ServerError::Forbidden(_) | ServerError::NotFound(_) | ServerError::InvalidRequest(_))) => {
                tracing::info!(user_id = %user.id, mutation_id = %request.id, code = ?error.code(), "mutation rejected");
                return Ok(Json(MutationOutcome::Rejected { code: error.code(), message: error.to_string() }));
            }
            Err(error) => return Err(error),
        };
        let commit = Commit { mutation: Some((user.id, request.clone())), ..planned.commit };
        match state.commit(commit).await {
            Ok(seq) => {
                tracing::info!(user_id = %user.id, mutation_id = %request.id, seq, "mutation applied");
                after_commit(&state, planned.after).await?;
                return Ok(Json(MutationOutcome::Applied { seq }));
            }
            Err(StoreError::Stale) => {
                tracing::info!(user_id = %user.id, mutation_id = %request.id, "planned on a changed entity: planning again");
            }
            // The same id raced in through another connection: answer as that one did.
            Err(StoreError::DuplicateMutation) => {
                return replay(&state, user.id, &request).await?.map(Json).ok_or(ServerError::Conflict)
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(ServerError::Conflict)
}

/// How often a mutation is planned again when its entities keep changing under it.
const STALE_RETRIES: usize = 3;

/// The recorded outcome when this exact mutation was applied before.
async fn replay(state: &AppState, author: UserId, request: &MutationRequest) -> ServerResult<Option<MutationOutcome>> {
    match state.store().recorded_mutation(request.id).await? {
        None => Ok(None),
        Some(recorded) if recorded.author == author && recorded.request == *request => Ok(Some(recorded.outcome)),
        Some(_) => Err(ServerError::Conflict),
    }
}

/// Check the mutation against the rules and compute what it leads to.
async fn plan(state: &AppState, user: &AuthUser, mutation: &Mutation) -> ServerResult<Planned> {
    let author = user.id;
    match mutation {
        Mutation::SetTeamContact { team_id, contact } => {
            let Some(ChangeBody::Team(mut team)) = state.store().entity(EntityKind::Team, team_id.0).await? else {
                return Err(ServerError::NotFound("team"));
            };
            if !may(state, author, team.organisation_id, Action::ManageTeamContacts).await? {
                return Err(ServerError::Forbidden("choosing a team's contact person"));
            }
            if let Some(contact) = contact {
                let members = crate::identity::contracts(state, *contact).await?;
                if !members.iter().any(|(org, _)| *org == team.organisation_id) {
                    return Err(ServerError::InvalidRequest("the contact person must work for the organisation".into()));
                }
            }
            team.contact_person = *contact;
            Ok(Planned::changes(vec![(Scope::Directory, ChangeBody::Team(team))]))
        }
        Mutation::SetCodeChannel { channel } => {
            let Some(ChangeBody::Account(mut account)) = state.store().entity(EntityKind::Account, author.0).await? else {
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
            Ok(Planned::changes(vec![(Scope::User(author), ChangeBody::Account(account))]))
        }
        Mutation::RecordAccess(record) => crate::access_log::record(state, user, record).await,
        Mutation::RequestAccount { organisation_id, form } => staff::request_account(state, author, *organisation_id, form).await,
        Mutation::DecideAccountRequest { request_id, approve } => {
            staff::decide_request(state, author, *request_id, *approve).await
        }
        Mutation::SetPatientDataAccess { organisation_id, user_id, authorised } => {
            staff::set_patient_data_access(state, author, *organisation_id, *user_id, *authorised).await
        }
        Mutation::CreatePracticeVault { organisation_id, public_key, wrapped_for_me } => {
            staff::create_practice_vault(state, author, *organisation_id, public_key, wrapped_for_me).await
        }
        Mutation::ShareVaultKey { organisation_id, user_id, wrapped_key } => {
            staff::share_vault_key(state, author, *organisation_id, *user_id, wrapped_key).await
        }
        Mutation::DropOwnVaultKey { organisation_id } => staff::drop_own_vault_key(state, author, *organisation_id).await,
        Mutation::DeactivateAccount { user_id } => staff::deactivate(state, author, *user_id).await,
        Mutation::SetHisUser { organisation_id, user_id, his_user_id } => {
            staff::set_his_user(state, author, *organisation_id, *user_id, his_user_id.as_deref()).await
        }
        Mutation::UpdateProfile(form) => {
            let profile = form.validate().map_err(|e| ServerError::InvalidRequest(e.code().to_owned()))?;
            let (Some(ChangeBody::Person(person)), Some(ChangeBody::Account(account))) = (
                state.store().entity(EntityKind::Person, author.0).await?,
                state.store().entity(EntityKind::Account, author.0).await?,
            ) else {
                return Err(ServerError::NotFound("account"));
            };
            let person = kring_protocol::PersonEntry {
                first_name: profile.first_name,
                last_name: profile.last_name,
                functions: profile.functions,
                working_days: profile.working_days,
                absences: profile.absences,
                ..person
            };
            let account = kring_protocol::AccountEntry {
                notification_email: profile.notification_email,
                notify_on_message: profile.notify_on_message,
                ..account
            };
            Ok(Planned::changes(vec![
                (Scope::Directory, ChangeBody::Person(person)),
                (Scope::User(author), ChangeBody::Account(account)),
            ]))
        }
        Mutation::CreatePatient { organisation_id, patient_id, patient } => {
            patients::create(state, author, *organisation_id, *patient_id, patient).await
        }
        Mutation::RecordConsent { consent_id, patient_id, given_by, text_version } => {
            patients::record_consent(state, author, *consent_id, *patient_id, *given_by, text_version).await
        }
        Mutation::WithdrawConsent { consent_id } => patients::withdraw_consent(state, author, *consent_id).await,
        Mutation::SetPatientNetwork(network) => patients::set_network(state, author, network).await,
        Mutation::StartConversation { conversation_id, patient_id, title, participants, first_message, inboxes } => {
            let start = conversations::StartConversation {
                id: *conversation_id,
                patient_id: *patient_id,
                title,
                participants,
                first_message,
                inboxes,
                without_patient_access: &[],
            };
            conversations::start(state, author, start).await
        }
        Mutation::PostMessage { conversation_id, message, new_epoch } => {
            conversations::post(state, author, *conversation_id, message, new_epoch.as_deref()).await
        }
        Mutation::AddParticipants { conversation_id, participants } => {
            conversations::add_participants(state, author, *conversation_id, participants).await
        }
        Mutation::LeaveConversation { conversation_id, archive } => {
            conversations::leave(state, author, *conversation_id, *archive).await
        }
        Mutation::SetArchived { conversation_id, archived } => {
            conversations::set_archived(state, author, *conversation_id, *archived).await
        }
        Mutation::RecordHisReturn { conversation_id, reference } => {
            conversations::record_his_return(state, author, *conversation_id, reference).await
        }
        Mutation::MarkRead { conversation_id, up_to } => conversations::mark_read(state, author, *conversation_id, *up_to).await,
        Mutation::RemoveInboxMember { conversation_id, user_id } => {
            conversations::remove_inbox_member(state, author, *conversation_id, *user_id).await
        }
        Mutation::JoinCareNetwork { patient_id, user_id } => {
            conversations::join_care_network(state, author, *patient_id, *user_id).await
        }
        Mutation::LeaveCareNetwork { patient_id, user_id } => {
            conversations::leave_care_network(state, author, *patient_id, *user_id).await
        }
        Mutation::Refer { referral, conversation_id, title, participants, first_message, inboxes } => {
            let conversation = conversations::StartConversation {
                id: *conversation_id,
                patient_id: Some(referral.patient_id),
                title,
                participants,
                first_message,
                inboxes,
                without_patient_access: &[],
            };
            referrals::refer(state, author, referral, conversation).await
        }
        Mutation::ReferralStep { referral_id, step } => referrals::step(state, author, *referral_id, *step).await,
        Mutation::UpdateReferral { referral_id, content, members, seen_steps, content_signature } => {
            referrals::update(state, author, *referral_id, content, content_signature, members, *seen_steps).await
        }
        Mutation::RequestMatrixExtension { request_id, kind, category, explanation } => {
            referrals::request_matrix_extension(state, author, *request_id, *kind, *category, explanation).await
        }
        Mutation::DecideMatrixRequest { request_id, approve } => {
            referrals::decide_matrix_request(state, author, *request_id, *approve).await
        }
        Mutation::AskConsultation { consultation, conversation_id, title, participants, first_message } => {
            let conversation = conversations::StartConversation {
                id: *conversation_id,
                patient_id: Some(consultation.patient_id),
                title,
                participants,
                first_message,
                inboxes: &[],
                without_patient_access: &[],
            };
            consultations::ask(state, author, consultation, conversation).await
        }
        Mutation::ConsultationStep { consultation_id, step } => consultations::step(state, author, *consultation_id, *step).await,
        Mutation::DeclareConsultation { consultation_id, declaration_id, code } => {
            consultations::declare(state, author, *consultation_id, *declaration_id, code).await
        }
        Mutation::RecordHomeMeasurement { id, patient_id, sealed, signature } => {
            care::record_home_measurement(state, author, *id, *patient_id, sealed, signature).await
        }
        Mutation::SaveHealthPlanItem { id, patient_id, number, sealed, signature } => {
            care::save_health_plan_item(state, author, *id, *patient_id, *number, sealed, signature).await
        }
    }
}
