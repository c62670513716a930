//! The organisation directory (smoelenboek): organisations, teams, people and their contracts.
//! Everyone in the region sees it, so it holds only what routing and finding a colleague need.

use kring_domain::{AgbCode, OrganisationId, OrganisationKind, Role, TeamId, UserId};
use serde::{Deserialize, Serialize};

/// An organisation in the region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationEntry {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub agb: Option<AgbCode>,
    pub city: String,
    /// The care group (zorggroep) a GP practice belongs to: its finance and quality staff see the
    /// practice's consultation records (STAFF-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_group: Option<OrganisationId>,
}

/// A team inside an organisation, with its contact person (STAFF-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamEntry {
    pub id: TeamId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub contact_person: Option<UserId>,
}

/// A person as colleagues see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEntry {
    pub id: UserId,
    pub first_name: String,
    pub last_name: String,
    pub agb: Option<AgbCode>,
    /// Base64 of the X25519 public key vault keys are wrapped to; `None` until the account has
    /// keys (before activation, after a reset).
    #[serde(default)]
    pub encryption_public_key: Option<String>,
    /// Base64 of the Ed25519 public key that checks what the person signs (messages); `None`
    /// together with the encryption key.
    #[serde(default)]
    pub signing_public_key: Option<String>,
    /// False once deactivated (STAFF-6); the person stays in the record.
    #[serde(default = "active")]
    pub active: bool,
    /// Up to three functions (PROF-1), shown to specialists in consultations.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Working days and absences (PROF-4): a sender sees when the person is away.
    #[serde(default)]
    pub working_days: Vec<kring_domain::Weekday>,
    #[serde(default)]
    pub absences: Vec<kring_domain::Absence>,
}

fn active() -> bool {
    true
}

impl PersonEntry {
    /// A new, active person without keys or profile details yet.
    pub fn new(id: UserId, first_name: String, last_name: String, agb: Option<AgbCode>) -> Self {
        Self {
            id,
            first_name,
            last_name,
            agb,
            encryption_public_key: None,
            signing_public_key: None,
            active: true,
            functions: Vec::new(),
            working_days: Vec::new(),
            absences: Vec::new(),
        }
    }

    /// "Anne de Vries": how lists and logs name a colleague.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// The key vault keys are wrapped to for this person: `None` while they have none, or when
    /// the published value is not a 32-byte key.
    pub fn encryption_key(&self) -> Option<kring_crypto::EncryptionPublicKey> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(self.encryption_public_key.as_deref()?).ok()?;
        Some(kring_crypto::EncryptionPublicKey::from_bytes(bytes.try_into().ok()?))
    }

    /// The key that checks this person's signatures, when published and well-formed.
    pub fn signing_key(&self) -> Option<kring_crypto::SigningPublicKey> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(self.signing_public_key.as_deref()?).ok()?;
        kring_crypto::SigningPublicKey::from_bytes(&bytes.try_into().ok()?).ok()
    }

    /// Publish a key pair's public halves (or withdraw them with `None`).
    pub fn with_keys(self, keys: Option<&crate::KeyMaterial>) -> Self {
        Self {
            encryption_public_key: keys.map(|k| k.encryption_public_key.clone()),
            signing_public_key: keys.map(|k| k.signing_public_key.clone()),
            ..self
        }
    }
}

/// A person's role in an organisation (optionally in one of its teams). One person may hold
/// several (ACC-6). The id is the contract's own, so ending one contract leaves the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractEntry {
    pub id: uuid::Uuid,
    pub user_id: UserId,
    pub organisation_id: OrganisationId,
    pub team_id: Option<TeamId>,
    pub role: Role,
}

/// The account details only their owner sees: login name and where one-time codes go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub id: UserId,
    pub username: String,
    pub email: Option<kring_domain::Email>,
    pub mobile: Option<kring_domain::MobileNumber>,
    /// Where one-time login codes go (ACC-1).
    #[serde(default)]
    pub code_channel: crate::auth::CodeChannel,
    /// Where notifications go, and whether a new message sends one (PROF-3).
    #[serde(default)]
    pub notification_email: Option<kring_domain::Email>,
    #[serde(default)]
    pub notify_on_message: bool,
}
