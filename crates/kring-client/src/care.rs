//! Care planning on this workstation (CARE-1 … CARE-4). So far: home measurements (CARE-4),
//! checked here as the server checks them, sealed to the patient's network vault and signed;
//! read back through the network vault (a partner's own key, or the practice vault) and charted
//! beside the HIS's measurements, labelled by source; and the health plan (CARE-2), every item
//! versioned with who and when, sealed and signed the same way.

use crate::error::{ClientError, ClientResult};
use crate::patients::{decode, open_sealed};
use crate::KringClient;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::health_plan::{HealthPlanError, HealthPlanItem};
use kring_domain::home_measurement::{check, HomeMeasurementKind, HomeValue};
use kring_domain::{PatientId, UserId};
use kring_protocol::care::{HealthPlanVersion, HomeMeasurementEntry};
use kring_protocol::patients::PatientNetworkEntry;
use kring_protocol::{ChangeBody, EntityKind, Mutation, PersonEntry};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What a nurse enters (CARE-4): one kind, its values as typed, the moment measured.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct HomeMeasurementForm {
    pub patient_id: PatientId,
    pub kind: HomeMeasurementKind,
    /// As typed, one per quantity of the kind (blood pressure: systolic, diastolic).
    pub values: Vec<String>,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A home value with who measured it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordedValue {
    pub value: HomeValue,
    pub by: UserId,
}

impl KringClient {
    /// Record home measurements (CARE-4): refused here with the same codes as on the server when a
    /// value cannot be; needs the patient's care network (the practice shared the patient).
    pub async fn record_home_measurement(&self, form: HomeMeasurementForm) -> ClientResult<Uuid> {
        let texts: Vec<&str> = form.values.iter().map(String::as_str).collect();
        let values = check(form.kind, &texts, form.at, OffsetDateTime::now_utc())?;
        let network = self.network_of(form.patient_id)?.ok_or(ClientError::NotShared)?;
        let sealed = seal_to_network(&network, &values)?;
        let id = Uuid::now_v7();
        let signature = STANDARD_NO_PAD.encode(self.sign(&HomeMeasurementEntry::signed_bytes(id, form.patient_id, &sealed))?);
        self.submit_now(Mutation::RecordHomeMeasurement { id, patient_id: form.patient_id, sealed, signature }).await?;
        tracing::info!(patient_id = %form.patient_id, measurement_id = %id, "home measurement recorded");
        Ok(id)
    }

    /// Whether I can record home measurements and edit the health plan of the patient: the
    /// practice shared the patient (there is a network to seal to) and I see it.
    pub(crate) fn care_network_open(&self, patient_id: PatientId) -> bool {
        self.network_of(patient_id).is_ok_and(|network| network.is_some())
    }

    /// The patient's home measurements I can read, oldest first; an entry whose signature does not
    /// fit the caregiver it names is left out (and logged).
    pub(crate) fn home_values(&self, patient_id: PatientId) -> ClientResult<Vec<RecordedValue>> {
        let unpack = |body| match body {
            ChangeBody::HomeMeasurement(entry) => Some(entry),
            _ => None,
        };
        let Some((vault, entries)) = self.network_entries(patient_id, EntityKind::HomeMeasurement, unpack)? else {
            return Ok(Vec::new());
        };
        let people = self.people_by_id()?;
        let mut values = Vec::new();
        for entry in entries {
            let signed = HomeMeasurementEntry::signed_bytes(entry.id, entry.patient_id, &entry.sealed);
            if !signed_by(&people, entry.recorded_by, &signed, &entry.signature) {
                tracing::warn!(measurement_id = %entry.id, "a home measurement whose signature does not fit: left out");
                continue;
            }
            // One entry that does not open, or holds what no one can measure, is left out; the
            // rest of the card still shows.
            let opened: Vec<HomeValue> = match open_sealed(&vault, &entry.sealed) {
                Ok(opened) => opened,
                Err(error) => {
                    tracing::warn!(measurement_id = %entry.id, code = error.code(), "a home measurement that does not open: left out");
                    continue;
                }
            };
            let checked: Vec<HomeValue> =
                opened.iter().filter_map(|value| kring_domain::home_measurement::verified(value, entry.recorded_at)).collect();
            if checked.len() != opened.len() {
                tracing::warn!(measurement_id = %entry.id, "a home measurement with values no one can measure: left out");
                continue;
            }
            values.extend(checked.into_iter().map(|value| RecordedValue { value, by: entry.recorded_by }));
        }
        values.sort_by_key(|recorded| recorded.value.at);
        Ok(values)
    }

    /// The patient's network vault and the cached entries of `kind` about the patient; none while
    /// locked, without a care network or without entries.
    fn network_entries<T>(
        &self,
        patient_id: PatientId,
        kind: EntityKind,
        unpack: fn(ChangeBody) -> Option<T>,
    ) -> ClientResult<Option<(kring_crypto::Vault, Vec<T>)>> {
        let Some(network) = self.network_of(patient_id)? else { return Ok(None) };
        let entries: Vec<T> = self.inner.cache.children(kind, patient_id.0)?.into_iter().filter_map(unpack).collect();
        if entries.is_empty() || !self.is_unlocked() {
            return Ok(None);
        }
        Ok(Some((self.network_vault(&network)?, entries)))
    }

    /// The patient's care network as I may use it: the practice's (cached with its patients) or
    /// one shared with my organisation.
    fn network_of(&self, patient_id: PatientId) -> ClientResult<Option<PatientNetworkEntry>> {
        if let Some(network) = self.patient_network(patient_id)? {
            let mine = self.may(network.organisation_id, kring_domain::Action::ViewPatients)
                || self.networks_shared_with_me()?.iter().any(|shared| shared.patient_id == patient_id);
            return Ok(mine.then_some(network));
        }
        Ok(None)
    }
}

/// One item of the health plan as the plan shows it (CARE-2): the item now, who changed it last
/// and when, and every earlier change.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HealthPlanItemView {
    pub id: Uuid,
    pub item: HealthPlanItem,
    /// The version shown; saving sends the next one.
    pub version: u32,
    pub changes: Vec<HealthPlanChange>,
    /// The caregiver an action names, by name.
    pub responsible: Option<String>,
}

