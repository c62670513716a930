//! The referral letter (verwijsbrief, REF-4) as structured text: the form shows it live beside
//! the fields, the client renders the same structure to PDF, and the receiver reads it.
//!
//! The sections follow the order Dutch GPs know from the HASP guidance for referral letters
//! (NHG with the medical specialists): who the patient is, who refers (and on whose behalf), to
//! whom, the reason and question, the working hypothesis, the relevant history, current
//! medication, recent measurements, other remarks; date last. Only what the authorisation
//! matrix lets go to the receiver is in it ([`SharedChart`]): a section without data says so
//! instead of disappearing, so a reader knows it was not left out by accident.

use crate::patient::{Gender, PatientCard};
use crate::referral::{SharedChart, SuspectedDisorder};
use serde::{Deserialize, Serialize};
use time::Date;

/// The letter: a title and its sections, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReferralLetter {
    pub title: String,
    pub sections: Vec<LetterSection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LetterSection {
    pub heading: String,
    pub lines: Vec<String>,
}

/// A person in the letter with their organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterParty {
    pub name: String,
    pub role: String,
    pub agb: Option<String>,
    pub organisation: String,
    pub organisation_agb: Option<String>,
    pub city: String,
}

/// What the letter is made of.
#[derive(Debug, Clone)]
pub struct LetterInput<'a> {
    pub card: &'a PatientCard,
    pub phone: Option<&'a str>,
    pub referrer: LetterParty,
    pub on_behalf_of: Option<LetterParty>,
    pub to: &'a str,
    pub reason: &'a str,
    pub suspected_disorder: Option<SuspectedDisorder>,
    pub remarks: &'a str,
    pub shared: &'a SharedChart,
    pub date: Date,
}

/// `04-03-1950`, as Dutch letters write dates.
pub fn dutch_date(date: Date) -> String {
    format!("{:02}-{:02}-{}", date.day(), u8::from(date.month()), date.year())
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}").replace('.', ",")
    }
}

fn with_agb(text: String, agb: &Option<String>) -> String {
    match agb {
        Some(agb) => format!("{text} (AGB {agb})"),
        None => text,
    }
}

