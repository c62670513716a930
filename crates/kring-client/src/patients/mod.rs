//! Patients on the client (PAT-1, PAT-2, PAT-4, PAT-6).
//!
//! - **Import**: the HIS extraction is read here (kring-extraction), each patient's card and
//!   chart sealed to the practice vault and the BSN replaced by the vault's keyed hash, then sent
//!   as one request that the server applies in one transaction.
//! - **Overview and search**: names, birth dates and BSNs exist only sealed, so the search index
//!   is built in memory after unlock, from the cache, and dropped with the keys on lock.
//! - **Patient page**: card, chart (measurements as series for the trend charts), consent and a
//!   timeline; each opening is written to the access log (SEC-2).

use crate::error::{ClientError, ClientResult};
use crate::KringClient;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::{EncryptionPublicKey, Vault};
use kring_domain::patient::{consent_text, current_consent_text, Gender, Measurement};
use kring_domain::OrganisationKind;
use kring_domain::{AccessKind, Action, Bsn, ConsentGiver, OrganisationId, PatientCard, PatientChart, PatientId, UserId};
use kring_protocol::patients::{
    ConsentEntry, ImportRequest, NetworkKey, PatientEntry, PatientNetworkEntry, PatientSource, SealedPatient,
};
use kring_protocol::{ChangeBody, EntityKind, LaunchTarget, Mutation, PersonEntry, Seq};
use serde::Serialize;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

mod views;
pub use views::*;

/// What the search index is built from.
const INDEXED_KINDS: [EntityKind; 5] = [
    EntityKind::Patient,
    EntityKind::Consent,
    EntityKind::PatientNetwork,
    EntityKind::PatientShare,
    EntityKind::PatientDataAccess,
];

/// The search index: every readable patient's card, opened once after unlock. Lives inside the
/// secure session and goes with the keys when the lock closes.
pub(crate) struct PatientIndex {
    /// The newest seq of the entities it was built from (`INDEXED_KINDS`).
    seq: Seq,
    entries: Vec<IndexedPatient>,
}

/// The import report's two views of what was left out.
struct ImportSkips {
    counts: Vec<SkippedCount>,
    places: Vec<SkippedPlace>,
}

struct IndexedPatient {
    summary: PatientSummary,
    /// Lower-case name words, both date notations and the BSN, space-separated.
    haystack: String,
    /// `PatientCard::sort_key`: lists sort under the name without its prefix.
    sort_key: String,
}

impl KringClient {
    /// Import the practice's HIS extraction (PAT-1): read, seal to the practice vault, send as one
    /// transaction, then sync. Needs the open lock and the right to import. `progress` is called
    /// as it goes (from a worker thread while sealing).
    pub async fn import_extraction(
        &self,
        organisation_id: OrganisationId,
        bytes: Vec<u8>,
        progress: impl Fn(ImportProgress) + Send + Sync + 'static,
    ) -> ClientResult<ImportSummary> {
        if !self.may(organisation_id, Action::ImportHisExtraction) {
            return Err(ClientError::Refused { code: kring_protocol::ErrorCode::Forbidden, message: "import".into() });
        }
        let vault = match self.practice_vault(organisation_id) {
            // A GP's first import right after logging in: make the vault now rather than refuse.
            Err(ClientError::NoPatientDataAccess) => {
                self.sync_now().await?;
                self.maintain_practice_keys().await?;
                self.sync_now().await?;
                self.practice_vault(organisation_id)?
            }
            other => other?,
        };
        let progress = std::sync::Arc::new(progress);
        let report = progress.clone();
        report(ImportProgress { phase: ImportPhase::Reading, done: 0, total: 0 });
        let (request, measurements, skipped) = tokio::task::spawn_blocking(move || -> ClientResult<_> {
            let extraction = kring_extraction::read(&bytes)?;
            let total = extraction.patients.len();
            let measurements = extraction.measurement_count();
            let counts = extraction.skip_counts().into_iter().map(|(reason, count)| SkippedCount { reason, count }).collect();
            let places = extraction.skipped.iter().map(|s| SkippedPlace { reason: s.reason, place: s.place.clone() }).collect();
            let skipped = ImportSkips { counts, places };
            let mut patients = Vec::with_capacity(total);
            for (done, patient) in extraction.patients.into_iter().enumerate() {
                if done % 100 == 0 {
                    report(ImportProgress { phase: ImportPhase::Sealing, done, total });
                }
                patients.push(seal_patient(&vault, &patient.card, &patient.chart)?);
            }
            Ok((ImportRequest { organisation_id, patients }, measurements, skipped))
        })
        .await
        .map_err(|error| ClientError::Internal(error.to_string()))??;
        let total = request.patients.len();
        progress(ImportProgress { phase: ImportPhase::Sending, done: total, total });
        let outcome = self.inner.api.import_patients(&request).await?;
        progress(ImportProgress { phase: ImportPhase::Syncing, done: total, total });
        while self.inner.cache.cursor()? < outcome.seq {
            if self.sync_now().await? == 0 {
                break;
            }
        }
        // Open referrals carry the permitted part of the new chart (REF-2).
        progress(ImportProgress { phase: ImportPhase::Referrals, done: total, total });
        // The extraction is in; a referral that cannot be refreshed now is retried by the key
        // maintenance, and says so in the log.
        if let Err(error) = self.maintain_referrals().await {
            tracing::warn!(code = error.code(), "open referrals not refreshed after the import");
        }
        progress(ImportProgress { phase: ImportPhase::Done, done: total, total });
        tracing::info!(organisation_id = %organisation_id, created = outcome.created, updated = outcome.updated, "extraction imported");
        Ok(ImportSummary {
            created: outcome.created,
            updated: outcome.updated,
            measurements,
            skipped: skipped.counts,
            skipped_places: skipped.places,
        })
    }

