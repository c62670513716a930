//! The organisation directory as the UI shows it: organisations with their teams, each team's
//! contact person (STAFF-9) and members with their roles. Built from the cache.

use crate::cache::Cache;
use crate::error::ClientResult;
use kring_domain::{OrganisationId, OrganisationKind, Role, TeamId, UserId};
use kring_protocol::{ChangeBody, ContractEntry, EntityKind, PersonEntry};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Directory {
    pub organisations: Vec<OrganisationView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OrganisationView {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub city: String,
    pub agb: Option<String>,
    pub teams: Vec<TeamView>,
    /// People with a contract at the organisation but in no team.
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub contact_person: Option<MemberView>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MemberView {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub role_name: String,
    pub agb: Option<String>,
    /// Functions from the profile (PROF-1).
    pub functions: Vec<String>,
    /// Set while the person is away today: the last day of the absence (PROF-4).
    #[ts(type = "string | null")]
    #[serde(with = "kring_domain::profile::iso_date::option")]
    pub absent_until: Option<time::Date>,
}

/// The cached entities of one kind, unpacked from their `ChangeBody` variant.
pub(crate) fn cached<T>(cache: &Cache, kind: EntityKind, unpack: fn(ChangeBody) -> Option<T>) -> ClientResult<Vec<T>> {
    Ok(cache.entities(kind)?.into_iter().filter_map(unpack).collect())
}

impl Directory {
    pub(crate) fn from_cache(cache: &Cache) -> ClientResult<Self> {
        let today = time::OffsetDateTime::now_utc().date();
        let people: HashMap<UserId, PersonEntry> = cached(cache, EntityKind::Person, |body| match body {
            ChangeBody::Person(person) => Some(person),
            _ => None,
        })?
        .into_iter()
        .map(|person| (person.id, person))
        .collect();
        let contracts = cached(cache, EntityKind::Contract, |body| match body {
            ChangeBody::Contract(contract) => Some(contract),
            _ => None,
        })?;
        // Deactivated colleagues (STAFF-6) stay in the record, not in the directory.
        let member = |contract: &ContractEntry| {
            people.get(&contract.user_id).filter(|person| person.active).map(|person| MemberView {
                user_id: person.id,
                name: person.full_name(),
                role: contract.role,
                role_name: contract.role.dutch_name().to_owned(),
                agb: person.agb.as_ref().map(ToString::to_string),
                functions: person.functions.clone(),
                absent_until: kring_domain::profile::absent_until(&person.absences, today),
            })
        };
        let teams = cached(cache, EntityKind::Team, |body| match body {
            ChangeBody::Team(team) => Some(team),
            _ => None,
        })?;

        let mut organisations: Vec<OrganisationView> = cached(cache, EntityKind::Organisation, |body| match body {
            ChangeBody::Organisation(org) => Some(org),
            _ => None,
        })?
        .into_iter()
        .map(|org| {
            let mut org_teams: Vec<TeamView> = teams
                .iter()
                .filter(|team| team.organisation_id == org.id)
                .map(|team| {
                    let mut members: Vec<MemberView> =
                        contracts.iter().filter(|c| c.team_id == Some(team.id)).filter_map(&member).collect();
                    members.sort_by(|a, b| a.name.cmp(&b.name));
                    let contact_person = team.contact_person.and_then(|contact| {
                        contracts.iter().filter(|c| c.user_id == contact && c.organisation_id == org.id).find_map(&member)
                    });
                    TeamView { id: team.id, name: team.name.clone(), contact_person, members }
                })
                .collect();
            org_teams.sort_by(|a, b| a.name.cmp(&b.name));
            let mut members: Vec<MemberView> =
                contracts.iter().filter(|c| c.organisation_id == org.id && c.team_id.is_none()).filter_map(&member).collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            OrganisationView {
                id: org.id,
                name: org.name,
                kind: org.kind,
                city: org.city,
                agb: org.agb.map(|a| a.to_string()),
                teams: org_teams,
                members,
            }
        })
        .collect();
        organisations.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Directory { organisations })
    }
}
