//! Staff administration from the client (STAFF-1 … STAFF-8): the staff list with each colleague's
//! patient-data access, account requests, and the practice vault's keys. Key holders wrap the
//! vault key for authorised colleagues on their own device, in a secure session: the server never
//! holds it.

use crate::directory::cached;
use crate::error::{ClientError, ClientResult};
use crate::{ClientEvent, KringClient};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::Vault;
use kring_domain::{AccessStatus, AccountRequestForm, Action, OrganisationId, Role, UserId};
use kring_protocol::staff::{AccountRequestEntry, HisLinkEntry, PatientDataAccessEntry, PracticeVaultEntry};
use kring_protocol::{ChangeBody, ContractEntry, EntityKind, Mutation, PersonEntry};
use serde::Serialize;
use uuid::Uuid;

/// Medewerkersbeheer: the practice's people and its open account requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StaffList {
    pub organisation_id: OrganisationId,
    pub members: Vec<StaffMember>,
    /// Requests of the last 30 days, newest first (STAFF-3).
    pub requests: Vec<AccountRequestEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StaffMember {
    pub user_id: UserId,
    pub name: String,
    pub roles: Vec<Role>,
    pub role_names: Vec<String>,
    pub active: bool,
    pub authorised: bool,
    pub access: AccessStatus,
    /// Whether any role works with patient data: others cannot be authorised (STAFF-7).
    pub works_with_patients: bool,
    /// The colleague's user id in the practice's HIS, for single sign-on (STAFF-11).
    pub his_user_id: Option<String>,
}

impl KringClient {
    pub(crate) fn people(&self) -> ClientResult<Vec<PersonEntry>> {
        cached(&self.inner.cache, EntityKind::Person, |body| match body {
            ChangeBody::Person(person) => Some(person),
            _ => None,
        })
    }

    /// Everyone's contracts (who works where, in which role), from the cache.
    pub(crate) fn contracts(&self) -> ClientResult<Vec<ContractEntry>> {
        cached(&self.inner.cache, EntityKind::Contract, |body| match body {
            ChangeBody::Contract(contract) => Some(contract),
            _ => None,
        })
    }

    fn accesses(&self) -> ClientResult<Vec<PatientDataAccessEntry>> {
        cached(&self.inner.cache, EntityKind::PatientDataAccess, |body| match body {
            ChangeBody::PatientDataAccess(access) => Some(access),
            _ => None,
        })
    }

    fn practice_vault_entry(&self, organisation: OrganisationId) -> ClientResult<Option<PracticeVaultEntry>> {
        Ok(cached(&self.inner.cache, EntityKind::PracticeVault, |body| match body {
            ChangeBody::PracticeVault(vault) => Some(vault),
            _ => None,
        })?
        .into_iter()
        .find(|vault| vault.organisation_id == organisation))
    }

    /// The staff list of an organisation (STAFF-1), from the cache.
    pub fn staff(&self, organisation_id: OrganisationId) -> ClientResult<StaffList> {
        let contracts: Vec<_> =
            self.contracts()?.into_iter().filter(|contract| contract.organisation_id == organisation_id).collect();
        let accesses = self.accesses()?;
        let his_links: Vec<HisLinkEntry> = cached(&self.inner.cache, EntityKind::HisLink, |body| match body {
            ChangeBody::HisLink(link) => Some(link),
            _ => None,
        })?;
        let mut members: Vec<StaffMember> = Vec::new();
        for person in self.people()? {
            let roles: Vec<Role> = contracts.iter().filter(|c| c.user_id == person.id).map(|c| c.role).collect();
            if roles.is_empty() {
                continue;
            }
            let access = accesses.iter().find(|a| a.organisation_id == organisation_id && a.user_id == person.id);
            let authorised = access.is_some_and(|a| a.authorised);
            let holds_key = access.is_some_and(|a| a.wrapped_key.is_some());
            members.push(StaffMember {
                user_id: person.id,
                name: person.full_name(),
                role_names: roles.iter().map(|r| r.dutch_name().to_owned()).collect(),
                works_with_patients: roles.iter().any(|r| r.permits(Action::ViewPatients)),
                roles,
                active: person.active,
                authorised,
                access: AccessStatus::of(authorised, holds_key),
                his_user_id: his_links
                    .iter()
                    .find(|l| l.organisation_id == organisation_id && l.user_id == person.id)
                    .and_then(|l| l.his_user_id.clone()),
            });
        }
        members.sort_by(|a, b| (!a.active, &a.name).cmp(&(!b.active, &b.name)));
        let mut requests: Vec<AccountRequestEntry> = cached(&self.inner.cache, EntityKind::AccountRequest, |body| match body {
            ChangeBody::AccountRequest(request) => Some(request),
            _ => None,
        })?
        .into_iter()
        .filter(|request| request.inviting_organisation_id == organisation_id && !request.hidden)
        .collect();
        requests.sort_by_key(|request| std::cmp::Reverse(request.requested_at));
        Ok(StaffList { organisation_id, members, requests })
    }

    /// "Vraag account medewerker aan" (STAFF-2). The form is checked here first with the same
    /// rules the server applies (the region may refuse more private domains).
    pub async fn request_account(&self, organisation_id: OrganisationId, form: AccountRequestForm) -> ClientResult<Uuid> {
        form.validate(&[]).map_err(ClientError::InvalidForm)?;
        self.submit(Mutation::RequestAccount { organisation_id, form }).await
    }

    /// The region's operator: every listed request (STAFF-3).
    pub async fn region_account_requests(&self) -> ClientResult<Vec<AccountRequestEntry>> {
        self.inner.api.account_requests().await
    }

