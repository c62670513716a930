//! STAFF-5 for consultations (CONS-4): the finance export of declarations and the quality
//! dashboard, from the consultation records a practice and its care group receive. A record names
//! practice, group, dates and declared services; never the patient or the subject.

use crate::error::ClientResult;
use crate::KringClient;
use kring_domain::business_time::dutch_time;
use kring_domain::consultation::ConsultationError;
use kring_domain::Action;
use kring_protocol::consultations::ConsultationRecordEntry;
use kring_protocol::{ChangeBody, EntityKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::{Date, Duration};
use uuid::Uuid;

/// The longest period one export covers.
const MAX_PERIOD: Duration = Duration::days(366);

/// A period of the finance export, both days included; dates travel as `2026-12-01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
pub struct Period {
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub from: Date,
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub until: Date,
}

/// One booked service in the finance export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeclarationRow {
    /// The day it was booked, in Dutch time.
    #[ts(type = "string")]
    #[serde(with = "kring_domain::profile::iso_date")]
    pub date: Date,
    pub practice: String,
    pub group: String,
    pub organisation: String,
    pub code: String,
    pub description: String,
    pub specialist: String,
    /// The consultation's reference (its id), to reconcile with the specialist's invoice.
    pub consultation: Uuid,
}

/// One month of one group on the quality dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DashboardRow {
    /// "2026-12", by the day it was asked in Dutch time.
    pub month: String,
    pub group: String,
    pub sent: u32,
    pub picked_up: u32,
    /// Answered within the group's agreement, in business hours (CONS-5).
    pub answered_within: u32,
    pub declared: u32,
}

impl KringClient {
    /// The services booked in the period (Dutch dates) on consultations of the practices whose
    /// declarations I handle: the practice's own (Huisarts, Assistent FIN) or its care group's.
    pub fn declarations(&self, period: Period) -> ClientResult<Vec<DeclarationRow>> {
        let Period { from, until: to } = period;
        if from > to || to - from > MAX_PERIOD {
            return Err(ConsultationError::InvalidPeriod.into());
        }
        let names = Names::of(self)?;
        let mut rows = Vec::new();
        for record in self.consultation_records()? {
            let mine = self.may(record.practice_id, Action::PracticeDeclarations)
                || record.care_group.is_some_and(|group| self.may(group, Action::CareGroupDeclarations));
            if !mine {
                continue;
            }
            for declaration in &record.declarations {
                let date = dutch_time(declaration.at).date();
                if date < from || date > to {
                    continue;
                }
                rows.push(DeclarationRow {
                    date,
                    practice: names.organisation(record.practice_id.0),
                    group: names.team(record.group.0),
                    organisation: names.organisation(record.organisation_id.0),
                    code: declaration.code.clone(),
                    description: declaration.description.clone(),
                    specialist: names.person(declaration.by.0),
                    consultation: record.id,
                });
            }
        }
        rows.sort_by(|a, b| a.date.cmp(&b.date).then(a.practice.cmp(&b.practice)).then(a.consultation.cmp(&b.consultation)));
        Ok(rows)
    }

    /// The finance export as CSV the way Dutch spreadsheets open it: `;` between fields, a
    /// header, quotes where a field needs them, and no field that a spreadsheet would run as a
    /// formula.
    pub fn declarations_csv(&self, period: Period) -> ClientResult<String> {
        let mut csv = String::from("Datum;Praktijk;Specialistengroep;Organisatie;Code;Omschrijving;Specialist;Consultatie\r\n");
        for row in self.declarations(period)? {
            let date = format!("{:02}-{:02}-{}", row.date.day(), u8::from(row.date.month()), row.date.year());
            let fields = [
                date,
                row.practice,
                row.group,
                row.organisation,
                row.code,
                row.description,
                row.specialist,
                row.consultation.to_string(),
            ];
            let line: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
            csv.push_str(&line.join(";"));
            csv.push_str("\r\n");
        }
        Ok(csv)
    }

    /// The quality dashboard: per month and group, consultations sent, picked up, answered within
    /// the agreement and declared, for the practices whose reports I see (the practice's GP, the
    /// care group's Kwaliteitsmedewerker). Oldest month first.
    pub fn consultation_dashboard(&self) -> ClientResult<Vec<DashboardRow>> {
        let names = Names::of(self)?;
        let calendar = self.business_calendar();
        let mut rows: BTreeMap<(String, String), DashboardRow> = BTreeMap::new();
        for record in self.consultation_records()? {
            let mine = self.may(record.practice_id, Action::ViewReports)
                || record.care_group.is_some_and(|group| self.may(group, Action::ViewReports));
            if !mine {
                continue;
            }
            let asked = dutch_time(record.asked_at);
            let month = format!("{}-{:02}", asked.year(), u8::from(asked.month()));
            let group = names.team(record.group.0);
            let row = rows.entry((month.clone(), group.clone())).or_insert_with(|| DashboardRow {
                month,
                group,
                sent: 0,
                picked_up: 0,
                answered_within: 0,
                declared: 0,
            });
            row.sent += 1;
            row.picked_up += u32::from(record.picked_up_at.is_some());
            let due = calendar.add(record.asked_at, Duration::hours(i64::from(record.answer_hours)));
            row.answered_within += u32::from(record.answered_at.is_some_and(|answered| answered <= due));
            row.declared += u32::from(!record.declarations.is_empty());
        }
        Ok(rows.into_values().collect())
    }

    fn consultation_records(&self) -> ClientResult<Vec<ConsultationRecordEntry>> {
        crate::directory::cached(&self.inner.cache, EntityKind::ConsultationRecord, |body| match body {
            ChangeBody::ConsultationRecord(record) => Some(record),
            _ => None,
        })
    }
}

/// A field as CSV holds it: quoted when it holds the separator, a quote or a line break; a
/// leading `=`, `+`, `-` or `@` (a spreadsheet formula) is defused with a `'`.
fn csv_field(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) { format!("'{field}") } else { field.to_owned() };
    if field.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// Names from the directory, with a stand-in for what it no longer has.
struct Names {
    organisations: HashMap<Uuid, String>,
    teams: HashMap<Uuid, String>,
    people: HashMap<Uuid, String>,
}

impl Names {
    fn of(client: &KringClient) -> ClientResult<Self> {
        let mut organisations = HashMap::new();
        let mut teams = HashMap::new();
        for organisation in client.directory()?.organisations {
            for team in &organisation.teams {
                teams.insert(team.id.0, team.name.clone());
            }
            organisations.insert(organisation.id.0, organisation.name);
        }
        let people = client.names()?.into_iter().map(|(id, name)| (id.0, name)).collect();
        Ok(Names { organisations, teams, people })
    }

    fn organisation(&self, id: Uuid) -> String {
        self.organisations.get(&id).cloned().unwrap_or_else(|| "Onbekende organisatie".to_owned())
    }

    fn team(&self, id: Uuid) -> String {
        self.teams.get(&id).cloned().unwrap_or_else(|| "Onbekende groep".to_owned())
    }

    fn person(&self, id: Uuid) -> String {
        self.people.get(&id).cloned().unwrap_or_else(|| "Onbekende specialist".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn a_field_is_quoted_where_needed_and_never_read_as_a_formula() {
        assert_eq!(csv_field("PCH-K"), "PCH-K");
        assert_eq!(csv_field("Praktijk; De Linde"), "\"Praktijk; De Linde\"");
        assert_eq!(csv_field("zegt \"kort\""), "\"zegt \"\"kort\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5"), "'-5");
    }
}
