//! HIS vendor profiles (PAT-3): how each GP information system hands a patient and a user to an
//! external application, and how the practice's HIS bridge maps that onto a launch token.
//!
//! Each HIS calls the bridge with its own query parameters (Medicom "externe toepassing >
//! zorgportaal", MicroHIS "met/zonder dossier", OmniHIS "Webdiensten" and the journal toolbar,
//! Promedico ASP from the SOEP screen, Promedico VDF from the medical-dossier menu, Mira from
//! "Documenten > Portalen"). A profile names those parameters; the defaults below are what Kring
//! ships, and a practice overrides them in the bridge's profile file (JSON, same shape) when its
//! HIS is configured differently. docs/patients.md ("Vendor profiles") has an example per vendor.

use crate::values::Bsn;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vendor {
    Medicom,
    Microhis,
    Omnihis,
    PromedicoAsp,
    PromedicoVdf,
    Mira,
}

impl Vendor {
    pub const ALL: [Vendor; 6] =
        [Vendor::Medicom, Vendor::Microhis, Vendor::Omnihis, Vendor::PromedicoAsp, Vendor::PromedicoVdf, Vendor::Mira];

    /// The name on the command line and in profile files (`promedico-asp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Medicom => "medicom",
            Vendor::Microhis => "microhis",
            Vendor::Omnihis => "omnihis",
            Vendor::PromedicoAsp => "promedico-asp",
            Vendor::PromedicoVdf => "promedico-vdf",
            Vendor::Mira => "mira",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|vendor| vendor.as_str() == text.trim().to_ascii_lowercase())
    }
}

/// How a HIS writes a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateStyle {
    /// 1950-03-04
    Iso,
    /// 04-03-1950
    DayMonthYear,
    /// 19500304
    Compact,
}

impl DateStyle {
    fn parse(self, text: &str) -> Option<Date> {
        let text = text.trim();
        let result = match self {
            DateStyle::Iso => Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")),
            DateStyle::DayMonthYear => Date::parse(text, time::macros::format_description!("[day]-[month]-[year]")),
            DateStyle::Compact => Date::parse(text, time::macros::format_description!("[year][month][day]")),
        };
        result.ok()
    }

    fn format(self, date: Date) -> String {
        let (year, month, day) = (date.year(), u8::from(date.month()), date.day());
        match self {
            DateStyle::Iso => format!("{year:04}-{month:02}-{day:02}"),
            DateStyle::DayMonthYear => format!("{day:02}-{month:02}-{year:04}"),
            DateStyle::Compact => format!("{year:04}{month:02}{day:02}"),
        }
    }
}

/// A yes/no parameter: which value means yes (any other value, or none, means no).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub param: String,
    pub yes: String,
    pub no: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParam {
    pub param: String,
    pub style: DateStyle,
}

/// One HIS's external-application parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorProfile {
    pub vendor: Vendor,
    /// The user's id in the HIS (linked to a Kring account per STAFF-11).
    pub user: String,
    pub bsn: String,
    /// Whether the HIS verified the BSN (ID check); PAT-4 requires it.
    pub bsn_verified: Flag,
    pub birth_date: Option<DateParam>,
    /// Launched "with dossier" (MicroHIS); absent for HISes without the choice.
    pub dossier: Option<Flag>,
    /// Parameters the HIS sends that Kring deliberately does not use (MicroHIS's professional
    /// summary): dropped at the bridge, never put in the token.
    #[serde(default)]
    pub ignored: Vec<String>,
}

/// What a HIS says about the launch, before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSubject {
    pub his_user: String,
    pub bsn: String,
    pub bsn_verified: bool,
    pub birth_date: Option<Date>,
    pub dossier: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VendorError {
    #[error("the HIS sent no {0} parameter")]
    Missing(String),
    #[error("the HIS sent {0} twice")]
    Repeated(String),
    #[error("the {0} parameter is not a date in the profile's style")]
    BadDate(String),
    #[error("the {0} parameter is not a valid BSN")]
    BadBsn(String),
}

