//! Outgoing e-mail over SMTP (lettre) to the region's relay: one-time login codes, invitations,
//! notifications. Mail never carries patient data or message content; callers pass only texts
//! written for that purpose.

use async_trait::async_trait;
use kring_domain::Email;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum MailError {
    #[error("invalid mail configuration: {0}")]
    Config(String),
    #[error("could not build the message: {0}")]
    Message(String),
    #[error("the mail relay refused or failed: {0}")]
    Relay(String),
}

/// One e-mail to one recipient, plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: Email,
    pub subject: String,
    pub body: String,
}

/// Where mail goes: the SMTP relay in production, the dev outbox in the embedded demo (issue 3).
#[async_trait]
pub trait MailTransport: Send + Sync + 'static {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

/// How to reach the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on this machine (e.g. a local MTA or a test sink).
    None,
    /// STARTTLS on the submission port (587), required.
    StartTls,
    /// Implicit TLS (465).
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<(String, String)>,
    /// The sender, e.g. `Kring <noreply@kring.regio.nl>`.
    pub from: String,
}

/// Sends through an SMTP relay.
pub struct SmtpRelay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpRelay {
    pub fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let builder = match config.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| MailError::Config(e.to_string()))?,
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(|e| MailError::Config(e.to_string()))?
            }
        };
        let mut builder = builder.port(config.port).timeout(Some(std::time::Duration::from_secs(20)));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = config.from.parse().map_err(|e: lettre::address::AddressError| MailError::Config(e.to_string()))?;
        Ok(Self { transport: builder.build(), from })
    }
}

#[async_trait]
impl MailTransport for SmtpRelay {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let to: Mailbox =
            mail.to.as_str().parse().map_err(|e: lettre::address::AddressError| MailError::Message(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Message(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| MailError::Relay(e.to_string()))?;
        Ok(())
    }
}
