//! Getting one-time login codes to people (ACC-1): by e-mail through a [`MailTransport`] (the
//! region's SMTP relay) or by SMS through an [`SmsGateway`] (an HTTP API). The embedded demo has
//! neither: both land in a [`DevOutbox`] that the app shows, so a person can still log in.
//!
//! Texts are written here, once, in Dutch. They carry the code and nothing else: no name, no
//! patient data. Codes are never logged.

use crate::mail::{MailError, MailTransport, OutgoingMail};
use async_trait::async_trait;
use kring_domain::{Email, MobileNumber};
use kring_protocol::CodeChannel;
use std::sync::{Arc, Mutex, PoisonError};
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Error)]
pub enum SmsError {
    #[error("invalid SMS gateway configuration: {0}")]
    Config(String),
    #[error("the SMS gateway could not be reached: {0}")]
    Unreachable(String),
    #[error("the SMS gateway refused the message: HTTP {0}")]
    Refused(u16),
}

/// Sends a text message to a mobile number.
#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    async fn send(&self, to: &MobileNumber, text: &str) -> Result<(), SmsError>;
}

/// The usual JSON API of Dutch SMS gateways (Spryng, MessageBird, CM-style):
/// `POST <url>` with `Authorization: Bearer <api key>` and
/// `{"originator": "Kring", "recipients": ["+316…"], "body": "…"}`; any 2xx means accepted.
pub struct HttpSmsGateway {
    http: reqwest::Client,
    url: reqwest::Url,
    api_key: String,
    originator: String,
}

impl HttpSmsGateway {
    pub fn new(url: &str, api_key: &str, originator: &str) -> Result<Self, SmsError> {
        let url = reqwest::Url::parse(url).map_err(|e| SmsError::Config(e.to_string()))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !loopback {
            return Err(SmsError::Config("the gateway must be reached over https".into()));
        }
        // Alphanumeric originators are limited to 11 characters by the networks.
        if originator.is_empty() || originator.chars().count() > 11 {
            return Err(SmsError::Config("the originator must be 1 to 11 characters".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| SmsError::Config(e.to_string()))?;
        Ok(Self { http, url, api_key: api_key.to_owned(), originator: originator.to_owned() })
    }
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, to: &MobileNumber, text: &str) -> Result<(), SmsError> {
        let body = serde_json::json!({ "originator": self.originator, "recipients": [to.e164()], "body": text });
        let response = self
            .http
            .post(self.url.clone())
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| SmsError::Unreachable(e.without_url().to_string()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SmsError::Refused(response.status().as_u16()))
        }
    }
}

/// A message in the dev outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct DevMessage {
    pub channel: CodeChannel,
    pub to: String,
    pub subject: String,
    pub body: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Mail and SMS of the embedded demo and of tests: kept in memory (never on disk, never in a
/// log), newest last, at most [`DevOutbox::CAPACITY`].
#[derive(Clone)]
pub struct DevOutbox {
    messages: Arc<Mutex<Vec<DevMessage>>>,
    /// Counts messages ever sent, so a waiter can tell a new one arrived.
    sent: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Default for DevOutbox {
    fn default() -> Self {
        Self { messages: Arc::default(), sent: Arc::new(tokio::sync::watch::channel(0).0) }
    }
}

impl DevOutbox {
    pub const CAPACITY: usize = 50;

    pub fn messages(&self) -> Vec<DevMessage> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Follow the number of messages sent so far (tests and the app wait on it).
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.sent.subscribe()
    }

    fn push(&self, message: DevMessage) {
        let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
        messages.push(message);
        let excess = messages.len().saturating_sub(Self::CAPACITY);
        messages.drain(..excess);
        drop(messages);
        self.sent.send_modify(|sent| *sent += 1);
    }
}

#[async_trait]
impl MailTransport for DevOutbox {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        self.push(DevMessage {
            channel: CodeChannel::Email,
            to: mail.to.as_str().to_owned(),
            subject: mail.subject.clone(),
            body: mail.body.clone(),
            at: OffsetDateTime::now_utc(),
        });
        Ok(())
    }
}

