//! Durable jobs: rows in the store, leased by one worker at a time (also across server
//! instances), done at or after their time by the injected clock. Tests advance the clock and
//! call [`run_due`]; the server runs a worker that checks every 30 seconds and right after a
//! commit that queued work.

use crate::error::{ServerError, ServerResult};
use crate::mail::OutgoingMail;
use crate::plan::job_kind;
use crate::store::{Commit, LeasedJob, NewActivation};
use crate::AppState;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kring_domain::staff::ACTIVATION_VALID_FOR;
use kring_domain::Email;
use kring_domain::{ConversationId, UserId};
use kring_protocol::conversations::ParticipationEntry;
use kring_protocol::staff::AccountRequestEntry;
use kring_protocol::{ChangeBody, EntityKind, Scope};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// How long a leased job is this worker's before another may take it over.
const LEASE: time::Duration = time::Duration::minutes(5);

/// Run every job that is due now. Returns how many were done; a failing job is logged and left
/// to be retried once its lease runs out.
pub async fn run_due(state: &AppState) -> ServerResult<usize> {
    let mut done = 0;
    loop {
        let now = state.clock().now();
        let Some(job) = state.store().lease_due_job(now, now + LEASE).await? else { return Ok(done) };
        match run(state, &job).await {
            Ok(()) => {
                state.store().finish_job(job.id).await?;
                done += 1;
            }
            Err(error) => {
                tracing::warn!(job_id = %job.id, kind = %job.kind, code = ?error.code(), %error, "job failed; it will be retried")
            }
        }
    }
}

async fn run(state: &AppState, job: &LeasedJob) -> ServerResult<()> {
    match job.kind.as_str() {
        job_kind::HIDE_ACCOUNT_REQUEST => {
            let id = job.payload["request_id"].as_str().and_then(|id| uuid::Uuid::parse_str(id).ok());
            let id = id.ok_or_else(|| ServerError::InvalidRequest("job payload".into()))?;
            if let Some(ChangeBody::AccountRequest(request)) = state.store().entity(EntityKind::AccountRequest, id).await? {
                let scope = Scope::Organisation(request.inviting_organisation_id);
                let hidden = AccountRequestEntry { hidden: true, ..request };
                let commit = Commit { changes: vec![(scope, ChangeBody::AccountRequest(hidden))], ..Default::default() };
                state.commit(commit).await?;
            }
            Ok(())
        }
        job_kind::SEND_INVITATION => {
            let text = |key: &str| {
                job.payload[key].as_str().map(str::to_owned).ok_or_else(|| ServerError::InvalidRequest("job payload".into()))
            };
            let id = |key: &str| {
                text(key).and_then(|t| uuid::Uuid::parse_str(&t).map_err(|e| ServerError::InvalidRequest(e.to_string())))
            };
            let to = Email::parse(&text("to")?).map_err(|e| ServerError::InvalidRequest(e.to_string()))?;
            let transport = state
                .delivery()
                .mail
                .as_ref()
                .ok_or(crate::delivery::DeliveryError::NotConfigured(kring_protocol::CodeChannel::Email))?;
            // A fresh token each try: only its hash is stored, and a try whose mail failed leaves
            // a link nobody has.
            let mut token = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token);
            let activation = NewActivation {
                token_hash: crate::credentials::token_hash(&token),
                user_id: kring_domain::UserId(id("user_id")?),
                request_id: id("request_id")?,
                expires_at: state.clock().now() + ACTIVATION_VALID_FOR,
            };
            state.commit(Commit { activations: vec![activation], ..Commit::default() }).await?;
            let mail = invitation_mail(to, &text("name")?, &URL_SAFE_NO_PAD.encode(token));
            transport.send(&mail).await.map_err(crate::delivery::DeliveryError::from)?;
            tracing::info!(job_id = %job.id, "invitation sent");
            Ok(())
        }
        job_kind::NOTIFY_NEW_MESSAGES => notify_new_messages(state, &job.payload).await,
        job_kind::REMIND_CONSULTATION => crate::consultations::remind(state, consultation_id(&job.payload)?).await,
        job_kind::SEND_CONSULTATION_REMINDER => {
            let user = job.payload["user_id"].as_str().and_then(|id| Uuid::parse_str(id).ok());
            let user = user.ok_or_else(|| ServerError::InvalidRequest("job payload".into()))?;
            crate::consultations::send_reminder(state, UserId(user)).await
        }
        job_kind::CLOSE_CONSULTATION => crate::consultations::close_automatically(state, consultation_id(&job.payload)?).await,
        other => Err(ServerError::InvalidRequest(format!("unknown job kind {other}"))),
    }
}

