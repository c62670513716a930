//! A patient as the practice knows them (PAT-1, PAT-2, PAT-6): the card (NAW, BSN, care
//! programmes) and the chart (measurements, medication) that the HIS extraction fills. These are
//! the plaintexts; they only ever leave a client sealed to the practice's vault. Consent for
//! digital network care is workflow state the server must check, so it is not sealed.

use crate::profile::iso_date;
use crate::values::Bsn;
use serde::{Deserialize, Serialize};
use time::Date;

/// Identifying data: naam, adres, woonplaats, and the BSN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientCard {
    pub bsn: Bsn,
    /// Family name with its prefix, as it is shown ("de Vries").
    pub family_name: String,
    /// Given names or initials.
    pub given_names: String,
    /// The rest of the name as the HIS sends it (zib NameInformation), where it does.
    #[serde(default)]
    pub name: NameDetails,
    #[serde(with = "iso_date")]
    pub birth_date: Date,
    pub gender: Gender,
    pub address: Option<Address>,
    pub phone: Option<String>,
    /// The care programmes the patient is enrolled in (shown as capsules).
    #[serde(default)]
    pub programmes: Vec<CareProgramme>,
}

/// The parts of a Dutch name as zib NameInformation gives them (nl-core's HumanName extensions):
/// the family name of one's own and of one's partner, each with its prefix, how they are used
/// together, the initials and the roepnaam. All optional: a HIS may send only `family`/`given`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameDetails {
    pub own_prefix: Option<String>,
    pub own_name: Option<String>,
    pub partner_prefix: Option<String>,
    pub partner_name: Option<String>,
    pub usage: Option<NameUsage>,
    /// "J.P.M.": as published, or from the given names.
    pub initials: Option<String>,
    /// The roepnaam (`use=usual`, or a given name qualified as call name).
    pub call_name: Option<String>,
}

/// How own and partner name make the family name (naamgebruik, zib NameUsage NL1-NL4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameUsage {
    /// NL1: own name only.
    Own,
    /// NL2: partner's name only.
    Partner,
    /// NL3: partner's name, then own ("van der Giessen-van Putten").
    PartnerThenOwn,
    /// NL4: own name, then partner's ("van Putten-van der Giessen").
    OwnThenPartner,
}

impl NameUsage {
    /// From the zib code (`NL1` … `NL4`).
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "NL1" => Some(Self::Own),
            "NL2" => Some(Self::Partner),
            "NL3" => Some(Self::PartnerThenOwn),
            "NL4" => Some(Self::OwnThenPartner),
            _ => None,
        }
    }
}

impl NameDetails {
    /// The family name the usage makes of the parts ("van Putten-van der Giessen"), when the
    /// parts it needs are there; NL1 where no usage is given.
    pub fn family(&self) -> Option<String> {
        let join = |prefix: &Option<String>, name: &Option<String>| {
            name.as_deref().map(|name| match prefix.as_deref() {
                Some(prefix) if !prefix.is_empty() => format!("{prefix} {name}"),
                _ => name.to_owned(),
            })
        };
        let own = join(&self.own_prefix, &self.own_name);
        let partner = join(&self.partner_prefix, &self.partner_name);
        match (self.usage.unwrap_or(NameUsage::Own), own, partner) {
            (NameUsage::Own, Some(own), _) => Some(own),
            (NameUsage::Partner, _, Some(partner)) => Some(partner),
            (NameUsage::PartnerThenOwn, Some(own), Some(partner)) => Some(format!("{partner}-{own}")),
            (NameUsage::OwnThenPartner, Some(own), Some(partner)) => Some(format!("{own}-{partner}")),
            _ => None,
        }
    }
}

/// Dutch name prefixes (voorvoegsels), longest first: a list sorts on the name without them.
const NAME_PREFIXES: [&str; 26] = [
    "van der ", "van den ", "van de ", "van het ", "van 't ", "in 't ", "in de ", "in het ", "op de ", "op den ", "op het ",
    "uit de ", "uit den ", "aan de ", "aan den ", "bij de ", "van ", "den ", "der ", "het ", "'t ", "ten ", "ter ", "te ", "de ",
    "d'",
];