#[async_trait]
impl SmsGateway for DevOutbox {
    async fn send(&self, to: &MobileNumber, text: &str) -> Result<(), SmsError> {
        self.push(DevMessage {
            channel: CodeChannel::Sms,
            to: to.e164().to_owned(),
            subject: String::new(),
            body: text.to_owned(),
            at: OffsetDateTime::now_utc(),
        });
        Ok(())
    }
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    #[error("no {0:?} address on the account")]
    NoDestination(CodeChannel),
    #[error("no {0:?} delivery configured on this server")]
    NotConfigured(CodeChannel),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Sms(#[from] SmsError),
}

/// How this server delivers codes. A channel without a transport refuses with `NotConfigured`.
#[derive(Clone, Default)]
pub struct CodeDelivery {
    pub mail: Option<Arc<dyn MailTransport>>,
    pub sms: Option<Arc<dyn SmsGateway>>,
}

impl CodeDelivery {
    /// Both channels into one dev outbox (the embedded demo, tests).
    pub fn dev(outbox: &DevOutbox) -> Self {
        Self { mail: Some(Arc::new(outbox.clone())), sms: Some(Arc::new(outbox.clone())) }
    }

    /// Send `code` by `channel`; returns the masked destination for the login screen.
    pub async fn send_code(
        &self,
        channel: CodeChannel,
        email: Option<&Email>,
        mobile: Option<&MobileNumber>,
        code: &str,
    ) -> Result<String, DeliveryError> {
        match channel {
            CodeChannel::Email => {
                let to = email.ok_or(DeliveryError::NoDestination(channel))?;
                let transport = self.mail.as_ref().ok_or(DeliveryError::NotConfigured(channel))?;
                let mail = OutgoingMail {
                    to: to.clone(),
                    subject: "Uw inlogcode voor Kring".into(),
                    body: format!(
                        "Uw inlogcode voor Kring is: {code}\n\nDe code is 5 minuten geldig en werkt één keer.\n\n\
                         Heeft u niet zelf geprobeerd in te loggen? Neem dan contact op met de accountbeheerder \
                         van uw praktijk of organisatie.\n"
                    ),
                };
                transport.send(&mail).await?;
                Ok(mask_email(to))
            }
            CodeChannel::Sms => {
                let to = mobile.ok_or(DeliveryError::NoDestination(channel))?;
                let gateway = self.sms.as_ref().ok_or(DeliveryError::NotConfigured(channel))?;
                gateway.send(to, &format!("Uw Kring-inlogcode is {code}. Geldig: 5 minuten.")).await?;
                Ok(mask_mobile(to))
            }
        }
    }
}

/// "anne.devries@praktijk.nl" -> "a•••s@praktijk.nl".
pub fn mask_email(email: &Email) -> String {
    let (local, domain) = email.as_str().split_once('@').unwrap_or((email.as_str(), ""));
    let first = local.chars().next().unwrap_or('•');
    let last = local.chars().last().filter(|_| local.chars().count() > 1).map(String::from).unwrap_or_default();
    format!("{first}•••{last}@{domain}")
}

/// "+31612345678" -> "06 •••• 5678".
pub fn mask_mobile(mobile: &MobileNumber) -> String {
    let digits: String = mobile.e164().chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if digits.starts_with("316") {
        format!("06 •••• {tail}")
    } else {
        format!("•••• {tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_1_destinations_are_masked_so_the_screen_does_not_show_them_whole() {
        assert_eq!(mask_email(&Email::parse("anne.devries@praktijk.nl").unwrap()), "a•••s@praktijk.nl");
        assert_eq!(mask_email(&Email::parse("a@x.nl").unwrap()), "a•••@x.nl");
        assert_eq!(mask_mobile(&MobileNumber::parse("06-12345678").unwrap()), "06 •••• 5678");
    }

    #[tokio::test]
    async fn acc_1_a_channel_without_a_destination_or_transport_is_a_typed_error() {
        let outbox = DevOutbox::default();
        let delivery = CodeDelivery::dev(&outbox);
        let result = delivery.send_code(CodeChannel::Sms, None, None, "123456").await;
        assert!(matches!(result, Err(DeliveryError::NoDestination(CodeChannel::Sms))));
        let mobile = MobileNumber::parse("0612345678").unwrap();
        let result = CodeDelivery::default().send_code(CodeChannel::Sms, None, Some(&mobile), "123456").await;
        assert!(matches!(result, Err(DeliveryError::NotConfigured(CodeChannel::Sms))));
        assert!(outbox.messages().is_empty());
    }

    #[tokio::test]
    async fn acc_1_the_dev_outbox_keeps_the_newest_fifty() {
        let outbox = DevOutbox::default();
        let mobile = MobileNumber::parse("0612345678").unwrap();
        for i in 0..60 {
            SmsGateway::send(&outbox, &mobile, &format!("bericht {i}")).await.unwrap();
        }
        let messages = outbox.messages();
        assert_eq!(messages.len(), DevOutbox::CAPACITY);
        assert_eq!(messages.last().unwrap().body, "bericht 59");
        assert_eq!(messages[0].body, "bericht 10");
    }
}
