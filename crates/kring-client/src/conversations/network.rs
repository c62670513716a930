//! Who one can write to and who takes part around a patient: recipients, absences, the care
//! network (NET-1, NET-2) and team inboxes with their upkeep as staff come and go (CHAT-3).

use super::*;
use kring_protocol::conversations::NetworkJoin;

impl KringClient {
    /// Who I can write to: active people with keys whose role takes part in conversations; about
    /// a patient, only those who see the patient (the practice, and partners it shared with).
    pub fn recipients(&self, patient_id: Option<PatientId>) -> ClientResult<Vec<RecipientView>> {
        let seeing: Option<Vec<kring_domain::OrganisationId>> = match patient_id {
            None => None,
            Some(patient) => {
                let mut organisations = Vec::new();
                if let Some(ChangeBody::Patient(entry)) = self.inner.cache.entity(EntityKind::Patient, patient.0)? {
                    organisations.push(entry.organisation_id);
                }
                if let Some(network) = self.patient_network(patient)? {
                    organisations.push(network.organisation_id);
                    organisations.extend(network.shared_with);
                }
                Some(organisations)
            }
        };
        let today = OffsetDateTime::now_utc().date();
        let people = self.people_by_id()?;
        let organisations: HashMap<_, _> = self.directory()?.organisations.into_iter().map(|o| (o.id, o.name)).collect();
        let mut recipients: Vec<RecipientView> = Vec::new();
        for contract in self.contracts()? {
            let wanted = match &seeing {
                None => contract.role.permits(kring_domain::Action::ReadConversations),
                Some(seeing) => {
                    seeing.contains(&contract.organisation_id) && contract.role.permits(kring_domain::Action::ViewPatients)
                }
            };
            let Some(person) = people.get(&contract.user_id) else { continue };
            if !wanted || contract.user_id == self.inner.me.user_id || !person.active || person.encryption_key().is_none() {
                continue;
            }
            if recipients.iter().any(|r| r.user_id == contract.user_id) {
                continue;
            }
            recipients.push(RecipientView {
                user_id: contract.user_id,
                name: person.full_name(),
                organisation: organisations.get(&contract.organisation_id).cloned().unwrap_or_default(),
                role_name: contract.role.dutch_name().to_owned(),
                away: away_on(&person.working_days, &person.absences, today),
            });
        }
        recipients.sort_by(|a, b| a.organisation.cmp(&b.organisation).then(a.name.cmp(&b.name)));
        Ok(recipients)
    }

    /// Which of these recipients are away today, and until when (CHAT-4).
    pub fn away_notices(&self, recipients: &[UserId]) -> ClientResult<Vec<AwayNotice>> {
        let today = OffsetDateTime::now_utc().date();
        let people = self.people_by_id()?;
        Ok(recipients
            .iter()
            .filter_map(|user| {
                let person = people.get(user)?;
                let away = away_on(&person.working_days, &person.absences, today)?;
                Some(AwayNotice { user_id: *user, name: person.full_name(), away })
            })
            .collect())
    }

    /// The caregivers involved with a patient (NET-1), as far as I see the patient.
    pub fn care_network(&self, patient_id: PatientId) -> ClientResult<Vec<NetworkMemberView>> {
        let people = self.people_by_id()?;
        let organisations: HashMap<_, _> = self.directory()?.organisations.into_iter().map(|o| (o.id, o.name)).collect();
        let contracts = self.contracts()?;
        let mut members: Vec<NetworkMemberView> =
            crate::directory::cached(&self.inner.cache, EntityKind::CareNetworkMember, |body| match body {
                ChangeBody::CareNetworkMember(member) => Some(member),
                _ => None,
            })?
            .into_iter()
            .filter(|member: &CareNetworkMemberEntry| member.patient_id == patient_id && member.removed_by.is_none())
            .map(|member| {
                let mut names: Vec<String> = contracts
                    .iter()
                    .filter(|c| c.user_id == member.user_id)
                    .filter_map(|c| organisations.get(&c.organisation_id).cloned())
                    .collect();
                names.sort();
                names.dedup();
                NetworkMemberView {
                    user_id: member.user_id,
                    name: people.get(&member.user_id).map(PersonEntry::full_name).unwrap_or_default(),
                    organisations: names,
                    joined_via: member.joined_via,
                    added_by: people.get(&member.added_by).map(PersonEntry::full_name).unwrap_or_default(),
                    joined_at: member.joined_at,
                    removable: member.joined_via == NetworkJoin::Manual && member.added_by == self.inner.me.user_id,
                }
            })
            .collect();
        members.sort_by_key(|m| m.joined_at);
        Ok(members)
    }

