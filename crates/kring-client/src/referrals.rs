//! Referrals on the client (REF-1 … REF-4, NET-2).
//!
//! The practice's client makes each referral: it opens the patient's card and chart, keeps
//! exactly the categories the region's authorisation matrix allows for the receiving kind of
//! organisation ([`SharedChart::permitted`]), seals that with the reason to a new referral vault,
//! and wraps the vault's key for the referrer, each receiving caregiver (or the team's) and the
//! practice vault. The receiving organisation must see the patient, so the referral first shares
//! the patient with it (PAT-5, which needs the patient's consent). Feedback, attachments and the
//! GGZ letter travel in the referral's conversation. A new HIS extraction refreshes the content
//! of every open referral ([`KringClient::maintain_referrals`]).

use crate::conversations::NewAttachment;
use crate::error::{ClientError, ClientResult};
use crate::patients::{decode, open_sealed, seal_json, series, MeasurementSeries};
use crate::KringClient;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::Vault;
use kring_domain::patient::{Gender, Medication};
use kring_domain::referral::{
    check_reason, check_text, AuthorisationMatrix, DataCategory, ReferralContent, ReferralError, ReferralStatus, ReferralStep,
    SharedChart, SuspectedDisorder,
};
use kring_domain::referral_letter::{LetterInput, LetterParty, ReferralLetter};
use kring_domain::{
    AccessKind, Action, CareProgramme, OrganisationId, OrganisationKind, PatientCard, PatientChart, PatientId, Role, TeamId,
    UserId,
};
use kring_protocol::patients::{ConsentEntry, NetworkKey};
use kring_protocol::referrals::{MatrixEntry, MatrixRequestEntry, NewReferral, ReferralEntry};
use kring_protocol::{ChangeBody, EntityKind, Mutation, PersonEntry};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Where a referral can go from this patient's Acties page, and what the form needs.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReferralOptions {
    pub targets: Vec<ReferralTarget>,
    /// The GPs of the practice, for a POH-GGZ referring on their behalf (REF-4).
    pub gps: Vec<PersonOption>,
    /// I am the practice's POH-GGZ: a GGZ referral names the GP it is on behalf of.
    pub on_behalf_required: bool,
    /// The phone number the extraction has (REF-4 asks it when there is none).
    pub phone: Option<String>,
    pub has_consent: bool,
    pub matrix_version: u32,
    /// The main categories of a suspected disorder with their explanation (REF-4).
    pub disorders: Vec<DisorderOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DisorderOption {
    pub disorder: SuspectedDisorder,
    pub name: String,
    pub explanation: String,
}

/// A receiving organisation the matrix has a row for, with the data that would go along.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReferralTarget {
    pub organisation_id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub city: String,
    pub teams: Vec<TeamOption>,
    pub categories: Vec<DataCategory>,
    /// How many caregivers there would receive it (with keys).
    pub receivers: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TeamOption {
    pub team_id: TeamId,
    pub name: String,
    /// How many caregivers of the team would receive a referral to it.
    pub receivers: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PersonOption {
    pub user_id: UserId,
    pub name: String,
}

/// The referral form (REF-1, REF-4).
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct ReferralForm {
    pub patient_id: PatientId,
    pub organisation_id: OrganisationId,
    pub team_id: Option<TeamId>,
    pub reason: String,
    pub suspected_disorder: Option<SuspectedDisorder>,
    pub remarks: String,
    /// Asked when the extraction has none (REF-4); otherwise the extraction's goes along.
    pub phone: Option<String>,
    pub on_behalf_of: Option<UserId>,
}

/// Which side of a referral I am on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ReferralDirection {
    /// My practice referred.
    Sent,
    /// My organisation receives.
    Received,
}

/// A referral in a list (the inbox's V tab, the patient's timeline).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReferralSummary {
    pub id: Uuid,
    pub patient_id: PatientId,
    /// `None` while the lock is closed or when the referral's key is not mine.
    pub patient_name: Option<String>,
    pub direction: ReferralDirection,
    pub practice: String,
    pub to_organisation: String,
    pub to_team: Option<String>,
    pub referred_by: String,
    pub taken_by: Option<String>,
    pub status: ReferralStatus,
    pub ggz: bool,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    /// Unread messages in the referral's conversation (the cloud).
    pub unread: usize,
    pub conversation_id: kring_domain::ConversationId,
}

