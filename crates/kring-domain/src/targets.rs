//! Target ranges (streefwaarden) a trend chart shades, so a value outside them stands out.
//!
//! Only the general targets the NHG guidelines give for adults, and only where a value outside
//! them is worth a look for nearly everyone. Targets that depend on the person (older patients,
//! treatment with SU or insulin: HbA1c 54-64; COPD: a lower oxygen saturation) are the GP's to
//! set per patient in the health plan (CARE-2, CARE-4), which will take precedence; until then a
//! chart shows these general bands, labelled as such. Matched by LOINC code and unit: a value in
//! another unit has no band rather than a wrong one.

use serde::Serialize;

/// A band with one or two edges; `None` is an open side ("below 140").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
pub struct TargetRange {
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl TargetRange {
    /// Whether `value` lies outside the band (an edge itself is inside).
    pub fn excludes(&self, value: f64) -> bool {
        self.low.is_some_and(|low| value < low) || self.high.is_some_and(|high| value > high)
    }
}

/// (LOINC code, unit, low, high), with the guideline each comes from.
const DEFAULTS: &[(&str, &str, Option<f64>, Option<f64>)] = &[
    // NHG-Standaard Cardiovasculair risicomanagement (2019): systolic below 140 mmHg.
    ("8480-6", "mmHg", None, Some(140.0)),
    // NHG-Standaard Diabetes mellitus type 2: HbA1c at most 53 mmol/mol (the general target).
    ("4548-4", "mmol/mol", None, Some(53.0)),
    // NHG-Standaard CVRM: LDL cholesterol below 2.6 mmol/l.
    ("13457-7", "mmol/l", None, Some(2.6)),
    ("18262-6", "mmol/l", None, Some(2.6)),
    // NHG-Standaard Obesitas: a healthy BMI is 18.5 to 25.
    ("39156-5", "kg/m2", Some(18.5), Some(25.0)),
    // NHG-Standaard DM2: fasting glucose 4 to 7 mmol/l.
    ("1558-6", "mmol/l", Some(4.0), Some(7.0)),
];

/// The default target for a measurement kind (`system|code` as the extraction keeps it, or a
/// bare LOINC code), if the guidelines give one.
pub fn default_target(code: &str, unit: &str) -> Option<TargetRange> {
    let loinc = match code.split_once('|') {
        Some(("http://loinc.org", loinc)) => loinc,
        Some(_) => return None,
        None => code,
    };
    DEFAULTS
        .iter()
        .find(|(code, target_unit, _, _)| *code == loinc && target_unit.eq_ignore_ascii_case(unit))
        .map(|(_, _, low, high)| TargetRange { low: *low, high: *high })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_systolic_pressure_of_142_is_outside_the_cvrm_target_and_140_is_inside() {
        let target = default_target("http://loinc.org|8480-6", "mmHg").unwrap();
        assert!(target.excludes(142.0));
        assert!(!target.excludes(140.0));
    }

    #[test]
    fn a_two_sided_band_excludes_both_sides_and_another_unit_has_no_band() {
        let bmi = default_target("39156-5", "kg/m2").unwrap();
        assert!(bmi.excludes(17.0) && bmi.excludes(31.0) && !bmi.excludes(22.0));
        assert_eq!(default_target("8480-6", "kPa"), None);
        assert_eq!(default_target("29463-7", "kg"), None, "weight has no general target");
        assert_eq!(default_target("urn:oid:2.16.840.1.113883.2.4.4.30.45|8480-6", "mmHg"), None, "another code system");
    }
}