    /// Search the patients this user can read (PAT-2): by name, birth date (`4-3-1950`,
    /// `04-03-1950` or `1950-03-04`) or BSN; every word must match, a BSN or a date exactly (see
    /// `search_terms`). An impossible date is `InvalidBirthDate`. An empty query lists all.
    /// Needs the open lock.
    pub fn search_patients(&self, query: &str, limit: usize) -> ClientResult<Vec<PatientSummary>> {
        let terms = crate::patient_search::search_terms(query)?;
        self.with_patient_index(|index| {
            let mut found: Vec<&IndexedPatient> = index
                .entries
                .iter()
                .filter(|entry| terms.iter().all(|term| term.matches(&entry.summary, &entry.haystack)))
                .collect();
            found.sort_by(|a, b| a.sort_key.cmp(&b.sort_key).then(a.summary.birth_date.cmp(&b.summary.birth_date)));
            Ok(found.into_iter().take(limit).map(|entry| entry.summary.clone()).collect())
        })
    }

    /// The names of those of `patients` this user can read, for the access log (issue 13: a GP
    /// must see who was viewed). Empty while the lock is closed: names need the open index.
    pub fn patient_names(&self, patients: &[PatientId]) -> ClientResult<Vec<(PatientId, String)>> {
        if !self.is_unlocked() {
            return Ok(Vec::new());
        }
        self.with_patient_index(|index| {
            Ok(index
                .entries
                .iter()
                .filter(|entry| patients.contains(&entry.summary.id))
                .map(|entry| (entry.summary.id, entry.summary.name.clone()))
                .collect())
        })
    }

    /// One patient's overview line from the index (a conversation's subject), if I see them.
    pub(crate) fn patient_summary(&self, patient_id: PatientId) -> ClientResult<Option<PatientSummary>> {
        self.with_patient_index(|index| {
            Ok(index.entries.iter().find(|entry| entry.summary.id == patient_id).map(|entry| entry.summary.clone()))
        })
    }

    /// How many patients the index holds (for "2.500 patiënten").
    pub fn patient_count(&self) -> ClientResult<usize> {
        self.with_patient_index(|index| Ok(index.entries.len()))
    }

    /// Open a patient's page (PAT-2), logged in the access log (SEC-2). Needs the open lock.
    pub async fn open_patient(&self, patient_id: PatientId) -> ClientResult<PatientView> {
        let view = self.patient_view(patient_id)?;
        self.record_access(view.summary.organisation_id, patient_id, AccessKind::PatientCard).await?;
        tracing::info!(%patient_id, "patient opened");
        Ok(view)
    }

    fn patient_view(&self, patient_id: PatientId) -> ClientResult<PatientView> {
        let entry = match self.patient_entry(patient_id) {
            Ok(entry) => entry,
            Err(ClientError::NotSynced) => return self.network_view(patient_id),
            Err(error) => return Err(error),
        };
        let vault = self.practice_vault(entry.organisation_id)?;
        let card: PatientCard = open_sealed(&vault, &entry.card)?;
        let mut chart: PatientChart = open_sealed(&vault, &entry.chart)?;
        // Use whose period ended (MP9's effectivePeriod.end) is stopped by now, whatever the
        // status said when the HIS wrote it.
        let today = OffsetDateTime::now_utc().date();
        for medication in &mut chart.medication {
            medication.active = medication.active && medication.until.is_none_or(|until| until >= today);
        }
        let mut history = vec![TimelineEvent {
            date: entry.created_at.date(),
            kind: match entry.source {
                PatientSource::Extraction => TimelineKind::AddedFromExtraction,
                PatientSource::HisLaunch => TimelineKind::AddedFromHis,
            },
            detail: String::new(),
        }];
        if entry.updated_at > entry.created_at {
            history.push(TimelineEvent {
                date: entry.updated_at.date(),
                kind: TimelineKind::ExtractionUpdated,
                detail: String::new(),
            });
        }
        let actions = [Action::StartConsultation, Action::ReferPatient, Action::ReadConversations, Action::RecordConsent]
            .into_iter()
            .filter(|action| self.may(entry.organisation_id, *action))
            .collect();
        let sharing = if self.may(entry.organisation_id, Action::SharePatient) { Some(self.sharing(&entry)?) } else { None };
        let mut view = self.page(entry.id, entry.organisation_id, card, chart, history, actions)?;
        view.source = entry.source;
        view.sharing = sharing;
        Ok(view)
    }