fn consultation_id(payload: &serde_json::Value) -> ServerResult<Uuid> {
    payload["consultation_id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| ServerError::InvalidRequest("job payload".into()))
}

/// The invitation: the activation link and what to do with it. No patient data; the colleague's
/// name only, as any invitation has.
pub fn invitation_mail(to: Email, name: &str, token: &str) -> OutgoingMail {
    OutgoingMail {
        to,
        subject: "Uw Kring-account is klaar om te activeren".into(),
        body: format!(
            "Beste {name},\n\nEr is een Kring-account voor u aangemaakt. Activeer het binnen 7 dagen met deze link:\n\n\
             kring://activeer?token={token}\n\n\
             Werkt de link niet? Open Kring, kies 'Account activeren' en plak de link daar.\n\
             U kiest dan zelf een wachtwoord en hoe u uw inlogcode ontvangt.\n\n\
             De link werkt één keer. Heeft u geen account aangevraagd? Dan kunt u deze e-mail negeren.\n"
        ),
    }
}

/// The e-mail job (CHAT-8): tell the user, without any content, that a conversation has new
/// messages, unless they read them meanwhile or opted out.
async fn notify_new_messages(state: &AppState, payload: &serde_json::Value) -> ServerResult<()> {
    let id = |key: &str| {
        payload[key]
            .as_str()
            .and_then(|t| Uuid::parse_str(t).ok())
            .ok_or_else(|| ServerError::InvalidRequest("job payload".into()))
    };
    let (user, conversation_id) = (UserId(id("user_id")?), ConversationId(id("conversation_id")?));
    let first_unread = payload["sent_at"]
        .as_str()
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .ok_or_else(|| ServerError::InvalidRequest("job payload".into()))?;
    let Some(ChangeBody::Account(account)) = state.store().entity(EntityKind::Account, user.0).await? else {
        return Ok(());
    };
    let Some(to) = account.notification_email.filter(|_| account.notify_on_message) else { return Ok(()) };
    let Some(ChangeBody::Participation(participation)) =
        state.store().entity(EntityKind::Participation, ParticipationEntry::id_for(conversation_id, user)).await?
    else {
        return Ok(());
    };
    // The first message of the window is still unread: read in the app meanwhile means no mail.
    let unread = participation.active && participation.read_up_to.is_none_or(|read| read < first_unread);
    if !unread {
        return Ok(());
    }
    let transport = state
        .delivery()
        .mail
        .as_ref()
        .ok_or(crate::delivery::DeliveryError::NotConfigured(kring_protocol::CodeChannel::Email))?;
    transport.send(&new_messages_mail(to)).await.map_err(crate::delivery::DeliveryError::from)?;
    tracing::info!(user_id = %user, conversation_id = %conversation_id, "new-message e-mail sent");
    Ok(())
}

/// The notification e-mail: that there is something to read, never what or about whom.
pub fn new_messages_mail(to: kring_domain::Email) -> crate::mail::OutgoingMail {
    crate::mail::OutgoingMail {
        to,
        subject: "Nieuw bericht in Kring".into(),
        body: "Er is een nieuw bericht voor u in een gesprek in Kring.\n\n\
               Open Kring om het te lezen. Om privacyredenen staat in deze e-mail niet van wie het bericht is \
               of waar het over gaat.\n\n\
               U krijgt deze e-mail omdat u dat in uw profiel heeft aangezet. U kunt het daar ook uitzetten.\n"
            .into(),
    }
}

/// The worker: the one runner of due jobs, every 30 seconds and whenever a commit queued work
/// that is due now, until the feed closes (the server stops).
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = run_due(&state).await {
                tracing::warn!(%error, "running jobs failed");
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(30)) => {}
                () = state.jobs_woken() => {}
                () = state.feed().closed() => return,
            }
        }
    });
}