    /// Add a caregiver to a patient's care network by hand (NET-2).
    pub async fn join_care_network(&self, patient_id: PatientId, user_id: UserId) -> ClientResult<()> {
        if !self.may_add_to_care_network(patient_id)? {
            return Err(ClientError::NotInCareNetwork);
        }
        self.submit_now(Mutation::JoinCareNetwork { patient_id, user_id }).await?;
        Ok(())
    }

    /// Whether I may add caregivers to the patient's care network (NET-2): I am in it, or I work
    /// at the practice that holds the patient. (The server holds the same rule.)
    pub fn may_add_to_care_network(&self, patient_id: PatientId) -> ClientResult<bool> {
        let me = self.inner.me.user_id;
        let practice = self.patient_network(patient_id)?.map(|network| network.organisation_id).or(
            match self.inner.cache.entity(EntityKind::Patient, patient_id.0)? {
                Some(ChangeBody::Patient(entry)) => Some(entry.organisation_id),
                _ => None,
            },
        );
        if practice.is_some_and(|practice| self.may(practice, kring_domain::Action::ViewPatients)) {
            return Ok(true);
        }
        let member = CareNetworkMemberEntry::id_for(patient_id, me);
        Ok(matches!(
            self.inner.cache.entity(EntityKind::CareNetworkMember, member)?,
            Some(ChangeBody::CareNetworkMember(entry)) if entry.removed_by.is_none()
        ))
    }

    /// Take out of the care network someone I added by hand by mistake (NET-2).
    pub async fn leave_care_network(&self, patient_id: PatientId, user_id: UserId) -> ClientResult<()> {
        self.submit_now(Mutation::LeaveCareNetwork { patient_id, user_id }).await?;
        Ok(())
    }

    /// The team inboxes I can write to (CHAT-3): teams with members who take part in
    /// conversations; about a patient, only teams of organisations that see the patient.
    pub fn inboxes(&self, patient_id: Option<PatientId>) -> ClientResult<Vec<InboxView>> {
        let allowed: Option<Vec<UserId>> = match patient_id {
            Some(patient) => Some(self.recipients(Some(patient))?.into_iter().map(|r| r.user_id).collect()),
            None => None,
        };
        let mut inboxes = Vec::new();
        for organisation in self.directory()?.organisations {
            for team in organisation.teams {
                let members = self.team_members(team.id)?;
                let usable = !members.is_empty()
                    && allowed
                        .as_ref()
                        .is_none_or(|allowed| members.iter().all(|m| allowed.contains(m) || *m == self.inner.me.user_id));
                if usable {
                    inboxes.push(InboxView {
                        team_id: team.id,
                        name: team.name,
                        organisation: organisation.name.clone(),
                        members: members.len(),
                    });
                }
            }
        }
        Ok(inboxes)
    }

    /// Keep team inboxes' conversations in step with the teams (CHAT-3): a colleague who joined
    /// the team gets every key of its conversations (and reads their history); one who left the
    /// team (or Kring) leaves them, so the next message has a key they do not hold. Done by any
    /// active participant with the open lock. Returns how many changes it made.
    pub async fn maintain_inbox_members(&self) -> ClientResult<usize> {
        if !self.is_unlocked() {
            return Ok(0);
        }
        let me = self.inner.me.user_id;
        let mut changed = 0;
        for entry in self.conversation_entries()? {
            if entry.inboxes.is_empty() || !entry.participants.iter().any(|p| p.user_id == me && p.is_active()) {
                continue;
            }
            for team in &entry.inboxes {
                let members = self.team_members(*team)?;
                let active: Vec<UserId> = entry.participants.iter().filter(|p| p.is_active()).map(|p| p.user_id).collect();
                let joined: Vec<(UserId, ParticipantKind, Option<TeamId>)> = members
                    .iter()
                    .filter(|m| !active.contains(m))
                    .map(|m| (*m, ParticipantKind::Caregiver, Some(*team)))
                    .collect();
                if !joined.is_empty() {
                    self.admit(entry.id, &joined).await?;
                    changed += joined.len();
                }
                let gone: Vec<UserId> = entry
                    .participants
                    .iter()
                    .filter(|p| p.is_active() && p.via_inbox == Some(*team) && !members.contains(&p.user_id) && p.user_id != me)
                    .map(|p| p.user_id)
                    .collect();
                for user_id in gone {
                    self.submit_now(Mutation::RemoveInboxMember { conversation_id: entry.id, user_id }).await?;
                    changed += 1;
                }
            }
        }
        Ok(changed)
    }
}
