//! CARE-4, first part: the measurements a district nurse enters at the patient's home (blood
//! pressure, pulse, weight, glucose, oxygen saturation, temperature, pain score), checked the same
//! way by client and server. A value a human body cannot have is refused with its own code (the
//! UI words it in Dutch); a plausible value outside the patient's targets is kept and stands out in
//! the chart instead ([`crate::targets`]).
//!
//! Each kind carries the LOINC code and unit the HIS extraction uses for the same measurement, so
//! home and practice values share one trend chart, labelled by source.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// What a nurse measures at home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum HomeMeasurementKind {
    /// Systolic and diastolic, together.
    BloodPressure,
    Pulse,
    Weight,
    Glucose,
    OxygenSaturation,
    Temperature,
    /// The numeric rating scale, 0 to 10 in whole steps.
    PainScore,
}

/// One quantity of a kind: its code, Dutch label, unit and what a body can have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// LOINC, as `http://loinc.org|<code>` (the extraction's form).
    pub code: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// The lowest and highest value that can be measured on a living person; outside it the value
    /// is a typing error (a weight of 800 kg, a temperature of 73 °C).
    pub plausible: (f64, f64),
    /// Decimals kept (weight 0.1 kg, temperature 0.1 °C, blood pressure whole mmHg).
    pub decimals: u32,
}

const SYSTOLIC: Quantity = Quantity {
    code: "http://loinc.org|8480-6",
    label: "Systolische bloeddruk",
    unit: "mmHg",
    plausible: (50.0, 300.0),
    decimals: 0,
};
const DIASTOLIC: Quantity = Quantity {
    code: "http://loinc.org|8462-4",
    label: "Diastolische bloeddruk",
    unit: "mmHg",
    plausible: (20.0, 200.0),
    decimals: 0,
};
const PULSE: Quantity =
    Quantity { code: "http://loinc.org|8867-4", label: "Hartfrequentie", unit: "/min", plausible: (20.0, 250.0), decimals: 0 };
const WEIGHT: Quantity =
    Quantity { code: "http://loinc.org|29463-7", label: "Lichaamsgewicht", unit: "kg", plausible: (0.5, 400.0), decimals: 1 };
const GLUCOSE: Quantity =
    Quantity { code: "http://loinc.org|15074-8", label: "Glucose (bloed)", unit: "mmol/l", plausible: (0.5, 50.0), decimals: 1 };
const SATURATION: Quantity =
    Quantity { code: "http://loinc.org|59408-5", label: "Zuurstofsaturatie", unit: "%", plausible: (50.0, 100.0), decimals: 0 };
const TEMPERATURE: Quantity =
    Quantity { code: "http://loinc.org|8310-5", label: "Lichaamstemperatuur", unit: "Cel", plausible: (30.0, 45.0), decimals: 1 };
const PAIN: Quantity =
    Quantity { code: "http://loinc.org|72514-3", label: "Pijnscore (NRS)", unit: "{score}", plausible: (0.0, 10.0), decimals: 0 };

impl HomeMeasurementKind {
    /// The quantities one entry of this kind has: two for blood pressure, one for the rest.
    pub fn quantities(self) -> &'static [Quantity] {
        match self {
            HomeMeasurementKind::BloodPressure => &[SYSTOLIC, DIASTOLIC],
            HomeMeasurementKind::Pulse => &[PULSE],
            HomeMeasurementKind::Weight => &[WEIGHT],
            HomeMeasurementKind::Glucose => &[GLUCOSE],
            HomeMeasurementKind::OxygenSaturation => &[SATURATION],
            HomeMeasurementKind::Temperature => &[TEMPERATURE],
            HomeMeasurementKind::PainScore => &[PAIN],
        }
    }
}

/// Why an entry is refused. `code()` is what the UI words in Dutch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, strum::EnumIter)]
pub enum HomeMeasurementError {
    #[error("a value is missing")]
    ValueRequired,
    #[error("not a number")]
    NotANumber,
    #[error("outside what can be measured on a person")]
    Implausible,
    #[error("a pain score is a whole number from 0 to 10")]
    PainScoreNotWhole,
    #[error("the diastolic pressure is not below the systolic")]
    DiastolicNotBelowSystolic,
    #[error("the moment lies in the future")]
    InTheFuture,
    #[error("the moment lies more than a year back")]
    TooOld,
    #[error("this kind takes another number of values")]
    WrongNumberOfValues,
}

impl HomeMeasurementError {
    pub fn code(self) -> &'static str {
        match self {
            HomeMeasurementError::ValueRequired => "home_measurement_value_required",
            HomeMeasurementError::NotANumber => "home_measurement_not_a_number",
            HomeMeasurementError::Implausible => "home_measurement_implausible",
            HomeMeasurementError::PainScoreNotWhole => "home_measurement_pain_score_not_whole",
            HomeMeasurementError::DiastolicNotBelowSystolic => "home_measurement_diastolic_not_below_systolic",
            HomeMeasurementError::InTheFuture => "home_measurement_in_the_future",
            HomeMeasurementError::TooOld => "home_measurement_too_old",
            HomeMeasurementError::WrongNumberOfValues => "home_measurement_wrong_number_of_values",
        }
    }
}