    pub async fn decide_account_request(&self, request_id: Uuid, approve: bool) -> ClientResult<Uuid> {
        self.submit(Mutation::DecideAccountRequest { request_id, approve }).await
    }

    /// Tick or untick a colleague's patient-data access (STAFF-4).
    pub async fn set_patient_data_access(
        &self,
        organisation_id: OrganisationId,
        user_id: UserId,
        authorised: bool,
    ) -> ClientResult<Uuid> {
        self.submit(Mutation::SetPatientDataAccess { organisation_id, user_id, authorised }).await
    }

    /// Link a colleague to their HIS user id, or unlink with `None` (STAFF-11).
    pub async fn set_his_user(
        &self,
        organisation_id: OrganisationId,
        user_id: UserId,
        his_user_id: Option<String>,
    ) -> ClientResult<Uuid> {
        self.submit(Mutation::SetHisUser { organisation_id, user_id, his_user_id }).await
    }

    /// Deactivate a leaver (STAFF-6).
    pub async fn deactivate(&self, user_id: UserId) -> ClientResult<Uuid> {
        self.submit(Mutation::DeactivateAccount { user_id }).await
    }

    /// The practice's patient-data vault, opened with my wrapped key. Needs the open lock.
    pub fn practice_vault(&self, organisation_id: OrganisationId) -> ClientResult<Vault> {
        let me = self.inner.me.user_id;
        let wrapped = self
            .accesses()?
            .into_iter()
            .find(|a| a.organisation_id == organisation_id && a.user_id == me && a.authorised)
            .and_then(|a| a.wrapped_key)
            .ok_or(ClientError::NoPatientDataAccess)?;
        let wrapped = STANDARD_NO_PAD.decode(wrapped).map_err(|_| ClientError::Protocol("wrapped key".into()))?;
        self.open_vault(&wrapped)
    }

    /// Keep the practice vaults' keys where they belong, as far as this user can (STAFF-1): a GP
    /// creates the practice's vault if it has none; any key holder wraps the key for authorised
    /// colleagues who have keys but not yet the vault's. Needs the open lock; a locked session does
    /// nothing. Returns how many keys it shared.
    pub async fn maintain_practice_keys(&self) -> ClientResult<usize> {
        if !self.is_unlocked() {
            return Ok(0);
        }
        let me = self.inner.me.user_id;
        let mut shared = 0;
        let organisations: Vec<(OrganisationId, Role)> =
            self.inner.me.contracts.iter().map(|c| (c.organisation_id, c.role)).collect();
        for (organisation, role) in organisations {
            if role.permits(Action::AuthorisePatientData) && self.practice_vault_entry(organisation)?.is_none() {
                let vault = Vault::generate();
                let wrapped_for_me = vault.wrap_for(&self.encryption_public_key()?)?;
                self.submit(Mutation::CreatePracticeVault {
                    organisation_id: organisation,
                    public_key: STANDARD_NO_PAD.encode(vault.public().as_bytes()),
                    wrapped_for_me: STANDARD_NO_PAD.encode(wrapped_for_me),
                })
                .await?;
                self.sync_now().await?;
                tracing::info!(organisation_id = %organisation, "created the practice vault");
            }
            let vault = match self.practice_vault(organisation) {
                Ok(vault) => vault,
                Err(ClientError::NoPatientDataAccess) => continue,
                Err(error @ (ClientError::KeysLost | ClientError::Protocol(_))) => {
                    // Wrapped for me, but it does not open: drop it so a key holder shares it anew.
                    tracing::warn!(organisation_id = %organisation, %error, "my practice key does not open; dropping it");
                    self.submit(Mutation::DropOwnVaultKey { organisation_id: organisation }).await?;
                    continue;
                }
                Err(_) => continue,
            };
            let people = self.people()?;
            for access in self.accesses()? {
                if access.organisation_id != organisation
                    || !access.authorised
                    || access.wrapped_key.is_some()
                    || access.user_id == me
                {
                    continue;
                }
                let Some(key) = people.iter().find(|p| p.id == access.user_id && p.active).and_then(PersonEntry::encryption_key)
                else {
                    continue; // no keys yet (not activated, or reset): next time
                };
                let wrapped = vault.wrap_for(&key)?;
                self.submit(Mutation::ShareVaultKey {
                    organisation_id: organisation,
                    user_id: access.user_id,
                    wrapped_key: STANDARD_NO_PAD.encode(wrapped),
                })
                .await?;
                shared += 1;
                tracing::info!(organisation_id = %organisation, user_id = %access.user_id, "shared the practice key");
            }
        }
        Ok(shared)
    }

    /// Run [`KringClient::maintain_practice_keys`], [`KringClient::maintain_network_keys`], the
    /// team inboxes' upkeep and [`KringClient::maintain_referrals`] whenever data changes or the
    /// lock opens, until the task is aborted.
    pub async fn run_key_maintenance(self) {
        let mut events = self.subscribe();
        loop {
            if let Err(error) = self.maintain_practice_keys().await {
                tracing::info!(code = error.code(), "could not share practice keys now");
            }
            if let Err(error) = self.maintain_network_keys().await {
                tracing::info!(code = error.code(), "could not share network keys now");
            }
            if let Err(error) = self.maintain_inbox_members().await {
                tracing::info!(code = error.code(), "could not bring team inboxes up to date now");
            }
            if let Err(error) = self.maintain_referrals().await {
                tracing::info!(code = error.code(), "could not refresh open referrals now");
            }
            loop {
                match events.recv().await {
                    Ok(ClientEvent::DataChanged | ClientEvent::SecureSession { unlocked: true }) => break,
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }
}
