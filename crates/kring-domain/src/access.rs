//! What the NEN 7513 access log (toegangslog, SEC-2) records: which kind of patient data someone
//! opened. The log itself (who, which patient, when, from which device, hash-chained) lives on
//! the server; this is the vocabulary server, client and UI share.

use serde::{Deserialize, Serialize};

/// A kind of access to a patient's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// The patient card: NAW, measurements, medication from the HIS extraction.
    PatientCard,
    /// A conversation about the patient, decrypted on the client.
    Conversation,
    /// A consultation about the patient, decrypted on the client.
    Consultation,
    /// A referral and its attachments.
    Referral,
    /// Care-network documents: advance care plan, health plan, questionnaires.
    NetworkDocument,
    /// The patient's card and chart written from the practice's HIS extraction (PAT-1).
    HisImport,
}

impl AccessKind {
    /// Stable name, used in storage and in the chained hash: never rename one.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::PatientCard => "patient_card",
            AccessKind::Conversation => "conversation",
            AccessKind::Consultation => "consultation",
            AccessKind::Referral => "referral",
            AccessKind::NetworkDocument => "network_document",
            AccessKind::HisImport => "his_import",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::PatientCard, Self::Conversation, Self::Consultation, Self::Referral, Self::NetworkDocument, Self::HisImport]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}