impl ReferralLetter {
    /// The letter for `input`. Pure: the same input gives the same letter (the preview is what
    /// is sent).
    pub fn compose(input: &LetterInput) -> Self {
        let card = input.card;
        let gender = match card.gender {
            Gender::Male => "man",
            Gender::Female => "vrouw",
            Gender::Other => "anders",
            Gender::Unknown => "geslacht onbekend",
        };
        let mut patient = vec![
            card.formal_name(),
            format!("Geboren {} ({gender})", dutch_date(card.birth_date)),
            format!("BSN {}", card.bsn.expose()),
        ];
        if let Some(address) = &card.address {
            patient.push(
                format!("{}, {} {}", address.street, address.postal_code, address.city).trim_matches([' ', ',']).to_owned(),
            );
        }
        patient.push(match input.phone {
            Some(phone) => format!("Telefoon {phone}"),
            None => "Telefoon onbekend".to_owned(),
        });

        let party = |party: &LetterParty| {
            vec![
                with_agb(format!("{}, {}", party.name, party.role), &party.agb),
                with_agb(format!("{}, {}", party.organisation, party.city), &party.organisation_agb),
            ]
        };
        let mut referrer = party(&input.referrer);
        if let Some(gp) = &input.on_behalf_of {
            referrer.push(with_agb(format!("Namens {}, {}", gp.name, gp.role), &gp.agb));
        }

        let lines = |text: &str| -> Vec<String> {
            let lines: Vec<String> = text.lines().map(str::trim_end).map(str::to_owned).collect();
            if lines.iter().all(|line| line.trim().is_empty()) {
                vec!["Niet ingevuld.".to_owned()]
            } else {
                lines
            }
        };
        let hypothesis = match input.suspected_disorder {
            Some(disorder) => vec![format!("Vermoeden: {}", disorder.dutch_name())],
            None => vec!["Geen vermoeden van een stoornis aangegeven.".to_owned()],
        };
        let history = if input.shared.programmes.is_empty() {
            vec!["Geen zorgprogramma's meegestuurd.".to_owned()]
        } else {
            let names: Vec<&str> = input.shared.programmes.iter().map(|p| p.full_name()).collect();
            vec![format!("Zorgprogramma's (ketenzorg): {}", names.join(", "))]
        };
        let current: Vec<String> = input
            .shared
            .medication
            .iter()
            .filter(|m| m.current_on(input.date))
            .map(|m| {
                let mut line = m.name.clone();
                if let Some(dosage) = m.dosage.as_deref().filter(|d| !d.is_empty()) {
                    line.push_str(&format!(": {dosage}"));
                }
                if let Some(since) = m.since {
                    line.push_str(&format!(" (sinds {})", dutch_date(since)));
                }
                if m.on_hold {
                    line.push_str(" (onderbroken)");
                }
                line
            })
            .collect();
        let medication = if current.is_empty() { vec!["Geen medicatie meegestuurd.".to_owned()] } else { current };
        let measurements = latest_measurements(input.shared);

        let mut sections = vec![
            LetterSection { heading: "Patiënt".into(), lines: patient },
            LetterSection { heading: "Verwijzer".into(), lines: referrer },
            LetterSection { heading: "Verwezen naar".into(), lines: vec![input.to.to_owned()] },
            LetterSection { heading: "Reden van verwijzing en vraagstelling".into(), lines: lines(input.reason) },
            LetterSection { heading: "Werkhypothese".into(), lines: hypothesis },
            LetterSection { heading: "Relevante voorgeschiedenis".into(), lines: history },
            LetterSection { heading: "Actuele medicatie".into(), lines: medication },
            LetterSection { heading: "Recente metingen".into(), lines: measurements },
        ];
        if !input.remarks.trim().is_empty() {
            sections.push(LetterSection { heading: "Opmerkingen".into(), lines: lines(input.remarks) });
        }
        // Signed off as a GP's letter is: by the referrer, on whose behalf, where and when.
        let mut closing = vec!["Met collegiale groet,".to_owned(), format!("{}, {}", input.referrer.name, input.referrer.role)];
        if let Some(gp) = &input.on_behalf_of {
            closing.push(format!("namens {}, {}", gp.name, gp.role));
        }
        closing.push(format!("{}, {}", input.referrer.organisation, input.referrer.city));
        closing.push(format!("Datum: {}", dutch_date(input.date)));
        closing.push("Verstuurd via Kring, end-to-end versleuteld.".into());
        sections.push(LetterSection { heading: "Ondertekening".into(), lines: closing });
        ReferralLetter { title: format!("Verwijsbrief aan {}", input.to), sections }
    }

    /// The letter as plain text (headings underlined), for the conversation and for tests.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n\n", self.title);
        for section in &self.sections {
            text.push_str(&format!("{}\n", section.heading));
            for line in &section.lines {
                text.push_str(&format!("  {line}\n"));
            }
            text.push('\n');
        }
        text
    }
}