    /// The patient's card as I may read it: through the practice vault, or through the care
    /// network the practice shared with my organisation.
    pub(crate) fn patient_card(&self, patient_id: PatientId) -> ClientResult<PatientCard> {
        match self.patient_entry(patient_id) {
            Ok(entry) => open_sealed(&self.practice_vault(entry.organisation_id)?, &entry.card),
            Err(ClientError::NotSynced) => {
                let network = self.networks_shared_with_me()?.into_iter().find(|n| n.patient_id == patient_id);
                self.network_card(&network.ok_or(ClientError::NotSynced)?)
            }
            Err(error) => Err(error),
        }
    }

    /// The page of a patient a practice shared with my organisation (PAT-5): the card and the
    /// consent records; the chart stays with the practice. A caregiver there records consent too
    /// (the home-care nurse, PAT-6).
    fn network_view(&self, patient_id: PatientId) -> ClientResult<PatientView> {
        let network = self
            .networks_shared_with_me()?
            .into_iter()
            .find(|network| network.patient_id == patient_id)
            .ok_or(ClientError::NotSynced)?;
        let card = self.network_card(&network)?;
        let actions = [Action::ReadConversations, Action::RecordConsent]
            .into_iter()
            .filter(|action| self.inner.me.contracts.iter().any(|contract| contract.role.permits(*action)))
            .collect();
        let mut view = self.page(patient_id, network.organisation_id, card, PatientChart::default(), Vec::new(), actions)?;
        view.summary.via_network = true;
        Ok(view)
    }

    /// What both views share: the card, the chart with its series, the consents and the timeline
    /// (newest first) built from `history`, consents, measurements and medication.
    fn page(
        &self,
        patient_id: PatientId,
        organisation_id: OrganisationId,
        card: PatientCard,
        chart: PatientChart,
        mut timeline: Vec<TimelineEvent>,
        actions: Vec<Action>,
    ) -> ClientResult<PatientView> {
        let consents = self.consents_of(patient_id)?;
        let names = self.names()?;
        let name_of = |user: UserId| names.get(&user).cloned().unwrap_or_else(|| "Onbekende collega".to_owned());
        for consent in &consents {
            timeline.push(TimelineEvent {
                date: consent.recorded_at.date(),
                kind: TimelineKind::ConsentGiven,
                detail: name_of(consent.recorded_by),
            });
            if let Some(withdrawal) = &consent.withdrawn {
                timeline.push(TimelineEvent {
                    date: withdrawal.at.date(),
                    kind: TimelineKind::ConsentWithdrawn,
                    detail: name_of(withdrawal.by),
                });
            }
        }
        timeline.extend(self.referral_timeline(patient_id)?);
        for measurement in &chart.measurements {
            let value = format!("{}: {} {}", measurement.label, format_value(measurement.value), measurement.unit);
            timeline.push(TimelineEvent {
                date: measurement.date,
                kind: TimelineKind::Measurement,
                detail: value.trim_end().to_owned(),
            });
        }
        for medication in &chart.medication {
            if let Some(since) = medication.since {
                timeline.push(TimelineEvent {
                    date: since,
                    kind: TimelineKind::MedicationStarted,
                    detail: medication.name.clone(),
                });
            }
        }
        let home = self.home_values(patient_id)?;
        for recorded in &home {
            let value = &recorded.value;
            timeline.push(TimelineEvent {
                date: kring_domain::business_time::dutch_time(value.at).date(),
                kind: TimelineKind::HomeMeasurement,
                detail: format!("{}: {} {} ({})", value.label, format_value(value.value), value.unit, name_of(recorded.by)),
            });
        }
        timeline.sort_by_key(|event| std::cmp::Reverse(event.date));
        let current = current_consent_text();
        Ok(PatientView {
            summary: summary(patient_id, organisation_id, &card, ConsentEntry::current(&consents).is_some()),
            formal_name: card.formal_name(),
            call_name: card.name.call_name.clone(),
            address: card.address.clone(),
            phone: card.phone.clone(),
            source: PatientSource::Extraction,
            series: series_with_home(&chart.measurements, &home),
            chart,
            consents: consents
                .iter()
                .rev()
                .map(|consent| ConsentView {
                    id: consent.id,
                    given_by: consent.given_by,
                    text: consent_text(&consent.text_version)
                        .map(|text| ConsentTextView { version: text.version.into(), text: text.text.into() })
                        .unwrap_or_else(|| ConsentTextView { version: consent.text_version.clone(), text: String::new() }),
                    recorded_by: name_of(consent.recorded_by),
                    recorded_at: consent.recorded_at,
                    withdrawn_by: consent.withdrawn.as_ref().map(|w| name_of(w.by)),
                    withdrawn_at: consent.withdrawn.as_ref().map(|w| w.at),
                })
                .collect(),
            consent_text: ConsentTextView { version: current.version.into(), text: current.text.into() },
            timeline,
            actions,
            sharing: None,
            care_network_open: self.care_network_open(patient_id),
        })
    }