/// Who wrote a version, and when.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HealthPlanChange {
    pub number: u32,
    pub by: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl KringClient {
    /// The patient's health plan (CARE-2): problems, then goals, then actions, each in the order
    /// they were made. A version whose signature does not fit its author is skipped (the one
    /// before it shows).
    pub fn health_plan(&self, patient_id: PatientId) -> ClientResult<Vec<HealthPlanItemView>> {
        let unpack = |body| match body {
            ChangeBody::HealthPlanItem(entry) => Some(entry),
            _ => None,
        };
        let Some((vault, entries)) = self.network_entries(patient_id, EntityKind::HealthPlanItem, unpack)? else {
            return Ok(Vec::new());
        };
        let people = self.people_by_id()?;
        let name = |user: UserId| people.get(&user).map(PersonEntry::full_name).unwrap_or_else(|| "Onbekende collega".to_owned());
        let mut items = Vec::new();
        for entry in entries {
            // Only versions signed by whom they name count, in the history too; the numbers must
            // run 1, 2, … without a gap (a version dropped or slipped in shows).
            let genuine: Vec<&HealthPlanVersion> = entry
                .versions
                .iter()
                .filter(|version| {
                    let signed = HealthPlanVersion::signed_bytes(entry.id, entry.patient_id, version.number, &version.sealed);
                    signed_by(&people, version.by, &signed, &version.signature)
                })
                .collect();
            let in_order = entry.versions.iter().zip(1u32..).all(|(version, number)| version.number == number);
            let Some(version) = genuine.last().filter(|_| in_order) else {
                tracing::warn!(item_id = %entry.id, "a health plan item without versions in order signed by their authors: left out");
                continue;
            };
            let item: HealthPlanItem = match open_sealed(&vault, &version.sealed) {
                Ok(item) => item,
                Err(error) => {
                    tracing::warn!(item_id = %entry.id, code = error.code(), "a health plan item that does not open: left out");
                    continue;
                }
            };
            let responsible = item.responsible_caregiver().map(name);
            let changes = genuine
                .iter()
                .map(|version| HealthPlanChange { number: version.number, by: name(version.by), at: version.at })
                .collect();
            // The number a new version must carry is the next after the newest, genuine or not.
            let newest = entry.versions.last().map_or(0, |version| version.number);
            items.push((
                entry.versions.first().map(|v| v.at),
                HealthPlanItemView { id: entry.id, item, version: newest, changes, responsible },
            ));
        }
        let rank = |item: &HealthPlanItem| match item {
            HealthPlanItem::Problem { .. } => 0,
            HealthPlanItem::Goal { .. } => 1,
            HealthPlanItem::Action { .. } => 2,
        };
        items.sort_by(|(a_at, a), (b_at, b)| rank(&a.item).cmp(&rank(&b.item)).then(a_at.cmp(b_at)));
        Ok(items.into_iter().map(|(_, view)| view).collect())
    }

    /// Add an item (`id` none) or save a new version of one (CARE-2). `version` is the one the user
    /// edited: when someone saved another meanwhile, this is refused as changed meanwhile and the
    /// plan shows the newer one. An action is assigned to someone in the patient's care network.
    pub async fn save_health_plan_item(
        &self,
        patient_id: PatientId,
        id: Option<Uuid>,
        version: u32,
        item: HealthPlanItem,
    ) -> ClientResult<Uuid> {
        let item = item.checked()?;
        if let Some(caregiver) = item.responsible_caregiver() {
            // Someone who left the network since keeps an action assigned to them until it is
            // reassigned: its status can still change.
            let unchanged = id.is_some_and(|id| {
                self.health_plan(patient_id).is_ok_and(|plan| {
                    plan.iter().any(|view| view.id == id && view.item.responsible_caregiver() == Some(caregiver))
                })
            });
            let in_network = self.care_network(patient_id)?.iter().any(|member| member.user_id == caregiver);
            if !in_network && !unchanged {
                return Err(HealthPlanError::NotInNetwork.into());
            }
        }
        let network = self.network_of(patient_id)?.ok_or(ClientError::NotShared)?;
        let sealed = seal_to_network(&network, &item)?;
        let id = id.unwrap_or_else(Uuid::now_v7);
        let number = version + 1;
        let signature = STANDARD_NO_PAD.encode(self.sign(&HealthPlanVersion::signed_bytes(id, patient_id, number, &sealed))?);
        match self.submit_now(Mutation::SaveHealthPlanItem { id, patient_id, number, sealed, signature }).await {
            Ok(_) => Ok(id),
            Err(ClientError::Refused { code: kring_protocol::ErrorCode::InvalidRequest, .. }) if version > 0 => {
                // Most likely another version came first: say so when the plan shows one.
                self.sync_now().await?;
                let newer = self.health_plan(patient_id)?.iter().any(|view| view.id == id && view.version > version);
                if newer {
                    Err(HealthPlanError::ChangedMeanwhile.into())
                } else {
                    Err(ClientError::Refused { code: kring_protocol::ErrorCode::InvalidRequest, message: String::new() })
                }
            }
            Err(error) => Err(error),
        }
    }
}

/// Whether `signature` (base64) is `author`'s over `signed`, by the key the directory publishes.
fn signed_by(people: &std::collections::HashMap<UserId, PersonEntry>, author: UserId, signed: &[u8], signature: &str) -> bool {
    let key = people.get(&author).and_then(PersonEntry::signing_key);
    key.is_some_and(|key| decode(signature).is_ok_and(|signature| key.verify(signed, &signature).is_ok()))
}

/// JSON sealed to the patient's network vault (anyone may seal to its public key; the signature
/// says who did).
fn seal_to_network(network: &PatientNetworkEntry, value: &impl serde::Serialize) -> ClientResult<String> {
    let public = kring_crypto::EncryptionPublicKey::from_bytes(
        decode(&network.public_key)?.try_into().map_err(|_| ClientError::Protocol("network key".into()))?,
    );
    let json = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|e| ClientError::Internal(e.to_string()))?);
    Ok(STANDARD_NO_PAD.encode(public.seal(&json)?))
}