/// A referral opened: what the receiver reads and the practice sees it sent.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReferralView {
    pub summary: ReferralSummary,
    pub patient: ReferralPatient,
    pub reason: String,
    pub suspected_disorder: Option<SuspectedDisorder>,
    pub remarks: String,
    pub phone: Option<String>,
    pub on_behalf_of: Option<String>,
    pub categories: Vec<DataCategory>,
    pub series: Vec<MeasurementSeries>,
    pub medication: Vec<Medication>,
    pub programmes: Vec<CareProgramme>,
    /// The content held more than the matrix allows; the surplus was dropped and not shown.
    pub trimmed: bool,
    pub history: Vec<ReferralEventView>,
    pub actions: Vec<ReferralAction>,
    /// Colleagues of the receiving organisation one can add to the care network after taking it.
    pub colleagues: Vec<PersonOption>,
    /// The GGZ referral letter (REF-4) as sent; its PDF is [`LETTER_FILE`] in the conversation.
    pub letter: Option<ReferralLetter>,
    /// Where that PDF is: the message and attachment to save or open it by.
    pub letter_file: Option<LetterFile>,
    /// The referral's conversation as far as I take part in it: the reason's first message, the
    /// decline reason, the feedback with its attachments (REF-3). Empty for a practice colleague
    /// outside the conversation.
    pub messages: Vec<crate::conversations::MessageView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LetterFile {
    pub message_id: Uuid,
    pub attachment_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReferralPatient {
    pub formal_name: String,
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub birth_date: Date,
    pub gender: Gender,
    pub bsn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReferralEventView {
    pub step: ReferralStep,
    pub by: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What I may do with a referral now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ReferralAction {
    Take,
    Decline,
    Feedback,
    Close,
    Withdraw,
}

/// The matrix and the requests to extend it, for everyone to see (REF-2).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MatrixView {
    pub matrix: AuthorisationMatrix,
    pub changed_by: Option<String>,
    #[ts(type = "string | null")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub changed_at: Option<OffsetDateTime>,
    pub requests: Vec<MatrixRequestView>,
    /// I am a region operator: I decide requests.
    pub can_decide: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MatrixRequestView {
    pub id: Uuid,
    pub kind: OrganisationKind,
    pub category: DataCategory,
    pub explanation: String,
    pub requested_by: String,
    pub organisation: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub approved: Option<bool>,
    pub decided_by: Option<String>,
    pub version: Option<u32>,
}

/// The longest conversation title (the domain's limit is 200): "Verwijzing naar …".
const TITLE_CHARS: usize = 120;
/// The GGZ letter's name in the referral's conversation.
pub const LETTER_FILE: &str = "Verwijsbrief.pdf";

/// The fields of the form a letter is made of (checked for sending, as typed for the preview).
struct LetterFields<'a> {
    form: &'a ReferralForm,
    reason: &'a str,
    remarks: &'a str,
    phone: Option<&'a str>,
}

impl KringClient {
    /// The region's authorisation matrix as this client has it (REF-2).
    pub fn authorisation_matrix(&self) -> ClientResult<AuthorisationMatrix> {
        Ok(match self.inner.cache.entity(EntityKind::AuthorisationMatrix, MatrixEntry::ID)? {
            Some(ChangeBody::AuthorisationMatrix(entry)) => entry.matrix,
            _ => AuthorisationMatrix::initial(),
        })
    }

    /// Where this patient can be referred, with what would go along (REF-1, REF-2).
    pub fn referral_options(&self, patient_id: PatientId) -> ClientResult<ReferralOptions> {
        let entry = self.patient_entry(patient_id)?;
        let practice = entry.organisation_id;
        let matrix = self.authorisation_matrix()?;
        let contracts = self.contracts()?;
        let mut targets = Vec::new();
        for organisation in self.directory()?.organisations {
            let Some(categories) = matrix.permitted(organisation.kind) else { continue };
            if organisation.id == practice {
                continue;
            }
            let receivers = self.receivers(organisation.id, None)?.len();
            let teams = organisation
                .teams
                .into_iter()
                .map(|team| {
                    let receivers = self.receivers(organisation.id, Some(team.id))?.len();
                    Ok(TeamOption { team_id: team.id, name: team.name, receivers })
                })
                .collect::<ClientResult<Vec<_>>>()?;
            targets.push(ReferralTarget {
                organisation_id: organisation.id,
                name: organisation.name,
                kind: organisation.kind,
                city: organisation.city,
                teams,
                categories: categories.to_vec(),
                receivers,
            });
        }
        targets.sort_by(|a, b| a.name.cmp(&b.name));
        let names = self.names()?;
        // A GP on whose behalf one refers follows the referral's conversation: active, with keys.
        let people = self.people_by_id()?;
        let mut gps: Vec<PersonOption> = contracts
            .iter()
            .filter(|c| c.organisation_id == practice && c.role == Role::Huisarts)
            .filter(|c| people.get(&c.user_id).is_some_and(|p| p.active && p.encryption_key().is_some()))
            .map(|c| PersonOption { user_id: c.user_id, name: names.get(&c.user_id).cloned().unwrap_or_default() })
            .collect();
        gps.sort_by(|a, b| a.name.cmp(&b.name));
        gps.dedup();
        let card: PatientCard = open_sealed(&self.practice_vault(practice)?, &entry.card)?;
        Ok(ReferralOptions {
            targets,
            gps,
            on_behalf_required: self.is_poh_ggz(practice),
            phone: card.phone,
            has_consent: ConsentEntry::current(&self.consents_of(patient_id)?).is_some(),
            matrix_version: matrix.version,
            disorders: <SuspectedDisorder as strum::IntoEnumIterator>::iter()
                .map(|disorder| DisorderOption {
                    disorder,
                    name: disorder.dutch_name().to_owned(),
                    explanation: disorder.explanation().to_owned(),
                })
                .collect(),
        })
    }

    fn is_poh_ggz(&self, practice: OrganisationId) -> bool {
        self.inner.me.contracts.iter().any(|c| c.organisation_id == practice && c.role == Role::PohGgz)
    }

    /// The caregivers of an organisation (of one team of it) who would receive a referral: a role
    /// that sees patients and takes part in conversations, active, with keys.
    fn receivers(&self, organisation: OrganisationId, team: Option<TeamId>) -> ClientResult<Vec<UserId>> {
        let contracts = self.contracts()?;
        Ok(self
            .caregivers_of(&[organisation])?
            .into_iter()
            .map(|(user, _)| user)
            .filter(|user| {
                contracts.iter().any(|c| {
                    c.user_id == *user
                        && c.organisation_id == organisation
                        && c.role.permits(Action::ReadConversations)
                        && team.is_none_or(|team| c.team_id == Some(team))
                })
            })
            .collect())
    }

    /// Refer a patient (REF-1, REF-2, REF-4). Checks the form, shares the patient with the
    /// receiving organisation when it does not see them yet (PAT-5: needs consent), seals the
    /// content with exactly the permitted data and sends the referral with its conversation;
    /// `attachments` (CHAT-10) follow in the conversation. Needs the open lock and a connection.
    pub async fn refer(&self, form: ReferralForm, attachments: Vec<NewAttachment>) -> ClientResult<Uuid> {
        let reason = check_reason(&form.reason)?;
        let remarks = check_text(&form.remarks)?;
        let phone = match form.phone.as_deref().map(str::trim).filter(|phone| !phone.is_empty()) {
            Some(phone) => Some(check_phone(phone)?),
            None => None,
        };
        let entry = self.patient_entry(form.patient_id)?;
        let practice = entry.organisation_id;
        if !self.may(practice, Action::ReferPatient) {
            return Err(ClientError::Refused { code: kring_protocol::ErrorCode::Forbidden, message: "refer".into() });
        }
        let organisation = self
            .directory()?
            .organisations
            .into_iter()
            .find(|o| o.id == form.organisation_id && o.id != practice)
            .ok_or(ReferralError::UnknownOrganisation)?;
        if form.team_id.is_some_and(|team| !organisation.teams.iter().any(|t| t.id == team)) {
            return Err(ReferralError::UnknownOrganisation.into());
        }
        let matrix = self.authorisation_matrix()?;
        let categories = matrix.permitted(organisation.kind).ok_or(ReferralError::NoMatrixEntry)?.to_vec();
        let ggz = organisation.kind == OrganisationKind::GgzProvider;
        if ggz && self.is_poh_ggz(practice) && form.on_behalf_of.is_none() {
            return Err(ReferralError::OnBehalfOfRequired.into());
        }
        if ConsentEntry::current(&self.consents_of(form.patient_id)?).is_none() {
            return Err(ClientError::ConsentRequired);
        }
        let receivers = self.receivers(organisation.id, form.team_id)?;
        let people = self.people_by_id()?;
        if receivers.is_empty() {
            return Err(ReferralError::NoReceivers.into());
        }
        let shared = self.patient_network(form.patient_id)?.is_some_and(|n| n.shared_with.contains(&organisation.id));
        if !shared {
            self.share_patient(form.patient_id, organisation.id, true).await?;
        }

        // Shared for this referral only: when it is refused, the organisation does not keep the
        // patient (PAT-5 without a referral is the practice's own choice, on the Acties tab).
        let sent = async {
            let practice_vault = self.practice_vault(practice)?;
            let card: PatientCard = open_sealed(&practice_vault, &entry.card)?;
            let chart: PatientChart = open_sealed(&practice_vault, &entry.chart)?;
            let shared = SharedChart::permitted(&card, &chart, &categories);
            let phone = phone.or_else(|| card.phone.clone());
            // REF-4: the GGZ referral carries its letter, composed exactly as the preview showed it.
            let letter = if ggz {
                let input = LetterFields { form: &form, reason: &reason, remarks: &remarks, phone: phone.as_deref() };
                Some(self.compose_letter(practice, &organisation.name, &card, &shared, &input)?)
            } else {
                None
            };
            let mut attachments = attachments;
            if let Some(letter) = &letter {
                let bytes = crate::letter_pdf::letter_pdf(letter)?;
                attachments.insert(0, NewAttachment { name: LETTER_FILE.to_owned(), bytes });
            }
            let content = ReferralContent {
                shared,
                phone,
                card,
                reason: reason.clone(),
                suspected_disorder: form.suspected_disorder,
                remarks: remarks.clone(),
                letter,
            };
            let vault = Vault::generate();
            let me = self.inner.me.user_id;
            let members = self.referral_keys(&vault, std::iter::once(me).chain(receivers.iter().copied()))?;
            let id = Uuid::now_v7();
            let referral = NewReferral {
                id,
                patient_id: form.patient_id,
                to_organisation: organisation.id,
                to_team: form.team_id,
                ggz,
                on_behalf_of: form.on_behalf_of,
                categories,
                matrix_version: matrix.version,
                public_key: STANDARD_NO_PAD.encode(vault.public().as_bytes()),
                practice_key: STANDARD_NO_PAD.encode(vault.wrap_for(&practice_vault.public())?),
                members,
                content: String::new(),
                content_signature: String::new(),
            };
            let referral = self.signed(referral, seal_json(&vault, &content)?)?;
            let title: String = format!("Verwijzing naar {}", organisation.name).chars().take(TITLE_CHARS).collect();
            let text = if remarks.is_empty() { reason } else { format!("{reason}\n\n{remarks}") };
            let conversation = crate::conversations::NewConversation {
                patient_id: Some(form.patient_id),
                title,
                // The GP on whose behalf a POH-GGZ refers follows the referral's conversation too
                // (when they can: active, with keys; the options offer only those).
                recipients: if form.team_id.is_some() { Vec::new() } else { receivers }
                    .into_iter()
                    .chain(
                        form.on_behalf_of.filter(|gp| people.get(gp).is_some_and(|p| p.active && p.encryption_key().is_some())),
                    )
                    .collect(),
                inboxes: form.team_id.into_iter().collect(),
                text,
            };
            let prepared = self.prepare_conversation(&conversation)?;
            let conversation_id = prepared.id;
            self.submit_now(Mutation::Refer {
                referral: Box::new(referral),
                conversation_id,
                title: prepared.title,
                participants: prepared.participants,
                first_message: prepared.first_message,
                inboxes: conversation.inboxes,
            })
            .await?;
            Ok::<_, ClientError>((id, conversation_id, attachments))
        }
        .await;
        let (id, conversation_id, attachments) = match sent {
            Ok(sent) => sent,
            Err(error) => {
                // Only a refusal is final; a referral queued while offline still goes out, and
                // its receivers must then see the patient.
                if !shared && matches!(error, ClientError::Refused { .. } | ClientError::Referral(_)) {
                    if let Err(undo) = self.share_patient(form.patient_id, organisation.id, false).await {
                        tracing::warn!(patient_id = %form.patient_id, code = undo.code(), "sharing for a failed referral not undone");
                    }
                }
                return Err(error);
            }
        };
        tracing::info!(referral_id = %id, patient_id = %form.patient_id, "referral sent");
        if !attachments.is_empty() {
            self.send_message_with(conversation_id, "", attachments).await?;
        }
        Ok(id)
    }

    /// The letter a GGZ referral would carry with these fields (REF-4), for the live preview
    /// beside the form: the same composition [`KringClient::refer`] sends. Fields are taken as
    /// typed (the preview shows an empty reason as "Niet ingevuld."). Needs the open lock.
    pub fn referral_letter(&self, form: &ReferralForm) -> ClientResult<ReferralLetter> {
        let entry = self.patient_entry(form.patient_id)?;
        let practice_vault = self.practice_vault(entry.organisation_id)?;
        let card: PatientCard = open_sealed(&practice_vault, &entry.card)?;
        let chart: PatientChart = open_sealed(&practice_vault, &entry.chart)?;
        let organisation = self.directory()?.organisations.into_iter().find(|o| o.id == form.organisation_id);
        let (to, categories) = match &organisation {
            Some(organisation) => {
                let matrix = self.authorisation_matrix()?;
                (organisation.name.clone(), matrix.permitted(organisation.kind).map(<[_]>::to_vec).unwrap_or_default())
            }
            None => (String::new(), Vec::new()),
        };
        let shared = SharedChart::permitted(&card, &chart, &categories);
        let phone =
            form.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).or_else(|| card.phone.clone());
        let input = LetterFields { form, reason: &form.reason, remarks: &form.remarks, phone: phone.as_deref() };
        self.compose_letter(entry.organisation_id, &to, &card, &shared, &input)
    }

    fn compose_letter(
        &self,
        practice: OrganisationId,
        to: &str,
        card: &PatientCard,
        shared: &SharedChart,
        fields: &LetterFields,
    ) -> ClientResult<ReferralLetter> {
        let directory = self.directory()?;
        let organisation = directory.organisations.iter().find(|o| o.id == practice);
        let people = self.people()?;
        let contracts = self.contracts()?;
        let party = |user: UserId| {
            let person = people.iter().find(|p| p.id == user);
            let role = contracts
                .iter()
                .find(|c| c.user_id == user && c.organisation_id == practice)
                .map(|c| c.role.dutch_name().to_owned())
                .unwrap_or_default();
            LetterParty {
                name: person.map(PersonEntry::full_name).unwrap_or_default(),
                role,
                agb: person.and_then(|p| p.agb.as_ref()).map(|agb| agb.to_string()),
                organisation: organisation.map(|o| o.name.clone()).unwrap_or_default(),
                organisation_agb: organisation.and_then(|o| o.agb.clone()),
                city: organisation.map(|o| o.city.clone()).unwrap_or_default(),
            }
        };
        Ok(ReferralLetter::compose(&LetterInput {
            card,
            phone: fields.phone,
            referrer: party(self.inner.me.user_id),
            on_behalf_of: fields.form.on_behalf_of.map(party),
            to,
            reason: fields.reason,
            suspected_disorder: fields.form.suspected_disorder,
            remarks: fields.remarks,
            shared,
            date: OffsetDateTime::now_utc().date(),
        }))
    }

    /// The referral vault's key wrapped for each of `users` (those without keys are skipped).
    fn referral_keys(&self, vault: &Vault, users: impl Iterator<Item = UserId>) -> ClientResult<Vec<NetworkKey>> {
        let people = self.people()?;
        let mut keys: Vec<NetworkKey> = Vec::new();
        for user in users {
            if keys.iter().any(|key| key.user_id == user) {
                continue;
            }
            let Some(public) = people.iter().find(|p| p.id == user && p.active).and_then(|p| p.encryption_key()) else {
                continue;
            };
            keys.push(NetworkKey { user_id: user, wrapped_key: STANDARD_NO_PAD.encode(vault.wrap_for(&public)?) });
        }
        Ok(keys)
    }

    fn referral_entries(&self) -> ClientResult<Vec<ReferralEntry>> {
        crate::directory::cached(&self.inner.cache, EntityKind::Referral, |body| match body {
            ChangeBody::Referral(entry) => Some(entry),
            _ => None,
        })
    }

    fn referral_entry(&self, id: Uuid) -> ClientResult<ReferralEntry> {
        match self.inner.cache.entity(EntityKind::Referral, id)? {
            Some(ChangeBody::Referral(entry)) => Ok(entry),
            _ => Err(ClientError::NotSynced),
        }
    }

    /// The referrals my practice sent and my organisations receive, newest change first.
    pub fn referrals(&self) -> ClientResult<Vec<ReferralSummary>> {
        let context = SummaryContext::of(self)?;
        let mut list: Vec<ReferralSummary> =
            self.referral_entries()?.iter().filter_map(|entry| self.referral_summary(entry, &context)).collect();
        list.sort_by_key(|summary| std::cmp::Reverse(summary.changed_at));
        Ok(list)
    }

    /// Referrals waiting for my organisation to take them, or with unread messages (the cloud).
    pub fn unread_referrals(&self) -> ClientResult<usize> {
        Ok(self
            .referrals()?
            .iter()
            .filter(|r| r.unread > 0 || (r.direction == ReferralDirection::Received && r.status == ReferralStatus::Sent))
            .count())
    }

    /// Every step of the patient's referrals as timeline lines: "Verwijzing verzonden: Thuiszorg
    /// (Anne de Vries)" (REF-1: each step with who and when).
    pub(crate) fn referral_timeline(&self, patient_id: PatientId) -> ClientResult<Vec<crate::patients::TimelineEvent>> {
        let context = SummaryContext::of(self)?;
        let mut events = Vec::new();
        for entry in self.referral_entries()?.into_iter().filter(|entry| entry.patient_id == patient_id) {
            let Some(summary) = self.referral_summary(&entry, &context) else { continue };
            for event in &entry.history {
                let by = context.names.get(&event.by).cloned().unwrap_or_else(|| "Onbekende collega".to_owned());
                events.push(crate::patients::TimelineEvent {
                    date: event.at.date(),
                    kind: event.step.into(),
                    detail: format!("{} ({by})", summary.to_organisation),
                });
            }
        }
        Ok(events)
    }

    /// The referrals about one patient (its timeline and Acties page).
    pub fn patient_referrals(&self, patient_id: PatientId) -> ClientResult<Vec<ReferralSummary>> {
        Ok(self.referrals()?.into_iter().filter(|r| r.patient_id == patient_id).collect())
    }

    fn referral_summary(&self, entry: &ReferralEntry, context: &SummaryContext) -> Option<ReferralSummary> {
        let mine = |org: OrganisationId| self.inner.me.contracts.iter().any(|c| c.organisation_id == org);
        let direction = if mine(entry.practice_id) {
            ReferralDirection::Sent
        } else if mine(entry.to_organisation) {
            ReferralDirection::Received
        } else {
            return None;
        };
        let name = |user: UserId| context.names.get(&user).cloned().unwrap_or_else(|| "Onbekende collega".to_owned());
        // From the search index (the practice's patients and those shared with me), which is
        // open anyway; the referral's own content only for a patient the index lacks.
        let patient_name = if self.is_unlocked() {
            match self.patient_summary(entry.patient_id) {
                Ok(Some(summary)) if !summary.name.is_empty() => Some(summary.name),
                _ => self.referral_content(entry).ok().map(|(content, _)| content.card.display_name()),
            }
        } else {
            None
        };
        Some(ReferralSummary {
            id: entry.id,
            patient_id: entry.patient_id,
            patient_name,
            direction,
            practice: context.organisations.get(&entry.practice_id).cloned().unwrap_or_default(),
            to_organisation: context.organisations.get(&entry.to_organisation).cloned().unwrap_or_default(),
            to_team: entry.to_team.and_then(|team| context.teams.get(&team).cloned()),
            referred_by: name(entry.referred_by),
            taken_by: entry.taken_by.map(name),
            status: entry.status,
            ggz: entry.ggz,
            sent_at: entry.history.first().map(|e| e.at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            changed_at: entry.history.last().map(|e| e.at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            unread: context.unread.get(&entry.conversation_id).copied().unwrap_or_default(),
            conversation_id: entry.conversation_id,
        })
    }

    /// The referral's content, through my own key or the practice vault; and whether it held
    /// more than its categories (dropped here).
    fn referral_content(&self, entry: &ReferralEntry) -> ClientResult<(ReferralContent, bool)> {
        let me = self.inner.me.user_id;
        let vault = match entry.members.iter().find(|member| member.user_id == me) {
            Some(mine) => self.open_vault(&decode(&mine.wrapped_key)?)?,
            None => self
                .practice_vault(entry.practice_id)?
                .unwrap_vault(&decode(&entry.practice_key)?)
                .map_err(|_| ClientError::KeysLost)?,
        };
        self.check_content_signature(entry)?;
        let mut content: ReferralContent = open_sealed(&vault, &entry.content)?;
        let (shared, trimmed) = content.shared.within(&entry.categories);
        if trimmed {
            tracing::warn!(referral_id = %entry.id, "a referral held data outside its categories: dropped");
        }
        content.shared = shared;
        Ok((content, trimmed))
    }

    /// Open a referral (REF-3): the reason, the patient and the shared data, its history and what
    /// I may do; written to the access log (SEC-2). Needs the open lock.
    pub async fn open_referral(&self, id: Uuid) -> ClientResult<ReferralView> {
        let view = self.referral_view(id)?;
        let entry = self.referral_entry(id)?;
        self.record_access(entry.practice_id, entry.patient_id, AccessKind::Referral).await?;
        Ok(view)
    }

    pub fn referral_view(&self, id: Uuid) -> ClientResult<ReferralView> {
        let entry = self.referral_entry(id)?;
        let context = SummaryContext::of(self)?;
        let summary = self.referral_summary(&entry, &context).ok_or(ClientError::NotSynced)?;
        let (content, trimmed) = self.referral_content(&entry)?;
        let name = |user: UserId| context.names.get(&user).cloned().unwrap_or_else(|| "Onbekende collega".to_owned());
        let me = self.inner.me.user_id;
        let receiving = summary.direction == ReferralDirection::Received && entry.members.iter().any(|m| m.user_id == me);
        let practice = summary.direction == ReferralDirection::Sent && self.may(entry.practice_id, Action::ReferPatient);
        let actions = [
            (ReferralAction::Take, ReferralStep::Taken, receiving),
            (ReferralAction::Decline, ReferralStep::Declined, receiving),
            (ReferralAction::Feedback, ReferralStep::Feedback, receiving),
            (ReferralAction::Close, ReferralStep::Closed, practice),
            (ReferralAction::Withdraw, ReferralStep::Withdrawn, practice),
        ]
        .into_iter()
        .filter(|(_, step, allowed)| *allowed && entry.status.after(*step).is_ok())
        .map(|(action, _, _)| action)
        .collect();
        let mut colleagues: Vec<PersonOption> = if receiving {
            self.receivers(entry.to_organisation, None)?
                .into_iter()
                .filter(|user| *user != me)
                .map(|user| PersonOption { user_id: user, name: name(user) })
                .collect()
        } else {
            Vec::new()
        };
        colleagues.sort_by(|a, b| a.name.cmp(&b.name));
        let messages = self.conversation_view(entry.conversation_id).map(|view| view.messages).unwrap_or_default();
        let letter_file = content.letter.as_ref().and_then(|_| letter_file(&entry, &messages));
        Ok(ReferralView {
            patient: ReferralPatient {
                formal_name: content.card.formal_name(),
                birth_date: content.card.birth_date,
                gender: content.card.gender,
                bsn: content.card.bsn.expose().to_owned(),
            },
            reason: content.reason,
            suspected_disorder: content.suspected_disorder,
            remarks: content.remarks,
            phone: content.phone,
            on_behalf_of: entry.on_behalf_of.map(name),
            categories: entry.categories.clone(),
            series: series(&content.shared.measurements),
            medication: content.shared.medication,
            programmes: content.shared.programmes,
            trimmed,
            history: entry.history.iter().map(|e| ReferralEventView { step: e.step, by: name(e.by), at: e.at }).collect(),
            actions,
            colleagues,
            letter_file,
            messages,
            letter: content.letter,
            summary,
        })
    }

    /// Who joins a referral's conversation works at the practice or the receiving organisation:
    /// the letter in it carries the matrix's data for that organisation only (the server checks
    /// the same).
    pub(crate) fn check_referral_newcomers(&self, referral: Uuid, users: impl Iterator<Item = UserId>) -> ClientResult<()> {
        let entry = self.referral_entry(referral)?;
        let contracts = self.contracts()?;
        for user in users {
            let inside = contracts.iter().any(|c| {
                c.user_id == user && (c.organisation_id == entry.practice_id || c.organisation_id == entry.to_organisation)
            });
            if !inside {
                return Err(ReferralError::OutsideParticipant.into());
            }
        }
        Ok(())
    }

    /// Take a referral (REF-3): I join the patient's care network. Of two taking it at once,
    /// one wins; the other gets [`ReferralError::AlreadyTaken`] and sees who in the view.
    pub async fn take_referral(&self, id: Uuid) -> ClientResult<()> {
        self.referral_step(id, ReferralStep::Taken).await
    }

    /// Decline with a reason (REF-3): the step first (a colleague may have taken it meanwhile),
    /// then the reason as a message in the referral's conversation.
    pub async fn decline_referral(&self, id: Uuid, reason: &str) -> ClientResult<()> {
        let reason = check_text(reason)?;
        if reason.is_empty() {
            return Err(ReferralError::DeclineReasonRequired.into());
        }
        let entry = self.referral_entry(id)?;
        let text = format!("Verwijzing afgewezen: {reason}");
        self.check_outgoing(entry.conversation_id, &text, &[])?;
        self.referral_step(id, ReferralStep::Declined).await?;
        self.send_message(entry.conversation_id, &text).await?;
        Ok(())
    }

    /// Feedback to the practice (REF-3): the step (the referral shows "Teruggekoppeld"), then
    /// text and attachments in the referral's conversation; as often as needed.
    pub async fn referral_feedback(&self, id: Uuid, text: &str, attachments: Vec<NewAttachment>) -> ClientResult<()> {
        let text = check_text(text)?;
        if text.is_empty() && attachments.is_empty() {
            return Err(ReferralError::FeedbackEmpty.into());
        }
        let entry = self.referral_entry(id)?;
        // What can refuse the message is checked before the step, so a step is not left without
        // its text (only an upload that breaks off can still do that; the step stands then).
        self.check_outgoing(entry.conversation_id, &text, &attachments)?;
        self.referral_step(id, ReferralStep::Feedback).await?;
        self.send_message_with(entry.conversation_id, &text, attachments).await?;
        Ok(())
    }

    /// The practice closes a referral someone took (REF-3).
    pub async fn close_referral(&self, id: Uuid) -> ClientResult<()> {
        self.referral_step(id, ReferralStep::Closed).await
    }

    /// The practice withdraws a referral nobody took yet.
    pub async fn withdraw_referral(&self, id: Uuid) -> ClientResult<()> {
        self.referral_step(id, ReferralStep::Withdrawn).await
    }

    async fn referral_step(&self, id: Uuid, step: ReferralStep) -> ClientResult<()> {
        let entry = self.referral_entry(id)?;
        entry.status.after(step)?;
        match self.submit_now(Mutation::ReferralStep { referral_id: id, step }).await {
            Ok(_) => Ok(()),
            Err(refused @ ClientError::Refused { .. }) => {
                // Another step came first (a colleague took it): say what, from the new state.
                self.sync_now().await?;
                let now = self.referral_entry(id)?;
                match now.status.after(step) {
                    Err(error) => Err(error.into()),
                    Ok(_) => Err(refused),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Add colleagues to the patient's care network after taking a referral (REF-3, NET-2).
    pub async fn add_to_care_network(&self, patient_id: PatientId, users: &[UserId]) -> ClientResult<()> {
        for user in users {
            self.join_care_network(patient_id, *user).await?;
        }
        Ok(())
    }

    /// Refresh every open referral of my practices after a new extraction (REF-2): the content
    /// sealed again with the current card and chart (still only the referral's categories), and
    /// the key given to receiving caregivers who joined since. As far as this user can: a key
    /// holder of the practice with the open lock. Returns how many referrals it updated.
    pub async fn maintain_referrals(&self) -> ClientResult<usize> {
        if !self.is_unlocked() {
            return Ok(0);
        }
        let mut updated = 0;
        let mut vaults: HashMap<OrganisationId, Option<Vault>> = HashMap::new();
        // A refresh still waiting in the outbox (offline) is not queued again on every change.
        let pending: std::collections::HashSet<Uuid> = self
            .outbox()?
            .into_iter()
            .filter_map(|queued| match queued.request.mutation {
                Mutation::UpdateReferral { referral_id, .. } => Some(referral_id),
                _ => None,
            })
            .collect();
        for entry in self.referral_entries()? {
            if pending.contains(&entry.id) {
                continue;
            }
            let keeper =
                self.may(entry.practice_id, Action::ReferPatient) || self.may(entry.practice_id, Action::ImportHisExtraction);
            if !entry.status.is_open() || !keeper {
                continue;
            }
            let practice_vault = vaults.entry(entry.practice_id).or_insert_with(|| self.practice_vault(entry.practice_id).ok());
            let Some(practice_vault) = practice_vault.as_ref() else { continue };
            // One referral that cannot be refreshed (a key lost, a patient gone) does not hold up
            // the others, nor the import that ran this.
            let update = match self.referral_update(&entry, practice_vault) {
                Ok(Some(update)) => update,
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(referral_id = %entry.id, code = error.code(), "open referral not refreshed");
                    continue;
                }
            };
            if let Err(error) = self.submit(update).await {
                tracing::warn!(referral_id = %entry.id, code = error.code(), "open referral not refreshed");
                continue;
            }
            updated += 1;
        }
        if updated > 0 {
            self.sync_now().await?;
            tracing::info!(updated, "open referrals refreshed");
        }
        Ok(updated)
    }

    /// The update an open referral needs, if any: new content when the card or the permitted
    /// part of the chart changed, keys for receiving caregivers who have none yet.
    fn referral_update(&self, entry: &ReferralEntry, practice_vault: &Vault) -> ClientResult<Option<Mutation>> {
        let patient = self.patient_entry(entry.patient_id)?;
        let missing: Vec<UserId> = self
            .receivers(entry.to_organisation, entry.to_team)?
            .into_iter()
            .filter(|user| !entry.members.iter().any(|m| m.user_id == *user))
            .collect();
        // Sealed after the extraction last changed the patient: nothing to open (this runs on
        // every change of data, the decrypting only after an import).
        let sealed_at = entry
            .history
            .iter()
            .filter(|e| matches!(e.step, ReferralStep::Sent | ReferralStep::DataUpdated))
            .map(|e| e.at)
            .max()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let checked = self.inner.referrals_checked.lock().ok().and_then(|checked| checked.get(&entry.id).copied());
        if missing.is_empty() && (patient.updated_at <= sealed_at || checked == Some(patient.updated_at)) {
            return Ok(None);
        }
        let vault = practice_vault.unwrap_vault(&decode(&entry.practice_key)?).map_err(|_| ClientError::KeysLost)?;
        // Only content its sealer signed is carried forward (and signed again by me).
        self.check_content_signature(entry)?;
        let mut content: ReferralContent = open_sealed(&vault, &entry.content)?;
        let card: PatientCard = open_sealed(practice_vault, &patient.card)?;
        let chart: PatientChart = open_sealed(practice_vault, &patient.chart)?;
        let shared = SharedChart::permitted(&card, &chart, &entry.categories);
        let content_changed = shared != content.shared || card != content.card;
        if !content_changed && missing.is_empty() {
            if let Ok(mut checked) = self.inner.referrals_checked.lock() {
                checked.insert(entry.id, patient.updated_at);
            }
            return Ok(None);
        }
        let mut members = entry.members.clone();
        members.extend(self.referral_keys(&vault, missing.into_iter())?);
        let sealed = if content_changed {
            if content.phone == content.card.phone {
                content.phone = card.phone.clone();
            }
            content.shared = shared;
            content.card = card;
            seal_json(&vault, &content)?
        } else {
            entry.content.clone()
        };
        let signature = STANDARD_NO_PAD.encode(self.sign(&ReferralEntry::signed_bytes(entry.id, &sealed))?);
        Ok(Some(Mutation::UpdateReferral {
            referral_id: entry.id,
            content: sealed,
            members,
            seen_steps: entry.history.len(),
            content_signature: signature,
        }))
    }

    /// A new referral with its content, signed by me.
    fn signed(&self, referral: NewReferral, content: String) -> ClientResult<NewReferral> {
        let signature = STANDARD_NO_PAD.encode(self.sign(&ReferralEntry::signed_bytes(referral.id, &content))?);
        Ok(NewReferral { content, content_signature: signature, ..referral })
    }

    /// The content was signed by whoever the referral says sealed it last; anything else (content
    /// sealed by someone holding only the public key, the server included) is not opened.
    fn check_content_signature(&self, entry: &ReferralEntry) -> ClientResult<()> {
        let people = self.people_by_id()?;
        let key = entry.sealed_by().and_then(|sealer| people.get(&sealer)).and_then(PersonEntry::signing_key);
        let signed = ReferralEntry::signed_bytes(entry.id, &entry.content);
        let valid = key.is_some_and(|key| {
            STANDARD_NO_PAD.decode(&entry.content_signature).is_ok_and(|signature| key.verify(&signed, &signature).is_ok())
        });
        if valid {
            Ok(())
        } else {
            tracing::warn!(referral_id = %entry.id, "a referral's content is not signed by its sealer: not opened");
            Err(ClientError::BadSignature)
        }
    }

    /// Every request to extend the matrix this client has (the directory scope).
    fn matrix_requests(&self) -> ClientResult<Vec<MatrixRequestEntry>> {
        crate::directory::cached(&self.inner.cache, EntityKind::MatrixRequest, |body| match body {
            ChangeBody::MatrixRequest(entry) => Some(entry),
            _ => None,
        })
    }

    /// The matrix and the requests to extend it (REF-2).
    pub fn matrix_view(&self) -> ClientResult<MatrixView> {
        let names = self.names()?;
        let organisations: HashMap<OrganisationId, String> =
            self.directory()?.organisations.into_iter().map(|o| (o.id, o.name)).collect();
        let stored = match self.inner.cache.entity(EntityKind::AuthorisationMatrix, MatrixEntry::ID)? {
            Some(ChangeBody::AuthorisationMatrix(entry)) => Some(entry),
            _ => None,
        };
        let mut requests: Vec<MatrixRequestView> = self
            .matrix_requests()?
            .into_iter()
            .map(|request: MatrixRequestEntry| MatrixRequestView {
                id: request.id,
                kind: request.kind,
                category: request.category,
                explanation: request.explanation,
                requested_by: names.get(&request.requested_by).cloned().unwrap_or_default(),
                organisation: organisations.get(&request.organisation_id).cloned().unwrap_or_default(),
                requested_at: request.requested_at,
                approved: request.decision.as_ref().map(|d| d.approved),
                decided_by: request.decision.as_ref().and_then(|d| names.get(&d.by).cloned()),
                version: request.decision.as_ref().and_then(|d| d.version),
            })
            .collect();
        requests.sort_by_key(|r| std::cmp::Reverse(r.requested_at));
        Ok(MatrixView {
            matrix: stored.as_ref().map(|s| s.matrix.clone()).unwrap_or_else(AuthorisationMatrix::initial),
            changed_by: stored.as_ref().and_then(|s| names.get(&s.changed_by).cloned()),
            changed_at: stored.as_ref().map(|s| s.changed_at),
            requests,
            can_decide: self.inner.me.contracts.iter().any(|c| c.role.permits(Action::DecideAuthorisationMatrix)),
        })
    }

    /// Ask the region to let one more category go to a kind of organisation (REF-2).
    pub async fn request_matrix_extension(
        &self,
        kind: OrganisationKind,
        category: DataCategory,
        explanation: &str,
    ) -> ClientResult<Uuid> {
        let explanation = explanation.trim();
        if explanation.is_empty() {
            return Err(ReferralError::RequestExplanationRequired.into());
        }
        if explanation.chars().count() > kring_domain::referral::MAX_MATRIX_REQUEST_CHARS {
            return Err(ReferralError::RequestTooLong.into());
        }
        if self.authorisation_matrix()?.permitted(kind).is_some_and(|c| c.contains(&category)) {
            return Err(ReferralError::AlreadyPermitted.into());
        }
        if self.matrix_requests()?.iter().any(|r| r.kind == kind && r.category == category && r.decision.is_none()) {
            return Err(ReferralError::AlreadyRequested.into());
        }
        let request_id = Uuid::now_v7();
        self.submit_now(Mutation::RequestMatrixExtension { request_id, kind, category, explanation: explanation.to_owned() })
            .await?;
        Ok(request_id)
    }

    /// The region's operator approves or rejects a request (REF-2).
    pub async fn decide_matrix_request(&self, request_id: Uuid, approve: bool) -> ClientResult<()> {
        // Approving what the matrix allows by now (a request asked twice) says so; rejecting it
        // settles the request.
        let request = self.matrix_requests()?.into_iter().find(|r| r.id == request_id);
        let matrix = self.authorisation_matrix()?;
        if approve && request.is_some_and(|r| matrix.permitted(r.kind).is_some_and(|permitted| permitted.contains(&r.category))) {
            return Err(ReferralError::AlreadyPermitted.into());
        }
        self.submit_now(Mutation::DecideMatrixRequest { request_id, approve }).await?;
        Ok(())
    }
}

/// Names looked up once for a list of referrals.
struct SummaryContext {
    names: HashMap<UserId, String>,
    organisations: HashMap<OrganisationId, String>,
    teams: HashMap<TeamId, String>,
    unread: HashMap<kring_domain::ConversationId, usize>,
}

impl SummaryContext {
    fn of(client: &KringClient) -> ClientResult<Self> {
        let mut organisations = HashMap::new();
        let mut teams = HashMap::new();
        for organisation in client.directory()?.organisations {
            for team in &organisation.teams {
                teams.insert(team.id, team.name.clone());
            }
            organisations.insert(organisation.id, organisation.name);
        }
        let unread = client.conversations(true)?.into_iter().map(|c| (c.id, c.unread)).collect();
        Ok(SummaryContext { names: client.names()?, organisations, teams, unread })
    }
}

/// A Dutch phone number as a referral keeps it: digits with spaces, `-` or a leading `+`,
/// 10 to 15 digits.
fn check_phone(phone: &str) -> Result<String, ReferralError> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().enumerate().all(|(at, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && at == 0));
    if allowed && (10..=15).contains(&digits) {
        Ok(phone.to_owned())
    } else {
        Err(ReferralError::InvalidPhone)
    }
}

impl From<ReferralError> for ClientError {
    fn from(error: ReferralError) -> Self {
        ClientError::Referral(error)
    }
}

/// The referrer's message that carries the letter's PDF, among the messages this client has.
fn letter_file(entry: &ReferralEntry, messages: &[crate::conversations::MessageView]) -> Option<LetterFile> {
    messages.iter().filter(|m| m.author_id == entry.referred_by).find_map(|message| {
        message
            .attachments
            .iter()
            .find(|a| a.name == LETTER_FILE)
            .map(|a| LetterFile { message_id: message.id, attachment_id: a.id })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_4_a_phone_number_is_checked_before_it_goes_along() {
        assert_eq!(check_phone("06-12345678"), Ok("06-12345678".into()));
        assert_eq!(check_phone("+31 6 1234 5678"), Ok("+31 6 1234 5678".into()));
        assert_eq!(check_phone("0612"), Err(ReferralError::InvalidPhone));
        assert_eq!(check_phone("06 1234 5678 x"), Err(ReferralError::InvalidPhone));
        assert_eq!(check_phone("06+12345678"), Err(ReferralError::InvalidPhone));
    }
}