    /// Make the patient visible to a partner organisation, or stop it (PAT-5). The practice's
    /// key holder seals the current card to the patient's network vault (made on the first
    /// share) and wraps that vault's key for every caregiver of the shared organisations who has
    /// keys. Sharing needs the patient's consent (PAT-6).
    pub async fn share_patient(&self, patient_id: PatientId, organisation_id: OrganisationId, shared: bool) -> ClientResult<()> {
        let entry = self.patient_entry(patient_id)?;
        let practice = entry.organisation_id;
        if !self.may(practice, Action::SharePatient) {
            return Err(ClientError::Refused { code: kring_protocol::ErrorCode::Forbidden, message: "share".into() });
        }
        if shared && ConsentEntry::current(&self.consents_of(patient_id)?).is_none() {
            return Err(ClientError::ConsentRequired);
        }
        let practice_vault = self.practice_vault(practice)?;
        let card: PatientCard = open_sealed(&practice_vault, &entry.card)?;
        let previous = self.patient_network(patient_id)?;
        let network_vault = match &previous {
            Some(previous) => practice_vault.unwrap_vault(&decode(&previous.practice_key)?).map_err(|_| ClientError::KeysLost)?,
            None => Vault::generate(),
        };
        let mut shared_with: Vec<OrganisationId> = previous.as_ref().map(|p| p.shared_with.clone()).unwrap_or_default();
        shared_with.retain(|org| *org != organisation_id);
        if shared {
            shared_with.push(organisation_id);
        }
        let members = self.network_members(&network_vault, &shared_with)?;
        let network = PatientNetworkEntry {
            patient_id,
            organisation_id: practice,
            public_key: STANDARD_NO_PAD.encode(network_vault.public().as_bytes()),
            card: seal_json(&network_vault, &card)?,
            practice_key: STANDARD_NO_PAD.encode(network_vault.wrap_for(&practice_vault.public())?),
            shared_with,
            members,
        };
        self.submit_now(Mutation::SetPatientNetwork(network)).await?;
        tracing::info!(%patient_id, %organisation_id, shared, "patient network changed");
        Ok(())
    }

    /// The network key wrapped for each caregiver (a role that sees patients) of `organisations`
    /// who has published keys.
    fn network_members(&self, vault: &Vault, organisations: &[OrganisationId]) -> ClientResult<Vec<NetworkKey>> {
        self.caregivers_of(organisations)?
            .into_iter()
            .map(|(user_id, key)| {
                let wrapped = vault.wrap_for(&key)?;
                Ok(NetworkKey { user_id, wrapped_key: STANDARD_NO_PAD.encode(wrapped) })
            })
            .collect()
    }

    /// The active caregivers (a role that sees patients) of `organisations` who have published
    /// keys, with their public encryption key.
    pub(crate) fn caregivers_of(&self, organisations: &[OrganisationId]) -> ClientResult<Vec<(UserId, EncryptionPublicKey)>> {
        let people = self.people()?;
        let mut caregivers: Vec<(UserId, EncryptionPublicKey)> = Vec::new();
        for contract in self.contracts()? {
            if !organisations.contains(&contract.organisation_id)
                || !contract.role.permits(Action::ViewPatients)
                || caregivers.iter().any(|(user, _)| *user == contract.user_id)
            {
                continue;
            }
            let key =
                people.iter().find(|person| person.id == contract.user_id && person.active).and_then(PersonEntry::encryption_key);
            if let Some(key) = key {
                caregivers.push((contract.user_id, key));
            }
        }
        Ok(caregivers)
    }

