//! The Kring CSV: one UTF-8 file, `;`-separated (as Dutch spreadsheets save it), `#` starts a
//! comment line. The first column says what a row is:
//!
//! ```text
//! patient;BSN;achternaam;voornamen;geboortedatum;geslacht;straat;postcode;woonplaats;telefoon;programma's
//! meting;BSN;code;omschrijving;waarde;eenheid;datum
//! medicatie;BSN;naam;dosering;sinds;actief
//! ```
//!
//! Dates are `YYYY-MM-DD` or `DD-MM-YYYY`; decimals take a comma or a point; gender is M, V, X or O;
//! programmes are separated by `,` (DM, COPD, CVRM, Astma, GGZ, Ouderenzorg); actief is ja/nee.
//! Measurement and medication rows may come before or after their patient's row.

use crate::{check_unique_bsns, Extraction, ExtractionError, ImportedPatient, Location, Problem};
use kring_domain::patient::{Address, Gender, Measurement, Medication};
use kring_domain::{Bsn, CareProgramme, PatientCard, PatientChart};
use std::collections::HashMap;
use time::Date;

pub fn read(text: &str) -> Result<Extraction, ExtractionError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut patients = Vec::new();
    let mut lines_of_patients = Vec::new();
    let mut rows: Vec<(u64, Row)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map(|position| position.line());
            ExtractionError::new(Location { line, ..Location::default() }, Problem::TooFewColumns)
        })?;
        let line = record.position().map_or(0, |position| position.line());
        let row = Cells { record: &record, line };
        match row.get(0, "soort")?.to_lowercase().as_str() {
            "" => continue,
            "patient" | "patiënt" => {
                patients.push(ImportedPatient { card: patient(&row)?, chart: PatientChart::default() });
                lines_of_patients.push(line);
            }
            "meting" => rows.push((line, Row::Measurement(row.bsn()?, measurement(&row)?))),
            "medicatie" => rows.push((line, Row::Medication(row.bsn()?, medication(&row)?))),
            _ => return Err(ExtractionError::new(row.at(0, "soort"), Problem::UnknownRowKind)),
        }
    }
    check_unique_bsns(&patients, |index| Location { line: Some(lines_of_patients[index]), ..Location::field("BSN") })?;
    let by_bsn: HashMap<String, usize> =
        patients.iter().enumerate().map(|(index, patient)| (patient.card.bsn.expose().to_owned(), index)).collect();
    for (line, row) in rows {
        let unknown = || {
            ExtractionError::new(
                Location { line: Some(line), column: Some(2), field: Some("BSN".into()) },
                Problem::UnknownPatient,
            )
        };
        let bsn = match &row {
            Row::Measurement(bsn, _) | Row::Medication(bsn, _) => bsn,
        };
        let chart = &mut patients[*by_bsn.get(bsn.expose()).ok_or_else(unknown)?].chart;
        match row {
            Row::Measurement(_, measurement) => chart.measurements.push(measurement),
            Row::Medication(_, medication) => chart.medication.push(medication),
        }
    }
    Ok(Extraction { patients, skipped: Vec::new() })
}

/// A measurement or medication row, with the BSN of the patient it belongs to.
enum Row {
    Measurement(Bsn, Measurement),
    Medication(Bsn, Medication),
}

struct Cells<'a> {
    record: &'a csv::StringRecord,
    line: u64,
}

impl Cells<'_> {
    fn at(&self, index: usize, name: &str) -> Location {
        Location { line: Some(self.line), column: Some(index as u64 + 1), field: Some(name.to_owned()) }
    }

    /// A required cell, trimmed.
    fn get(&self, index: usize, name: &str) -> Result<&str, ExtractionError> {
        match self.record.get(index) {
            None => Err(ExtractionError::new(self.at(index, name), Problem::TooFewColumns)),
            Some(value) if value.trim().is_empty() && index > 0 => {
                Err(ExtractionError::new(self.at(index, name), Problem::MissingValue))
            }
            Some(value) => Ok(value.trim()),
        }
    }

    /// An optional cell: missing or empty is `None`.
    fn optional(&self, index: usize) -> Option<&str> {
        self.record.get(index).map(str::trim).filter(|value| !value.is_empty())
    }

    fn bsn(&self) -> Result<Bsn, ExtractionError> {
        Bsn::parse(self.get(1, "BSN")?).map_err(|_| ExtractionError::new(self.at(1, "BSN"), Problem::InvalidBsn))
    }

    fn date(&self, index: usize, name: &str) -> Result<Date, ExtractionError> {
        parse_date(self.get(index, name)?).ok_or_else(|| ExtractionError::new(self.at(index, name), Problem::InvalidDate))
    }
}