/// The newest value of each measurement kind, in label order: "Systolische bloeddruk: 142 mmHg
/// (02-01-2026)".
fn latest_measurements(shared: &SharedChart) -> Vec<String> {
    let mut latest: Vec<&crate::patient::Measurement> = Vec::new();
    for measurement in &shared.measurements {
        match latest.iter_mut().find(|known| known.code == measurement.code && known.unit == measurement.unit) {
            Some(known) if known.date < measurement.date => *known = measurement,
            Some(_) => {}
            None => latest.push(measurement),
        }
    }
    latest.sort_by(|a, b| a.label.cmp(&b.label));
    if latest.is_empty() {
        return vec!["Geen metingen meegestuurd.".to_owned()];
    }
    latest
        .into_iter()
        .map(|m| format!("{}: {} {} ({})", m.label, number(m.value), m.unit, dutch_date(m.date)).replace("  (", " ("))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patient::{Address, Measurement, Medication};
    use crate::CareProgramme;

    fn card() -> PatientCard {
        PatientCard {
            bsn: crate::Bsn::parse("999911120").expect("test BSN"),
            family_name: "de Vries".into(),
            given_names: "Jan Willem".into(),
            name: Default::default(),
            birth_date: time::macros::date!(1950 - 03 - 04),
            gender: Gender::Male,
            address: Some(Address { street: "Dorpsstraat 1".into(), postal_code: "3511 AA".into(), city: "Utrecht".into() }),
            phone: None,
            programmes: vec![CareProgramme::Cvrm],
        }
    }

    fn party(name: &str, role: &str) -> LetterParty {
        LetterParty {
            name: name.into(),
            role: role.into(),
            agb: Some("01012345".into()),
            organisation: "Huisartsenpraktijk De Linde".into(),
            organisation_agb: Some("01051234".into()),
            city: "Delft".into(),
        }
    }

    #[test]
    fn ref_4_the_letter_has_the_hasp_sections_in_order_with_the_form_s_fields() {
        let measurement = |day: u8, value: f64| Measurement {
            code: "http://loinc.org|8480-6".into(),
            label: "Systolische bloeddruk".into(),
            value,
            unit: "mmHg".into(),
            date: time::Date::from_calendar_date(2026, time::Month::January, day).expect("date"),
        };
        let shared = SharedChart {
            measurements: vec![measurement(2, 142.0), measurement(9, 138.5)],
            medication: vec![
                Medication {
                    name: "Sertraline 50 mg".into(),
                    dosage: Some("1 maal per dag 1 tablet".into()),
                    since: None,
                    until: None,
                    active: true,
                    on_hold: false,
                },
                Medication {
                    name: "Oxazepam 10 mg".into(),
                    dosage: None,
                    since: None,
                    until: None,
                    active: false,
                    on_hold: false,
                },
            ],
            programmes: vec![CareProgramme::Cvrm],
        };
        let letter = ReferralLetter::compose(&LetterInput {
            card: &card(),
            phone: Some("06-12345678"),
            referrer: party("Mehmet Yılmaz", "POH-GGZ medewerker"),
            on_behalf_of: Some(party("Anne de Vries", "Huisarts")),
            to: "GGZ Delfland",
            reason: "Somberheid sinds een half jaar.\nGraag diagnostiek en behandeling.",
            suspected_disorder: Some(SuspectedDisorder::Depressive),
            remarks: "",
            shared: &shared,
            date: time::macros::date!(2026 - 12 - 03),
        });
        let headings: Vec<&str> = letter.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "Patiënt",
                "Verwijzer",
                "Verwezen naar",
                "Reden van verwijzing en vraagstelling",
                "Werkhypothese",
                "Relevante voorgeschiedenis",
                "Actuele medicatie",
                "Recente metingen",
                "Ondertekening"
            ]
        );
        let text = letter.to_text();
        for expected in [
            "Verwijsbrief aan GGZ Delfland",
            "J.W. de Vries",
            "Geboren 04-03-1950 (man)",
            "BSN 999911120",
            "Dorpsstraat 1, 3511 AA Utrecht",
            "Telefoon 06-12345678",
            "Mehmet Yılmaz, POH-GGZ medewerker (AGB 01012345)",
            "Namens Anne de Vries, Huisarts",
            "Graag diagnostiek en behandeling.",
            "Vermoeden: Depressieve stoornis",
            "Zorgprogramma's (ketenzorg): Cardiovasculair risicomanagement (CVRM)",
            "Met collegiale groet,",
            "namens Anne de Vries, Huisarts",
            "Sertraline 50 mg: 1 maal per dag 1 tablet",
            "Systolische bloeddruk: 138,5 mmHg (09-01-2026)",
            "Datum: 03-12-2026",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
        assert!(!text.contains("Oxazepam"), "stopped medication is not current");
        assert!(!text.contains("142"), "only the newest value of a kind");
    }

    #[test]
    fn ref_4_an_empty_section_says_so_instead_of_disappearing() {
        let letter = ReferralLetter::compose(&LetterInput {
            card: &card(),
            phone: None,
            referrer: party("Anne de Vries", "Huisarts"),
            on_behalf_of: None,
            to: "GGZ Delfland",
            reason: "",
            suspected_disorder: None,
            remarks: "",
            shared: &SharedChart::default(),
            date: time::macros::date!(2026 - 12 - 03),
        });
        let text = letter.to_text();
        for expected in [
            "Telefoon onbekend",
            "Niet ingevuld.",
            "Geen vermoeden van een stoornis aangegeven.",
            "Geen medicatie meegestuurd.",
            "Geen metingen meegestuurd.",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
    }
}