    /// Give the network key to partner caregivers who joined (or got keys) after the patient was
    /// shared, as far as this user can: a practice key holder who may share, with the open lock.
    /// Returns how many networks it updated. Runs with the practice-key maintenance.
    pub async fn maintain_network_keys(&self) -> ClientResult<usize> {
        if !self.is_unlocked() {
            return Ok(0);
        }
        let mut updated = 0;
        let networks = crate::directory::cached(&self.inner.cache, EntityKind::PatientNetwork, |body| match body {
            ChangeBody::PatientNetwork(network) => Some(network),
            _ => None,
        })?;
        for network in networks {
            if network.shared_with.is_empty() || !self.may(network.organisation_id, Action::SharePatient) {
                continue;
            }
            let missing: Vec<(UserId, EncryptionPublicKey)> = self
                .caregivers_of(&network.shared_with)?
                .into_iter()
                .filter(|(user, _)| !network.members.iter().any(|member| member.user_id == *user))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let Ok(practice_vault) = self.practice_vault(network.organisation_id) else { continue };
            let vault = practice_vault.unwrap_vault(&decode(&network.practice_key)?).map_err(|_| ClientError::KeysLost)?;
            let mut members = network.members.clone();
            for (user_id, key) in missing {
                let wrapped = vault.wrap_for(&key)?;
                members.push(NetworkKey { user_id, wrapped_key: STANDARD_NO_PAD.encode(wrapped) });
            }
            let patient_id = network.patient_id;
            self.submit(Mutation::SetPatientNetwork(PatientNetworkEntry { members, ..network })).await?;
            tracing::info!(%patient_id, "gave the network key to partner caregivers who joined later");
            updated += 1;
        }
        if updated > 0 {
            // So the next round sees the new members and does not wrap again.
            self.sync_now().await?;
        }
        Ok(updated)
    }