impl PatientCard {
    /// How a Dutch list orders patients: by the family name without its prefix ("de Vries"
    /// sorts under V), then the prefix, then the given names; case does not count. With name
    /// parts, the name the usage puts first: the own name, or the partner's for NL2 and NL3
    /// ("J. van der Giessen-van Putten" under G, as the list shows her).
    pub fn sort_key(&self) -> String {
        let (prefix, first) = match self.name.usage {
            Some(NameUsage::Partner | NameUsage::PartnerThenOwn) => (&self.name.partner_prefix, &self.name.partner_name),
            _ => (&self.name.own_prefix, &self.name.own_name),
        };
        if let Some(first) = first.as_deref() {
            let prefix = prefix.as_deref().unwrap_or_default().to_lowercase();
            return format!("{}\u{1}{prefix}\u{1}{}", first.to_lowercase(), self.given_names.to_lowercase());
        }
        let family = self.family_name.trim().to_lowercase();
        let (prefix, name) = NAME_PREFIXES
            .iter()
            .find_map(|prefix| family.strip_prefix(prefix).map(|rest| (prefix.trim(), rest)))
            .unwrap_or(("", family.as_str()));
        format!("{name}\u{1}{prefix}\u{1}{}", self.given_names.to_lowercase())
    }

    /// "J.P.M. van Putten-van der Giessen": how a letter or the page header names the patient.
    pub fn formal_name(&self) -> String {
        let initials = self.name.initials.clone().unwrap_or_else(|| initials_of(&self.given_names));
        if initials.is_empty() {
            self.family_name.clone()
        } else {
            format!("{initials} {}", self.family_name)
        }
    }

    /// "de Vries, Jan": how lists show a patient.
    pub fn display_name(&self) -> String {
        if self.given_names.is_empty() {
            self.family_name.clone()
        } else {
            format!("{}, {}", self.family_name, self.given_names)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Address {
    pub street: String,
    pub postal_code: String,
    pub city: String,
}

/// A chain-care programme (ketenzorg) or GGZ care a patient is enrolled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
pub enum CareProgramme {
    /// Diabetes mellitus type 2.
    #[serde(rename = "DM")]
    Dm,
    #[serde(rename = "COPD")]
    Copd,
    /// Cardiovasculair risicomanagement.
    #[serde(rename = "CVRM")]
    Cvrm,
    #[serde(rename = "Astma")]
    Astma,
    #[serde(rename = "GGZ")]
    Ggz,
    /// Kwetsbare ouderen.
    #[serde(rename = "Ouderenzorg")]
    Ouderenzorg,
}

impl CareProgramme {
    pub const ALL: [CareProgramme; 6] = [
        CareProgramme::Dm,
        CareProgramme::Copd,
        CareProgramme::Cvrm,
        CareProgramme::Astma,
        CareProgramme::Ggz,
        CareProgramme::Ouderenzorg,
    ];

    /// The short name used in the UI, the CSV format and the FHIR import.
    pub fn code(self) -> &'static str {
        match self {
            CareProgramme::Dm => "DM",
            CareProgramme::Copd => "COPD",
            CareProgramme::Cvrm => "CVRM",
            CareProgramme::Astma => "Astma",
            CareProgramme::Ggz => "GGZ",
            CareProgramme::Ouderenzorg => "Ouderenzorg",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|programme| programme.code().eq_ignore_ascii_case(text.trim()))
    }

    /// The name written out, for a letter to someone outside the practice's shorthand.
    pub fn full_name(self) -> &'static str {
        match self {
            CareProgramme::Dm => "Diabetes mellitus type 2 (DM)",
            CareProgramme::Copd => "COPD",
            CareProgramme::Cvrm => "Cardiovasculair risicomanagement (CVRM)",
            CareProgramme::Astma => "Astma",
            CareProgramme::Ggz => "GGZ in de huisartsenpraktijk",
            CareProgramme::Ouderenzorg => "Kwetsbare ouderen (ouderenzorg)",
        }
    }
}

/// Measurements and medication from the HIS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PatientChart {
    pub measurements: Vec<Measurement>,
    pub medication: Vec<Medication>,
}

/// One measurement (meting): what, value, unit, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Measurement {
    /// The code as the HIS sent it, `system|code` (LOINC, NHG labcode table 45, SNOMED).
    pub code: String,
    /// What the HIS called it ("Systolische bloeddruk").
    pub label: String,
    pub value: f64,
    pub unit: String,
    #[ts(type = "string")]
    #[serde(with = "iso_date")]
    pub date: Date,
}

