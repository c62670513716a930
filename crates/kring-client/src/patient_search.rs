//! The terms of a patient search (PAT-2). Identifiers match exactly — patient safety: a BSN typed
//! in pieces finds that patient or none, never a look-alike — and a date that does not exist says
//! so instead of finding no one.

use crate::error::{ClientError, ClientResult};
use crate::patients::{normalise, PatientSummary};
use time::Date;

/// One term of a patient search. Identifiers match exactly (patient safety: a BSN typed with
/// spaces must find that patient or none, never a look-alike); other words match part of the
/// name, birth date or BSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchTerm {
    Text(String),
    Bsn(String),
    BirthDate(Date),
}

impl SearchTerm {
    /// Whether a patient (their overview line and the lower-cased text searched in) matches.
    pub(crate) fn matches(&self, summary: &PatientSummary, haystack: &str) -> bool {
        match self {
            SearchTerm::Text(word) => haystack.contains(word.as_str()),
            SearchTerm::Bsn(bsn) => summary.bsn == *bsn,
            SearchTerm::BirthDate(date) => summary.birth_date == *date,
        }
    }
}

/// The terms of a search: the number words together as a BSN when they make 8 or 9 digits
/// ("9999 00 018", "jansen 9999 00 018"); a word shaped like a date (`4-3-1950`, `04-03-1950`,
/// `1950-03-04`, also with `.`, or three words `04 03 1950`) a birth date, which must exist; every
/// other word part of the name, birth date or BSN.
pub(crate) fn search_terms(query: &str) -> ClientResult<Vec<SearchTerm>> {
    let words: Vec<String> = normalise(query).split_whitespace().map(str::to_owned).collect();
    // A date typed with spaces ("04 03 1950") is a date, not eight digits of a BSN.
    if let [day, month, year] = words.as_slice() {
        if let Some(parts) = date_parts(&format!("{day}-{month}-{year}")) {
            return date_of(parts).map(|date| vec![SearchTerm::BirthDate(date)]).ok_or(ClientError::InvalidBirthDate);
        }
    }
    // The words of digits only (dots allowed) together: a BSN typed in pieces ("9999 00 018",
    // also next to a name), matched exactly, never as pieces.
    let is_number =
        |word: &str| !word.is_empty() && word.chars().all(|c| c.is_ascii_digit() || c == '.') && date_parts(word).is_none();
    let digits: String =
        words.iter().filter(|word| is_number(word)).flat_map(|word| word.chars().filter(char::is_ascii_digit)).collect();
    let mut terms = Vec::new();
    if let Some(bsn) = bsn_digits(&digits) {
        terms.push(SearchTerm::Bsn(bsn));
    }
    let has_bsn = !terms.is_empty();
    for word in words.iter().filter(|word| !has_bsn || !is_number(word)) {
        terms.push(match date_parts(word) {
            Some(parts) => SearchTerm::BirthDate(date_of(parts).ok_or(ClientError::InvalidBirthDate)?),
            None => SearchTerm::Text(word.clone()),
        });
    }
    Ok(terms)
}

/// Eight or nine digits as a nine-digit BSN (eight: an implied leading zero).
fn bsn_digits(text: &str) -> Option<String> {
    let all_digits = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    match text.len() {
        9 if all_digits => Some(text.to_owned()),
        8 if all_digits => Some(format!("0{text}")),
        _ => None,
    }
}

/// Day and month of one or two digits and a four-digit year, separated by `-` or `.`, in either
/// order: a date as typed.
fn date_parts(word: &str) -> Option<[&str; 3]> {
    let parts: Vec<&str> = word.split(['-', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&part.len()) && part.chars().all(|c| c.is_ascii_digit())
    };
    let year_first = digits(a, 4..=4) && digits(b, 1..=2) && digits(c, 1..=2);
    let year_last = digits(a, 1..=2) && digits(b, 1..=2) && digits(c, 4..=4);
    (year_first || year_last).then_some([*a, *b, *c])
}

/// The date `day-month-year` or `year-month-day` names, if it exists (not 31-02-1950).
fn date_of([a, b, c]: [&str; 3]) -> Option<Date> {
    let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn pat_2_identifiers_in_a_query_are_exact_terms() {
        assert_eq!(search_terms("9999 00 018").unwrap(), vec![SearchTerm::Bsn("999900018".into())]);
        assert_eq!(search_terms("1112.22.333").unwrap(), vec![SearchTerm::Bsn("111222333".into())]);
        assert_eq!(search_terms("12345678").unwrap(), vec![SearchTerm::Bsn("012345678".into())], "eight digits: a leading zero");
        assert_eq!(
            search_terms("Jansen 4-3-1950").unwrap(),
            vec![SearchTerm::Text("jansen".into()), SearchTerm::BirthDate(date!(1950 - 03 - 04))]
        );
        assert_eq!(search_terms("04.03.1950").unwrap(), vec![SearchTerm::BirthDate(date!(1950 - 03 - 04))], "not an 8-digit BSN");
        assert_eq!(search_terms("04 03 1950").unwrap(), vec![SearchTerm::BirthDate(date!(1950 - 03 - 04))], "spaces too");
        assert_eq!(
            search_terms("an 9999 111 20").unwrap(),
            vec![SearchTerm::Bsn("999911120".into()), SearchTerm::Text("an".into())],
            "a BSN in pieces next to a name stays one exact term"
        );
        assert_eq!(search_terms("1950").unwrap(), vec![SearchTerm::Text("1950".into())], "a year is part of a date");
        assert!(matches!(search_terms("31-02-1950"), Err(ClientError::InvalidBirthDate)));
        assert!(matches!(search_terms("4-13-1950"), Err(ClientError::InvalidBirthDate)));
    }
}
