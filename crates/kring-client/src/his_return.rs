//! "Terugsturen naar HIS" (CHAT-6): a conversation's transcript, with the sender's comment, as
//! an EDIFACT MEDVRI the practice's HIS imports into the patient's record. Made here, on the
//! client, from the decrypted conversation: the Kring server never sees it. Delivered through a
//! [`HisTransport`]: SMTP to the practice's ZorgMail address (the MEDVRI as an attachment), or a
//! drop folder a HIS or ZorgMail client picks files up from.

use crate::error::{ClientError, ClientResult};
use crate::KringClient;
use async_trait::async_trait;
use kring_domain::business_time::dutch_time;
use kring_domain::medvri::{Medvri, MedvriPatient, Party};
use kring_domain::{ConversationId, Email};
use kring_protocol::Mutation;
use serde::Serialize;
use std::path::PathBuf;
use thiserror::Error;

/// The longest comment sent along.
pub const MAX_COMMENT_CHARS: usize = 2_000;

#[derive(Debug, Error)]
pub enum HisTransportError {
    #[error("invalid transport configuration: {0}")]
    Config(String),
    #[error("the drop folder cannot be written: {0}")]
    Folder(String),
    #[error("the mail server refused or failed: {0}")]
    Smtp(String),
}

/// Where a MEDVRI went: what the user is told (issue 13: a file in a folder is not yet "in the
/// HIS").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delivered {
    /// Mailed to this ZorgMail address; the HIS takes it from its ZorgMail inbox.
    ZorgMail { address: String },
    /// Written as this file; the HIS (or its ZorgMail client) picks it up from there.
    Folder { path: String },
}

/// Where this workstation sends a conversation for the HIS, said before it goes (found by a new
/// user: the dialog asked for a ZorgMail address and then wrote a file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HisRoute {
    /// By ZorgMail to the address the user gives.
    ZorgMail,
    /// As a file in this folder, which the HIS or its ZorgMail client reads.
    Folder { path: String },
}

/// Delivers a MEDVRI file to a ZorgMail address.
#[async_trait]
pub trait HisTransport: Send + Sync {
    async fn deliver(&self, to: &Email, file_name: &str, medvri: &[u8]) -> Result<Delivered, HisTransportError>;
    /// Where [`HisTransport::deliver`] puts it.
    fn route(&self) -> HisRoute;
}

/// Writes each MEDVRI as `<reference>.edi` into a folder (atomically: a temporary name, then a
/// rename, so a watcher never reads half a file), readable by the user only.
pub struct FolderDrop {
    pub dir: PathBuf,
}

#[async_trait]
impl HisTransport for FolderDrop {
    fn route(&self) -> HisRoute {
        HisRoute::Folder { path: self.dir.display().to_string() }
    }

    async fn deliver(&self, _to: &Email, file_name: &str, medvri: &[u8]) -> Result<Delivered, HisTransportError> {
        let folder = |e: std::io::Error| HisTransportError::Folder(e.kind().to_string());
        std::fs::create_dir_all(&self.dir).map_err(folder)?;
        let temporary = self.dir.join(format!(".{file_name}.part"));
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file =
                std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary).map_err(folder)?;
            file.write_all(medvri).map_err(folder)?;
            file.sync_all().map_err(folder)?;
        }
        let path = self.dir.join(file_name);
        std::fs::rename(&temporary, &path).map_err(folder)?;
        Ok(Delivered::Folder { path: path.display().to_string() })
    }
}

/// How to reach the SMTP server that delivers to ZorgMail.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// Plain SMTP is allowed only to this machine (a local ZorgMail client or test sink).
    pub tls: bool,
    pub credentials: Option<(String, String)>,
    pub from: String,
}