    fn sharing(&self, entry: &PatientEntry) -> ClientResult<Sharing> {
        let shared_with = self.patient_network(entry.id)?.map(|network| network.shared_with).unwrap_or_default();
        let organisations = crate::directory::cached(&self.inner.cache, EntityKind::Organisation, |body| match body {
            ChangeBody::Organisation(organisation) => Some(organisation),
            _ => None,
        })?;
        let mut partners: Vec<Partner> = organisations
            .into_iter()
            .filter(|organisation| {
                organisation.id != entry.organisation_id
                    && matches!(
                        organisation.kind,
                        OrganisationKind::HomeCare | OrganisationKind::GgzProvider | OrganisationKind::NeighbourhoodTeam
                    )
            })
            .map(|organisation| Partner {
                shared: shared_with.contains(&organisation.id),
                organisation_id: organisation.id,
                name: organisation.name,
                city: organisation.city,
            })
            .collect();
        partners.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Sharing { partners })
    }

    /// The patient's care network as the cache has it (who it is shared with).
    pub fn patient_network(&self, patient_id: PatientId) -> ClientResult<Option<PatientNetworkEntry>> {
        Ok(match self.inner.cache.entity(EntityKind::PatientNetwork, patient_id.0)? {
            Some(ChangeBody::PatientNetwork(network)) => Some(network),
            _ => None,
        })
    }

    /// The networks of patients shared with one of my organisations, as long as the share is
    /// active (an ended share stops the feed, so the cached network stays behind: the share says).
    pub(crate) fn networks_shared_with_me(&self) -> ClientResult<Vec<PatientNetworkEntry>> {
        let mine: Vec<OrganisationId> = self.inner.me.contracts.iter().map(|contract| contract.organisation_id).collect();
        let active: std::collections::HashSet<PatientId> =
            crate::directory::cached(&self.inner.cache, EntityKind::PatientShare, |body| match body {
                ChangeBody::PatientShare(share) => Some(share),
                _ => None,
            })?
            .into_iter()
            .filter(|share| share.active && mine.contains(&share.organisation_id))
            .map(|share| share.patient_id)
            .collect();
        let me = self.inner.me.user_id;
        Ok(crate::directory::cached(&self.inner.cache, EntityKind::PatientNetwork, |body| match body {
            ChangeBody::PatientNetwork(network) => Some(network),
            _ => None,
        })?
        .into_iter()
        .filter(|network| active.contains(&network.patient_id) && network.members.iter().any(|member| member.user_id == me))
        .collect())
    }

    fn network_card(&self, network: &PatientNetworkEntry) -> ClientResult<PatientCard> {
        open_sealed(&self.network_vault(network)?, &network.card)
    }

    /// The patient's network vault: through my own wrapped key (a partner caregiver) or through
    /// the practice vault (the practice).
    pub(crate) fn network_vault(&self, network: &PatientNetworkEntry) -> ClientResult<Vault> {
        let me = self.inner.me.user_id;
        match network.members.iter().find(|member| member.user_id == me) {
            Some(wrapped) => self.open_vault(&decode(&wrapped.wrapped_key)?),
            None => self
                .practice_vault(network.organisation_id)?
                .unwrap_vault(&decode(&network.practice_key)?)
                .map_err(|_| ClientError::KeysLost),
        }
    }

    /// Record the patient's consent for digital network care under the current text (PAT-6).
    pub async fn record_consent(&self, patient_id: PatientId, given_by: ConsentGiver) -> ClientResult<Uuid> {
        let text_version = current_consent_text().version.to_owned();
        self.submit_now(Mutation::RecordConsent { consent_id: Uuid::now_v7(), patient_id, given_by, text_version }).await
    }

    /// Record that the patient withdrew their consent (PAT-6).
    pub async fn withdraw_consent(&self, consent_id: Uuid) -> ClientResult<Uuid> {
        self.submit_now(Mutation::WithdrawConsent { consent_id }).await
    }

    /// The patient a HIS launch names (PAT-3, PAT-4): found by the BSN's keyed hash, added at once
    /// when the HIS sent a birth date, otherwise the app asks for it. Needs the open lock.
    pub async fn open_launch(&self, target: &LaunchTarget) -> ClientResult<LaunchOpening> {
        self.sync_now().await?;
        if let Some(patient_id) = self.find_patient(target.organisation_id, &target.bsn)? {
            return Ok(LaunchOpening::Open { patient_id });
        }
        match target.birth_date {
            Some(birth_date) => Ok(LaunchOpening::Open { patient_id: self.add_launched_patient(target, birth_date).await? }),
            None => Ok(LaunchOpening::AskBirthDate),
        }
    }

    /// Add the launched patient with the birth date the user gave (PAT-4); next time the launch
    /// finds them directly.
    pub async fn add_launched_patient(&self, target: &LaunchTarget, birth_date: Date) -> ClientResult<PatientId> {
        let today = OffsetDateTime::now_utc().date();
        if birth_date > today || birth_date.year() < 1890 {
            return Err(ClientError::InvalidBirthDate);
        }
        let vault = self.practice_vault(target.organisation_id)?;
        let card = PatientCard {
            bsn: target.bsn.clone(),
            family_name: String::new(),
            given_names: String::new(),
            birth_date,
            gender: Gender::Unknown,
            address: None,
            phone: None,
            programmes: Vec::new(),
            name: Default::default(),
        };
        let patient = seal_patient(&vault, &card, &PatientChart::default())?;
        let patient_id = PatientId::new();
        self.submit_now(Mutation::CreatePatient { organisation_id: target.organisation_id, patient_id, patient }).await?;
        tracing::info!(%patient_id, "patient added from a HIS launch");
        Ok(patient_id)
    }

    fn find_patient(&self, organisation_id: OrganisationId, bsn: &Bsn) -> ClientResult<Option<PatientId>> {
        let vault = self.practice_vault(organisation_id)?;
        let hash = STANDARD_NO_PAD.encode(vault.lookup_hash(bsn.expose().as_bytes())?);
        Ok(self
            .patient_entries()?
            .into_iter()
            .find(|entry| entry.organisation_id == organisation_id && entry.bsn_hash == hash)
            .map(|entry| entry.id))
    }

    pub(crate) fn may(&self, organisation_id: OrganisationId, action: Action) -> bool {
        self.inner.me.contracts.iter().any(|c| c.organisation_id == organisation_id && c.role.permits(action))
    }

    pub(crate) fn patient_entry(&self, patient_id: PatientId) -> ClientResult<PatientEntry> {
        match self.inner.cache.entity(EntityKind::Patient, patient_id.0)? {
            Some(ChangeBody::Patient(entry)) => Ok(entry),
            _ => Err(ClientError::NotSynced),
        }
    }

    fn patient_entries(&self) -> ClientResult<Vec<PatientEntry>> {
        crate::directory::cached(&self.inner.cache, EntityKind::Patient, |body| match body {
            ChangeBody::Patient(entry) => Some(entry),
            _ => None,
        })
    }

    pub(crate) fn consents_of(&self, patient_id: PatientId) -> ClientResult<Vec<ConsentEntry>> {
        let mut consents = crate::directory::cached(&self.inner.cache, EntityKind::Consent, |body| match body {
            ChangeBody::Consent(entry) => Some(entry),
            _ => None,
        })?;
        consents.retain(|consent| consent.patient_id == patient_id);
        consents.sort_by_key(|consent| consent.recorded_at);
        Ok(consents)
    }

    pub(crate) fn names(&self) -> ClientResult<HashMap<UserId, String>> {
        Ok(self.people()?.into_iter().map(|person| (person.id, person.full_name())).collect())
    }

    /// Run `f` on an index that is current with the cache, building it first when needed.
    fn with_patient_index<T>(&self, f: impl FnOnce(&PatientIndex) -> ClientResult<T>) -> ClientResult<T> {
        // Rebuilt only when patients, consents or shares changed, not for every directory change.
        let seq = self.inner.cache.latest_seq_of(&INDEXED_KINDS)?;
        let fresh = self.inner.session.with_patient_index(|index| index.filter(|index| index.seq == seq).map(|_| ()))?;
        if fresh.is_none() {
            let index = self.build_patient_index(seq)?;
            self.inner.session.set_patient_index(index)?;
        }
        self.inner.session.with_patient_index(|index| match index {
            Some(index) => f(index),
            None => Err(ClientError::Locked),
        })?
    }

    fn build_patient_index(&self, seq: Seq) -> ClientResult<PatientIndex> {
        let started = std::time::Instant::now();
        let consents = crate::directory::cached(&self.inner.cache, EntityKind::Consent, |body| match body {
            ChangeBody::Consent(entry) => Some(entry),
            _ => None,
        })?;
        let mut by_patient: HashMap<PatientId, Vec<ConsentEntry>> = HashMap::new();
        for consent in consents {
            by_patient.entry(consent.patient_id).or_default().push(consent);
        }
        let mut vaults: HashMap<OrganisationId, Option<Vault>> = HashMap::new();
        let mut entries = Vec::new();
        for entry in self.patient_entries()? {
            let vault = vaults.entry(entry.organisation_id).or_insert_with(|| self.practice_vault(entry.organisation_id).ok());
            let Some(vault) = vault else { continue };
            let card: PatientCard = match open_sealed(vault, &entry.card) {
                Ok(card) => card,
                Err(error) => {
                    tracing::warn!(patient_id = %entry.id, code = error.code(), "a patient card does not open");
                    continue;
                }
            };
            let has_consent = by_patient.get(&entry.id).is_some_and(|list| ConsentEntry::current(list).is_some());
            let summary = summary(entry.id, entry.organisation_id, &card, has_consent);
            entries.push(IndexedPatient { haystack: haystack(&card), sort_key: card.sort_key(), summary });
        }
        // Patients a practice shared with one of my organisations (PAT-5), read with my network key.
        let known: std::collections::HashSet<PatientId> = entries.iter().map(|entry| entry.summary.id).collect();
        for network in self.networks_shared_with_me()? {
            if known.contains(&network.patient_id) {
                continue;
            }
            match self.network_card(&network) {
                Ok(card) => {
                    let has_consent =
                        by_patient.get(&network.patient_id).is_some_and(|list| ConsentEntry::current(list).is_some());
                    let summary = PatientSummary {
                        via_network: true,
                        ..summary(network.patient_id, network.organisation_id, &card, has_consent)
                    };
                    entries.push(IndexedPatient { haystack: haystack(&card), sort_key: card.sort_key(), summary });
                }
                Err(error) => {
                    tracing::info!(patient_id = %network.patient_id, code = error.code(), "a shared patient does not open")
                }
            }
        }
        tracing::debug!(patients = entries.len(), ms = started.elapsed().as_millis() as u64, "patient index built");
        Ok(PatientIndex { seq, entries })
    }
}