/// One checked value, ready to seal and to chart beside the HIS's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct HomeValue {
    pub code: String,
    pub label: String,
    pub value: f64,
    pub unit: String,
    #[ts(type = "string")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// How far back an entry may be dated (a nurse catching up on a week's paper notes, not history).
pub const MAX_AGE: Duration = Duration::days(365);
/// Clocks differ a little between devices: a moment up to this far ahead is "now".
const CLOCK_SLACK: Duration = Duration::minutes(5);

/// Check what a nurse typed: `values` as typed (Dutch decimal comma or point, surrounding spaces),
/// one per quantity of `kind`, measured at `at`, entered at `now`. Values are rounded to the
/// kind's decimals.
pub fn check(
    kind: HomeMeasurementKind,
    values: &[&str],
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Vec<HomeValue>, HomeMeasurementError> {
    let quantities = kind.quantities();
    if values.len() != quantities.len() {
        return Err(HomeMeasurementError::WrongNumberOfValues);
    }
    if at > now + CLOCK_SLACK {
        return Err(HomeMeasurementError::InTheFuture);
    }
    if now - at > MAX_AGE {
        return Err(HomeMeasurementError::TooOld);
    }
    let mut checked = Vec::with_capacity(values.len());
    for (text, quantity) in values.iter().zip(quantities) {
        let value = parse_number(text)?;
        if kind == HomeMeasurementKind::PainScore && value.fract() != 0.0 {
            return Err(HomeMeasurementError::PainScoreNotWhole);
        }
        // Rounded first: what is kept is what must be plausible ("45,04" °C is 45,0).
        let scale = 10f64.powi(quantity.decimals as i32);
        let value = (value * scale).round() / scale;
        let (low, high) = quantity.plausible;
        if !(low..=high).contains(&value) {
            return Err(HomeMeasurementError::Implausible);
        }
        checked.push(HomeValue {
            code: quantity.code.to_owned(),
            label: quantity.label.to_owned(),
            value,
            unit: quantity.unit.to_owned(),
            at,
        });
    }
    if let [systolic, diastolic] = checked.as_slice() {
        if diastolic.value >= systolic.value {
            return Err(HomeMeasurementError::DiastolicNotBelowSystolic);
        }
    }
    Ok(checked)
}

/// A value as read back from the care network, checked again: the server cannot read what it
/// stores, so a client that skipped [`check`] could have sealed anything. Known code, plausible
/// value, not after the server took it (`recorded_at`, with the clock slack); label and unit from
/// this table, never from the sealed data. `None`: not shown.
pub fn verified(value: &HomeValue, recorded_at: OffsetDateTime) -> Option<HomeValue> {
    use strum::IntoEnumIterator;
    let quantity = HomeMeasurementKind::iter().flat_map(|kind| kind.quantities().iter()).find(|q| q.code == value.code)?;
    let (low, high) = quantity.plausible;
    let plausible = value.value.is_finite() && (low..=high).contains(&value.value);
    let in_time = value.at <= recorded_at + CLOCK_SLACK && recorded_at - value.at <= MAX_AGE + CLOCK_SLACK;
    (plausible && in_time).then(|| HomeValue {
        code: quantity.code.to_owned(),
        label: quantity.label.to_owned(),
        value: value.value,
        unit: quantity.unit.to_owned(),
        at: value.at,
    })
}

/// A number as a Dutch user types it: "37,5", "37.5", " 82 ". No thousands separators (no home
/// value needs them), no exponent, nothing else.
fn parse_number(text: &str) -> Result<f64, HomeMeasurementError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(HomeMeasurementError::ValueRequired);
    }
    let separators = text.chars().filter(|c| matches!(c, ',' | '.')).count();
    let well_formed = separators <= 1
        && text.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
        && text.chars().next().is_some_and(|c| c.is_ascii_digit())
        && text.chars().last().is_some_and(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(HomeMeasurementError::NotANumber);
    }
    text.replace(',', ".").parse::<f64>().map_err(|_| HomeMeasurementError::NotANumber)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use HomeMeasurementError as E;
    use HomeMeasurementKind as K;

    const NOW: OffsetDateTime = datetime!(2026-12-03 14:00 UTC);

    fn one(kind: K, value: &str) -> Result<f64, E> {
        check(kind, &[value], NOW - Duration::hours(1), NOW).map(|values| values[0].value)
    }

    #[test]
    fn a_dutch_decimal_comma_and_point_both_read_and_are_rounded_to_the_kind_s_precision() {
        assert_eq!(one(K::Temperature, "37,5"), Ok(37.5));
        assert_eq!(one(K::Temperature, " 37.46 "), Ok(37.5));
        assert_eq!(one(K::Weight, "82,04"), Ok(82.0));
        assert_eq!(one(K::OxygenSaturation, "96"), Ok(96.0));
        assert_eq!(one(K::Glucose, "6,8"), Ok(6.8));
    }

    #[test]
    fn what_is_not_a_number_is_refused_as_such() {
        for text in ["", "  "] {
            assert_eq!(one(K::Pulse, text), Err(E::ValueRequired), "{text:?}");
        }
        for text in ["zeventig", "7O", "37,5,1", "1.000,5", ",5", "5,", "-3", "1e2", "37 5"] {
            assert_eq!(one(K::Temperature, text), Err(E::NotANumber), "{text:?}");
        }
    }

    #[test]
    fn the_edges_of_what_a_body_can_have_are_kept_and_beyond_them_refused() {
        let cases = [
            (K::Pulse, "20", "19"),
            (K::Pulse, "250", "251"),
            (K::Weight, "0,5", "0,4"),
            (K::Weight, "400", "400,1"),
            (K::Glucose, "0,5", "0,4"),
            (K::Glucose, "50", "50,1"),
            (K::OxygenSaturation, "50", "49"),
            (K::OxygenSaturation, "100", "101"),
            (K::Temperature, "30", "29,9"),
            (K::Temperature, "45", "45,1"),
            (K::PainScore, "0", "11"),
            (K::PainScore, "10", "12"),
        ];
        for (kind, kept, refused) in cases {
            assert!(one(kind, kept).is_ok(), "{kind:?} {kept}");
            assert_eq!(one(kind, refused), Err(E::Implausible), "{kind:?} {refused}");
        }
    }

    #[test]
    fn blood_pressure_has_two_values_and_the_diastolic_lies_below_the_systolic() {
        let at = NOW - Duration::hours(1);
        let values = check(K::BloodPressure, &["138", "84"], at, NOW).unwrap();
        let codes: Vec<&str> = values.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(codes, ["http://loinc.org|8480-6", "http://loinc.org|8462-4"], "the HIS's codes, so one chart");
        assert_eq!(values[0].unit, "mmHg");
        assert_eq!(check(K::BloodPressure, &["84", "138"], at, NOW), Err(E::DiastolicNotBelowSystolic));
        assert_eq!(check(K::BloodPressure, &["120", "120"], at, NOW), Err(E::DiastolicNotBelowSystolic));
        assert_eq!(check(K::BloodPressure, &["138"], at, NOW), Err(E::WrongNumberOfValues));
        assert_eq!(check(K::BloodPressure, &["400", "84"], at, NOW), Err(E::Implausible));
    }

    #[test]
    fn what_is_read_back_is_checked_again_and_named_by_the_table() {
        let good = check(K::Weight, &["82,0"], NOW - Duration::hours(1), NOW).unwrap().remove(0);
        assert_eq!(verified(&good, NOW), Some(good.clone()));
        let renamed = HomeValue { label: "Gewicht van de buurman".into(), unit: "lb".into(), ..good.clone() };
        assert_eq!(verified(&renamed, NOW).map(|v| (v.label, v.unit)), Some(("Lichaamsgewicht".into(), "kg".into())));
        assert_eq!(verified(&HomeValue { value: 800.0, ..good.clone() }, NOW), None, "a forged 800 kg");
        assert_eq!(verified(&HomeValue { value: f64::NAN, ..good.clone() }, NOW), None);
        assert_eq!(verified(&HomeValue { code: "http://loinc.org|0000-0".into(), ..good.clone() }, NOW), None);
        assert_eq!(verified(&HomeValue { at: NOW + Duration::hours(2), ..good.clone() }, NOW), None, "after the server took it");
        assert_eq!(one(K::Temperature, "45,04"), Ok(45.0), "rounded before the range");
    }

    #[test]
    fn a_pain_score_is_whole() {
        assert_eq!(one(K::PainScore, "7"), Ok(7.0));
        assert_eq!(one(K::PainScore, "6,5"), Err(E::PainScoreNotWhole));
    }

    #[test]
    fn the_moment_is_not_in_the_future_nor_more_than_a_year_back() {
        assert!(check(K::Pulse, &["72"], NOW + Duration::minutes(4), NOW).is_ok(), "a clock a little ahead");
        assert_eq!(check(K::Pulse, &["72"], NOW + Duration::hours(1), NOW), Err(E::InTheFuture));
        assert!(check(K::Pulse, &["72"], NOW - Duration::days(365), NOW).is_ok());
        assert_eq!(check(K::Pulse, &["72"], NOW - Duration::days(366), NOW), Err(E::TooOld));
    }

    #[test]
    fn every_error_has_its_own_code() {
        use strum::IntoEnumIterator;
        let codes: std::collections::HashSet<&str> = E::iter().map(E::code).collect();
        assert_eq!(codes.len(), E::iter().count());
        assert!(codes.iter().all(|code| code.starts_with("home_measurement_")));
    }
}