/// Sends the MEDVRI as an `application/EDIFACT` attachment. The mail's own text names no patient.
pub struct ZorgMailSmtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl ZorgMailSmtp {
    pub fn new(settings: &SmtpSettings) -> Result<Self, HisTransportError> {
        use lettre::{AsyncSmtpTransport, Tokio1Executor};
        let config = |e: String| HisTransportError::Config(e);
        let loopback = matches!(settings.host.as_str(), "127.0.0.1" | "localhost" | "::1");
        let builder = if settings.tls {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(|e| config(e.to_string()))?
        } else if loopback {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        } else {
            return Err(config("plain SMTP only to this machine; use TLS".into()));
        };
        let mut builder = builder.port(settings.port).timeout(Some(std::time::Duration::from_secs(20)));
        if let Some((user, password)) = &settings.credentials {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(user.clone(), password.clone()));
        }
        let from = settings.from.parse().map_err(|e: lettre::address::AddressError| config(e.to_string()))?;
        Ok(Self { transport: builder.build(), from })
    }
}

#[async_trait]
impl HisTransport for ZorgMailSmtp {
    fn route(&self) -> HisRoute {
        HisRoute::ZorgMail
    }

    async fn deliver(&self, to: &Email, file_name: &str, medvri: &[u8]) -> Result<Delivered, HisTransportError> {
        use lettre::message::header::{ContentTransferEncoding, ContentType};
        use lettre::message::{Attachment, Body, MultiPart, SinglePart};
        use lettre::AsyncTransport;
        let smtp = |e: String| HisTransportError::Smtp(e);
        let to_text = to.as_str().to_owned();
        let to = to.as_str().parse().map_err(|e: lettre::address::AddressError| smtp(e.to_string()))?;
        let edifact = ContentType::parse("application/EDIFACT").map_err(|e| smtp(e.to_string()))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("MEDVRI {}", file_name.trim_end_matches(".edi")))
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain("Vrij medisch bericht (MEDVRI) uit Kring, zie de bijlage.\n".to_owned()))
                    // Base64, so the Latin-1 bytes and CRLF line ends arrive exactly as written.
                    .singlepart(
                        Attachment::new(file_name.to_owned()).body(
                            Body::new_with_encoding(medvri.to_vec(), ContentTransferEncoding::Base64)
                                .map_err(|_| smtp("encoding".into()))?,
                            edifact,
                        ),
                    ),
            )
            .map_err(|e| smtp(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| smtp(e.to_string()))?;
        Ok(Delivered::ZorgMail { address: to_text })
    }
}

/// What was sent and where, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct HisReturnReceipt {
    pub reference: String,
    pub messages: usize,
    pub delivered: Delivered,
}

impl KringClient {
    /// Send a conversation about a patient back to the practice's HIS as MEDVRI (CHAT-6).
    /// Needs the open lock; a conversation without a patient has no record to go into.
    pub async fn return_to_his(
        &self,
        conversation_id: ConversationId,
        zorgmail_address: &str,
        comment: &str,
        transport: &dyn HisTransport,
    ) -> ClientResult<HisReturnReceipt> {
        if zorgmail_address.trim().is_empty() {
            return Err(ClientError::ZorgMailAddressRequired);
        }
        let to = Email::parse(zorgmail_address.trim()).map_err(|_| ClientError::InvalidZorgMailAddress)?;
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(ClientError::HisReturnCommentTooLong);
        }
        // The transcript holds what the server has: catch up first when online.
        match self.sync_now().await {
            Ok(_) | Err(ClientError::ServerUnreachable) => {}
            Err(error) => return Err(error),
        }
        let view = self.conversation_view(conversation_id)?;
        let patient = view.summary.patient.as_ref().ok_or(ClientError::HisReturnNeedsPatient)?;
        let card = self.patient_card(patient.id)?;
        let now = time::OffsetDateTime::now_utc();
        let me = self.me();
        let people = self.people()?;
        let my_person = people.iter().find(|p| p.id == me.user_id);
        let directory = self.directory()?;
        let practice = directory.organisations.iter().find(|o| Some(o.id) == self.conversation_practice(conversation_id));
        let my_organisation = me.contracts.first().map(|c| c.organisation_name.clone()).unwrap_or_default();
        let sender_id = directory
            .organisations
            .iter()
            .find(|o| me.contracts.first().is_some_and(|c| c.organisation_id == o.id))
            .and_then(|o| o.agb.clone())
            .or_else(|| my_person.and_then(|p| p.agb.as_ref().map(|a| a.as_str().to_owned())))
            .unwrap_or_else(|| "KRING".into());
        let reference = format!("K{}", &uuid::Uuid::now_v7().simple().to_string()[..13]).to_uppercase();