fn summary(id: PatientId, organisation_id: OrganisationId, card: &PatientCard, has_consent: bool) -> PatientSummary {
    PatientSummary {
        id,
        organisation_id,
        name: if card.family_name.is_empty() { String::new() } else { card.display_name() },
        birth_date: card.birth_date,
        gender: card.gender,
        bsn: card.bsn.expose().to_owned(),
        programmes: card.programmes.clone(),
        has_consent,
        via_network: false,
    }
}

/// Seal one patient to the practice vault, with the BSN's keyed hash for look-up.
fn seal_patient(vault: &Vault, card: &PatientCard, chart: &PatientChart) -> ClientResult<SealedPatient> {
    Ok(SealedPatient {
        bsn_hash: STANDARD_NO_PAD.encode(vault.lookup_hash(card.bsn.expose().as_bytes())?),
        card: seal_json(vault, card)?,
        chart: seal_json(vault, chart)?,
    })
}

pub(crate) fn seal_json(vault: &Vault, value: &impl Serialize) -> ClientResult<String> {
    let json = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|error| ClientError::Internal(error.to_string()))?);
    Ok(STANDARD_NO_PAD.encode(vault.public().seal(&json)?))
}

pub(crate) fn decode(text: &str) -> ClientResult<Vec<u8>> {
    STANDARD_NO_PAD.decode(text).map_err(|_| ClientError::Protocol("a key is not base64".into()))
}