/// One medication statement (medicatie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Medication {
    pub name: String,
    pub dosage: Option<String>,
    #[ts(type = "string | null")]
    #[serde(default, with = "iso_date::option")]
    pub since: Option<Date>,
    /// The last day of use, when the HIS gives one (MP9's `effectivePeriod.end`); after it the
    /// medication is stopped ([`Medication::current_on`]).
    #[ts(type = "string | null")]
    #[serde(default, with = "iso_date::option")]
    pub until: Option<Date>,
    /// False once the HIS marks it stopped or completed.
    pub active: bool,
    /// Paused ("onderbroken", MP9 `on-hold`): still prescribed, not taken now.
    #[serde(default)]
    pub on_hold: bool,
}

impl Medication {
    /// Whether it is in use on `today`: active at the source and its period not over.
    pub fn current_on(&self, today: Date) -> bool {
        self.active && !self.on_hold && self.until.is_none_or(|until| until >= today)
    }
}

/// Who gave consent for digital network care (PAT-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentGiver {
    Patient,
    /// A legal representative or carer (wettelijk vertegenwoordiger / mantelzorger).
    Representative,
}

/// A version of the consent text the patient agreed to. The exact text is kept here, versioned:
/// a recorded consent names the version, and a version's text never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentText {
    pub version: &'static str,
    pub text: &'static str,
}

/// All released consent texts, oldest first; the last is the one asked now.
pub const CONSENT_TEXTS: [ConsentText; 1] = [ConsentText {
    version: "2026-1",
    text: "Ik geef toestemming dat mijn huisarts en de zorgverleners die bij mijn zorg betrokken zijn \
           (zoals de praktijkondersteuner, de wijkverpleging en de GGZ-hulpverlener) via Kring de \
           gegevens uitwisselen die nodig zijn voor mijn zorg. Ik weet dat ik deze toestemming altijd \
           kan intrekken bij mijn huisarts of wijkverpleegkundige.",
}];

/// The consent text a new consent is recorded under.
pub fn current_consent_text() -> ConsentText {
    CONSENT_TEXTS[CONSENT_TEXTS.len() - 1]
}

/// "J.P.M." from "Johanna Petronella Maria" (already initials stay as they are).
pub fn initials_of(given_names: &str) -> String {
    given_names
        .split_whitespace()
        .filter_map(|name| {
            // Already initials ("J.P.M.", "Th."): kept as written.
            if name.contains('.') {
                return Some(name.to_owned());
            }
            name.chars().find(|c| c.is_alphabetic()).map(|first| format!("{}.", first.to_uppercase()))
        })
        .collect()
}