        let mut lines = vec![
            format!("Gesprek uit Kring: {}", view.summary.title.clone().unwrap_or_default()),
            format!("Deelnemers: {}", view.summary.participants.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")),
            format!("Teruggestuurd door {} op {}", me.display_name, format_time(now)),
        ];
        // A consultation goes back with its group, status and declarations (CONS-4, CHAT-6).
        lines.extend(self.consultation_lines(conversation_id)?);
        if !comment.trim().is_empty() {
            lines.push(String::new());
            lines.push("Opmerking:".into());
            lines.extend(comment.trim().lines().map(str::to_owned));
        }
        let sent = view.messages.iter().filter(|m| m.sent_at.is_some()).count();
        for message in view.messages.iter().filter(|m| m.sent_at.is_some()) {
            lines.push(String::new());
            lines.push(format!("{} - {}:", message.sent_at.map(format_time).unwrap_or_default(), message.author_name));
            match &message.text {
                Some(text) => lines.extend(text.lines().map(str::to_owned)),
                None => lines.push("(bericht niet te controleren, niet opgenomen)".into()),
            }
            // MEDVRI carries text only: say which files were with the message, so the record
            // shows there was more (found by a new user: they vanished without a word).
            for attachment in &message.attachments {
                lines.push(format!("(bijlage {}: niet meegestuurd, staat in Kring)", attachment.name));
            }
        }
        let medvri = Medvri {
            reference: reference.clone(),
            written_at: dutch_time(now),
            sender: Party { id: sender_id, person: me.display_name.clone(), organisation: my_organisation },
            recipient: Party {
                id: to.as_str().to_owned(),
                person: practice.map(|p| p.name.clone()).unwrap_or_default(),
                organisation: practice.map(|p| p.name.clone()).unwrap_or_default(),
            },
            patient: MedvriPatient {
                bsn: card.bsn.clone(),
                family_name: card.family_name.clone(),
                given_names: card.given_names.clone(),
                birth_date: card.birth_date,
                gender: card.gender,
                address: card.address.clone(),
                phone: card.phone.clone(),
            },
            lines,
        };
        let bytes = medvri.to_bytes().map_err(|e| ClientError::HisReturn(e.to_string()))?;
        let delivered = transport
            .deliver(&to, &format!("{reference}.edi"), &bytes)
            .await
            .map_err(|e| ClientError::HisReturn(e.to_string()))?;
        // Delivered: from here nothing may turn the receipt into an error, or the user sends it
        // again. Both reports wait in the outbox when they cannot go now.
        if let Some(practice) = self.conversation_practice(conversation_id) {
            if let Err(error) = self.record_access(practice, patient.id, kring_domain::AccessKind::Conversation).await {
                tracing::warn!(%conversation_id, code = error.code(), "access to the returned conversation not reported yet");
            }
        }
        // Everyone taking part sees that and when it went.
        if let Err(error) = self.submit(Mutation::RecordHisReturn { conversation_id, reference: reference.clone() }).await {
            tracing::warn!(%conversation_id, code = error.code(), "the HIS return mark not sent yet");
        }
        tracing::info!(%conversation_id, reference = %reference, "conversation returned to the HIS");
        Ok(HisReturnReceipt { reference, messages: sent, delivered })
    }
}

/// "25-11-2026 14:05", Dutch time.
pub(crate) fn format_time(at: time::OffsetDateTime) -> String {
    let local = dutch_time(at);
    format!("{:02}-{:02}-{:04} {:02}:{:02}", local.day(), u8::from(local.month()), local.year(), local.hour(), local.minute())
}