pub(crate) fn open_sealed<T: serde::de::DeserializeOwned>(vault: &Vault, sealed: &str) -> ClientResult<T> {
    let bytes = STANDARD_NO_PAD.decode(sealed).map_err(|_| ClientError::Protocol("sealed patient data is not base64".into()))?;
    let plain = vault.open(&bytes).map_err(|_| ClientError::KeysLost)?;
    serde_json::from_slice(&plain).map_err(|_| ClientError::Protocol("sealed patient data".into()))
}

/// Lower case, accents off (é -> e, ë -> e), punctuation to spaces.
pub(crate) fn normalise(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ç' => 'c',
            ',' | ';' | '/' | '(' | ')' => ' ',
            other => other,
        })
        .collect()
}

fn haystack(card: &PatientCard) -> String {
    let date = card.birth_date;
    let (day, month, year) = (date.day(), u8::from(date.month()), date.year());
    normalise(&format!(
        "{} {} {year:04}-{month:02}-{day:02} {day:02}-{month:02}-{year:04} {day}-{month}-{year} {}",
        card.family_name,
        card.given_names,
        card.bsn.expose()
    ))
}

pub(crate) fn series(measurements: &[Measurement]) -> Vec<MeasurementSeries> {
    series_from(measurements.iter().map(|measurement| (measurement, MeasurementSource::His)))
}

/// The practice's measurements and those taken at home (CARE-4) in one chart per kind, each point
/// labelled by its source.
pub(crate) fn series_with_home(measurements: &[Measurement], home: &[crate::care::RecordedValue]) -> Vec<MeasurementSeries> {
    let home: Vec<Measurement> = home
        .iter()
        .map(|recorded| Measurement {
            code: recorded.value.code.clone(),
            label: recorded.value.label.clone(),
            value: recorded.value.value,
            unit: recorded.value.unit.clone(),
            date: kring_domain::business_time::dutch_time(recorded.value.at).date(),
        })
        .collect();
    series_from(
        measurements
            .iter()
            .map(|measurement| (measurement, MeasurementSource::His))
            .chain(home.iter().map(|measurement| (measurement, MeasurementSource::Home))),
    )
}

fn series_from<'a>(measurements: impl Iterator<Item = (&'a Measurement, MeasurementSource)>) -> Vec<MeasurementSeries> {
    let mut series: Vec<MeasurementSeries> = Vec::new();
    for (measurement, source) in measurements {
        let target = kring_domain::targets::default_target(&measurement.code, &measurement.unit);
        let out_of_range = target.is_some_and(|band| band.excludes(measurement.value));
        let point = SeriesPoint { date: measurement.date, value: measurement.value, out_of_range, source };
        match series.iter_mut().find(|s| s.code == measurement.code && s.unit == measurement.unit) {
            Some(existing) => existing.points.push(point),
            None => series.push(MeasurementSeries {
                code: measurement.code.clone(),
                label: measurement.label.clone(),
                unit: measurement.unit.clone(),
                points: vec![point],
                target,
            }),
        }
    }
    for one in &mut series {
        one.points.sort_by_key(|point| point.date);
    }
    series.sort_by(|a, b| a.label.cmp(&b.label));
    series
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}").replace('.', ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pat_2_the_haystack_finds_names_without_accents_and_dates_in_every_notation() {
        let card = PatientCard {
            bsn: Bsn::parse("999911120").unwrap(),
            family_name: "Çelik-de Boër".into(),
            given_names: "Zoë".into(),
            birth_date: time::macros::date!(1950 - 03 - 04),
            gender: Gender::Female,
            address: None,
            phone: None,
            programmes: vec![],
            name: Default::default(),
        };
        let hay = haystack(&card);
        for query in ["celik", "boer", "zoe", "1950-03-04", "04-03-1950", "4-3-1950", "999911120", "Çelik"] {
            assert!(normalise(query).split_whitespace().all(|word| hay.contains(word)), "{query}");
        }
        assert!(!hay.contains("1951"));
    }

    #[test]
    fn pat_2_measurements_become_one_sorted_series_per_kind() {
        let m = |code: &str, day: u8, value: f64| Measurement {
            code: code.into(),
            label: code.into(),
            value,
            unit: "mmHg".into(),
            date: time::Date::from_calendar_date(2026, time::Month::January, day).unwrap(),
        };
        let series = series(&[m("b", 9, 140.0), m("a", 3, 80.0), m("b", 2, 150.0)]);
        assert_eq!(series.len(), 2);
        assert_eq!(series[1].points.iter().map(|p| p.value).collect::<Vec<_>>(), vec![150.0, 140.0]);
        assert_eq!(format_value(53.5), "53,5");
        assert_eq!(format_value(142.0), "142");
    }
}