fn flag(param: &str, yes: &str, no: &str) -> Flag {
    Flag { param: param.into(), yes: yes.into(), no: no.into() }
}

fn date(param: &str, style: DateStyle) -> Option<DateParam> {
    Some(DateParam { param: param.into(), style })
}

impl VendorProfile {
    /// The profile Kring ships for `vendor`.
    pub fn default_for(vendor: Vendor) -> Self {
        let (user, bsn, verified, birth_date, dossier, ignored): (&str, &str, Flag, _, _, &[&str]) = match vendor {
            Vendor::Medicom => (
                "gebruiker",
                "bsn",
                flag("bsn_geverifieerd", "J", "N"),
                date("geboortedatum", DateStyle::DayMonthYear),
                None,
                &[],
            ),
            Vendor::Microhis => (
                "user",
                "patient_bsn",
                flag("wid", "1", "0"),
                date("gebdat", DateStyle::Compact),
                Some(flag("dossier", "met", "zonder")),
                &["samenvatting"],
            ),
            Vendor::Omnihis => {
                ("Gebruiker", "BSN", flag("BSNGecontroleerd", "true", "false"), date("Geboortedatum", DateStyle::Iso), None, &[])
            }
            Vendor::PromedicoAsp => ("userid", "bsn", flag("widcheck", "1", "0"), date("dob", DateStyle::Iso), None, &[]),
            Vendor::PromedicoVdf => {
                ("usr_id", "pat_bsn", flag("pat_bsn_verified", "1", "0"), date("pat_dob", DateStyle::DayMonthYear), None, &[])
            }
            Vendor::Mira => (
                "Medewerker",
                "BSN",
                flag("IDGecontroleerd", "J", "N"),
                date("Geboortedatum", DateStyle::DayMonthYear),
                None,
                &[],
            ),
        };
        Self {
            vendor,
            user: user.into(),
            bsn: bsn.into(),
            bsn_verified: verified,
            birth_date,
            dossier,
            ignored: ignored.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// Read the HIS's parameters (name, value) into what the token will say. A parameter the
    /// profile does not name is ignored; a named one sent twice is refused (no guessing which).
    pub fn subject(&self, params: &[(String, String)]) -> Result<LaunchSubject, VendorError> {
        let one = |name: &str| -> Result<Option<&str>, VendorError> {
            let mut values = params.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
            match (values.next(), values.next()) {
                (first, None) => Ok(first),
                _ => Err(VendorError::Repeated(name.to_owned())),
            }
        };
        let required =
            |name: &str| one(name)?.filter(|value| !value.trim().is_empty()).ok_or_else(|| VendorError::Missing(name.to_owned()));
        let his_user = required(&self.user)?.trim().to_owned();
        let bsn = required(&self.bsn)?;
        let bsn = Bsn::parse(bsn).map_err(|_| VendorError::BadBsn(self.bsn.clone()))?.expose().to_owned();
        let bsn_verified = one(&self.bsn_verified.param)? == Some(self.bsn_verified.yes.as_str());
        let birth_date = match &self.birth_date {
            Some(param) => match one(&param.param)?.filter(|value| !value.trim().is_empty()) {
                Some(text) => Some(param.style.parse(text).ok_or_else(|| VendorError::BadDate(param.param.clone()))?),
                None => None,
            },
            None => None,
        };
        let dossier = match &self.dossier {
            Some(flag) => one(&flag.param)? == Some(flag.yes.as_str()),
            None => false,
        };
        Ok(LaunchSubject { his_user, bsn, bsn_verified, birth_date, dossier })
    }

    /// The parameters this HIS would send for `subject` (for `kring-his-launch`, which plays the
    /// HIS). MicroHIS "with dossier" also sends the professional summary, which `subject` drops.
    pub fn params_for(&self, subject: &LaunchSubject) -> Vec<(String, String)> {
        let mut params = vec![(self.user.clone(), subject.his_user.clone()), (self.bsn.clone(), subject.bsn.clone())];
        let verified = &self.bsn_verified;
        params.push((verified.param.clone(), if subject.bsn_verified { verified.yes.clone() } else { verified.no.clone() }));
        if let (Some(param), Some(birth_date)) = (&self.birth_date, subject.birth_date) {
            params.push((param.param.clone(), param.style.format(birth_date)));
        }
        if let Some(flag) = &self.dossier {
            params.push((flag.param.clone(), if subject.dossier { flag.yes.clone() } else { flag.no.clone() }));
            if subject.dossier {
                for ignored in &self.ignored {
                    params.push((ignored.clone(), "Professionele samenvatting (wordt niet gebruikt)".into()));
                }
            }
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(dossier: bool) -> LaunchSubject {
        LaunchSubject {
            his_user: "AVRIES".into(),
            bsn: "999911120".into(),
            bsn_verified: true,
            birth_date: Some(time::macros::date!(1950 - 03 - 04)),
            dossier,
        }
    }

    #[test]
    fn pat_3_every_vendor_round_trips_its_own_parameters() {
        for vendor in Vendor::ALL {
            let profile = VendorProfile::default_for(vendor);
            let dossier = profile.dossier.is_some();
            assert_eq!(profile.subject(&profile.params_for(&subject(dossier))).unwrap(), subject(dossier), "{vendor:?}");
            assert_eq!(Vendor::parse(vendor.as_str()), Some(vendor));
        }
    }

    #[test]
    fn pat_3_microhis_with_dossier_passes_the_summary_which_is_dropped() {
        let profile = VendorProfile::default_for(Vendor::Microhis);
        let params = profile.params_for(&subject(true));
        assert!(params.iter().any(|(name, _)| name == "samenvatting"));
        assert_eq!(params.iter().find(|(name, _)| name == "gebdat").unwrap().1, "19500304");
        assert!(profile.subject(&params).unwrap().dossier);
    }

    #[test]
    fn pat_4_an_unverified_or_missing_or_doubled_parameter_is_not_guessed() {
        let profile = VendorProfile::default_for(Vendor::Medicom);
        let mut params = profile.params_for(&subject(false));
        params.retain(|(name, _)| name != "bsn_geverifieerd");
        assert!(!profile.subject(&params).unwrap().bsn_verified, "no flag means not verified");
        params.push(("bsn".into(), "999911132".into()));
        assert_eq!(profile.subject(&params), Err(VendorError::Repeated("bsn".into())));
        params.retain(|(name, _)| name != "bsn");
        assert_eq!(profile.subject(&params), Err(VendorError::Missing("bsn".into())));
        let bad_date = vec![
            ("gebruiker".into(), "X".into()),
            ("bsn".into(), "999911120".into()),
            ("geboortedatum".into(), "1950-03-04".into()),
        ];
        assert_eq!(profile.subject(&bad_date), Err(VendorError::BadDate("geboortedatum".into())));
    }

    #[test]
    fn pat_3_a_practice_overrides_a_profile_with_a_json_file() {
        let json = r#"{"vendor":"omnihis","user":"Arts","bsn":"PatBSN",
            "bsn_verified":{"param":"WID","yes":"ja","no":"nee"},"birth_date":null,"dossier":null}"#;
        let profile: VendorProfile = serde_json::from_str(json).unwrap();
        let params =
            vec![("Arts".to_owned(), "HUISARTS1".to_owned()), ("PatBSN".into(), "999911120".into()), ("WID".into(), "ja".into())];
        let subject = profile.subject(&params).unwrap();
        assert_eq!((subject.his_user.as_str(), subject.bsn_verified, subject.birth_date), ("HUISARTS1", true, None));
    }
}