fn patient(row: &Cells) -> Result<PatientCard, ExtractionError> {
    let bsn = row.bsn()?;
    let family_name = row.get(2, "achternaam").map_err(|error| ExtractionError { problem: Problem::MissingName, ..error })?;
    let birth_date = row.date(4, "geboortedatum").map_err(|error| match error.problem {
        Problem::MissingValue => ExtractionError { problem: Problem::MissingBirthDate, ..error },
        _ => error,
    })?;
    let gender = match row.optional(5).map(str::to_uppercase).as_deref() {
        Some("M") => Gender::Male,
        Some("V") => Gender::Female,
        Some("X") => Gender::Other,
        Some("O") | None => Gender::Unknown,
        Some(_) => return Err(ExtractionError::new(row.at(5, "geslacht"), Problem::UnknownGender)),
    };
    let address = match (row.optional(6), row.optional(7), row.optional(8)) {
        (None, None, None) => None,
        (street, postal_code, city) => Some(Address {
            street: street.unwrap_or_default().to_owned(),
            postal_code: postal_code.unwrap_or_default().to_owned(),
            city: city.unwrap_or_default().to_owned(),
        }),
    };
    let mut programmes = Vec::new();
    for code in row.optional(10).unwrap_or_default().split(',').map(str::trim).filter(|code| !code.is_empty()) {
        let programme = CareProgramme::parse(code)
            .ok_or_else(|| ExtractionError::new(row.at(10, "programma's"), Problem::UnknownProgramme))?;
        if !programmes.contains(&programme) {
            programmes.push(programme);
        }
    }
    programmes.sort();
    Ok(PatientCard {
        bsn,
        family_name: family_name.to_owned(),
        given_names: row.optional(3).unwrap_or_default().to_owned(),
        birth_date,
        gender,
        address,
        phone: row.optional(9).map(str::to_owned),
        programmes,
        name: Default::default(),
    })
}

fn measurement(row: &Cells) -> Result<Measurement, ExtractionError> {
    let value = row.get(4, "waarde")?;
    let value: f64 = value
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|value: &f64| value.is_finite())
        .ok_or_else(|| ExtractionError::new(row.at(4, "waarde"), Problem::InvalidNumber))?;
    Ok(Measurement {
        code: row.get(2, "code")?.to_owned(),
        label: row.get(3, "omschrijving")?.to_owned(),
        value,
        unit: row.optional(5).unwrap_or_default().to_owned(),
        date: row.date(6, "datum")?,
    })
}

fn medication(row: &Cells) -> Result<Medication, ExtractionError> {
    let since = match row.optional(4) {
        None => None,
        Some(text) => Some(parse_date(text).ok_or_else(|| ExtractionError::new(row.at(4, "sinds"), Problem::InvalidDate))?),
    };
    let active = match row.optional(5).map(str::to_lowercase).as_deref() {
        None | Some("ja") | Some("j") => true,
        Some("nee") | Some("n") => false,
        Some(_) => return Err(ExtractionError::new(row.at(5, "actief"), Problem::MissingValue)),
    };
    Ok(Medication {
        name: row.get(2, "naam")?.to_owned(),
        dosage: row.optional(3).map(str::to_owned),
        since,
        until: None,
        active,
        on_hold: false,
    })
}

/// `YYYY-MM-DD` (ISO) or `DD-MM-YYYY` (as Dutch users write it).
fn parse_date(text: &str) -> Option<Date> {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let dutch = time::macros::format_description!("[day]-[month]-[year]");
    Date::parse(text, iso).or_else(|_| Date::parse(text, dutch)).ok()
}