/// A released consent text by its version.
pub fn consent_text(version: &str) -> Option<ConsentText> {
    CONSENT_TEXTS.iter().copied().find(|text| text.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programmes_parse_their_codes_case_insensitively_and_nothing_else() {
        for programme in CareProgramme::ALL {
            assert_eq!(CareProgramme::parse(programme.code()), Some(programme));
            assert_eq!(CareProgramme::parse(&programme.code().to_lowercase()), Some(programme));
        }
        assert_eq!(CareProgramme::parse("HVZ"), None);
        assert_eq!(serde_json::to_string(&CareProgramme::Cvrm).unwrap(), "\"CVRM\"");
    }

    #[test]
    fn each_consent_version_is_unique_and_the_newest_is_current() {
        let versions: std::collections::HashSet<_> = CONSENT_TEXTS.iter().map(|t| t.version).collect();
        assert_eq!(versions.len(), CONSENT_TEXTS.len());
        assert_eq!(consent_text(current_consent_text().version), Some(current_consent_text()));
        assert_eq!(consent_text("1999-1"), None);
    }

    #[test]
    fn the_card_keeps_its_bsn_out_of_debug_output() {
        let card = PatientCard {
            bsn: Bsn::parse("999911120").unwrap(),
            family_name: "de Vries".into(),
            given_names: "Jan".into(),
            birth_date: time::macros::date!(1950 - 03 - 04),
            gender: Gender::Male,
            address: None,
            phone: None,
            programmes: vec![],
            name: Default::default(),
        };
        assert!(!format!("{card:?}").contains("999911120"));
        assert_eq!(card.display_name(), "de Vries, Jan");
    }

    #[test]
    fn pat_2_a_list_sorts_on_the_name_without_its_prefix_as_dutch_practices_do() {
        let card = |family: &str, given: &str| PatientCard {
            bsn: Bsn::parse("999911120").unwrap(),
            family_name: family.into(),
            given_names: given.into(),
            birth_date: time::macros::date!(1950 - 03 - 04),
            gender: Gender::Unknown,
            address: None,
            phone: None,
            programmes: vec![],
            name: Default::default(),
        };
        let mut names = [
            card("Visser", "Kees"),
            card("de Vries", "Jan"),
            card("van den Berg", "Anna"),
            card("Bakker", "Sanne"),
            card("de Boer", "Henk"),
            card("Vries", "Piet"),
        ];
        names.sort_by_key(PatientCard::sort_key);
        let shown: Vec<String> = names.iter().map(PatientCard::display_name).collect();
        assert_eq!(
            shown,
            ["Bakker, Sanne", "van den Berg, Anna", "de Boer, Henk", "Visser, Kees", "Vries, Piet", "de Vries, Jan"]
        );
    }

    #[test]
    fn pat_1_name_usage_makes_the_family_name_from_its_parts() {
        let parts = |usage| NameDetails {
            own_prefix: Some("van".into()),
            own_name: Some("Putten".into()),
            partner_prefix: Some("van der".into()),
            partner_name: Some("Giessen".into()),
            usage: Some(usage),
            ..NameDetails::default()
        };
        assert_eq!(parts(NameUsage::Own).family().as_deref(), Some("van Putten"));
        assert_eq!(parts(NameUsage::Partner).family().as_deref(), Some("van der Giessen"));
        assert_eq!(parts(NameUsage::PartnerThenOwn).family().as_deref(), Some("van der Giessen-van Putten"));
        assert_eq!(parts(NameUsage::OwnThenPartner).family().as_deref(), Some("van Putten-van der Giessen"));
        assert_eq!(initials_of("Johanna Petronella Maria"), "J.P.M.");
        assert_eq!(initials_of("J.P.M."), "J.P.M.", "already initials");
        assert_eq!(initials_of("Theodorus Th. jan"), "T.Th.J.");
    }

    #[test]
    fn pat_2_a_partner_name_used_first_sorts_the_list_under_it() {
        let card = |usage| PatientCard {
            bsn: Bsn::parse("999911120").unwrap(),
            family_name: String::new(),
            given_names: "Johanna".into(),
            birth_date: time::macros::date!(1934 - 04 - 28),
            gender: Gender::Female,
            address: None,
            phone: None,
            programmes: vec![],
            name: NameDetails {
                own_prefix: Some("van".into()),
                own_name: Some("Putten".into()),
                partner_prefix: Some("van der".into()),
                partner_name: Some("Giessen".into()),
                usage: Some(usage),
                ..NameDetails::default()
            },
        };
        assert!(card(NameUsage::OwnThenPartner).sort_key().starts_with("putten\u{1}van\u{1}"));
        assert!(card(NameUsage::Own).sort_key().starts_with("putten"));
        assert!(card(NameUsage::PartnerThenOwn).sort_key().starts_with("giessen\u{1}van der\u{1}"));
        assert!(card(NameUsage::Partner).sort_key().starts_with("giessen"));
    }

    /// Cards and charts sealed before issue 14 (no name parts, no period end, no pause) are still
    /// in every region's store: they must keep opening.
    #[test]
    fn pat_1_cards_and_charts_sealed_before_the_name_parts_and_periods_still_open() {
        let card: PatientCard = serde_json::from_str(
            r#"{"bsn":"999911120","family_name":"de Vries","given_names":"Jan","birth_date":"1950-03-04",
                "gender":"male","address":null,"phone":null,"programmes":["CVRM"]}"#,
        )
        .expect("a round-1 card");
        assert_eq!((&card.name, card.formal_name()), (&NameDetails::default(), "J. de Vries".to_owned()));
        let chart: PatientChart = serde_json::from_str(
            r#"{"measurements":[{"code":"http://loinc.org|8480-6","label":"Systolische bloeddruk","value":142.0,
                "unit":"mmHg","date":"2026-01-02"}],
                "medication":[{"name":"Metformine 500 mg","dosage":"2dd1","since":"2020-01-01","active":true}]}"#,
        )
        .expect("a round-1 chart");
        let metformine = &chart.medication[0];
        assert_eq!((metformine.until, metformine.on_hold), (None, false));
        assert!(metformine.current_on(time::macros::date!(2026 - 12 - 03)));
    }
}
