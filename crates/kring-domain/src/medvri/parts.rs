//! The name and address parts the MEDVRI's PID and PAD segments ask for, taken from what the
//! patient card holds: the family name as it is shown ("de Vries"), the given names or initials,
//! and the street with its house number ("Dorpsstraat 1"). Nothing is made up: a part that cannot
//! be told apart stays in the whole.

use super::text::latin1;

/// Longest prefix (voorvoegsel) the PID takes (a..8).
const PREFIX_LENGTH: usize = 8;
/// Longest house number the PAD takes (huisnummer, an..8).
const HOUSE_NUMBER_LENGTH: usize = 8;
/// Longest initials the PID takes (voorletters, a..8).
const INITIALS_LENGTH: usize = 8;

/// Dutch name prefixes (voorvoegsels, after the BRP's table of prefixes), written in lower case as
/// they are when a name is shown; a capitalised "De" is part of a Flemish surname and stays.
const PREFIX_WORDS: [&str; 40] = [
    "van", "de", "der", "den", "het", "'t", "te", "ten", "ter", "in", "op", "aan", "bij", "uit", "uijt", "voor", "onder", "over",
    "tot", "'s", "'m", "d'", "l'", "la", "le", "les", "du", "des", "di", "da", "del", "della", "dos", "das", "do", "von", "vom",
    "zu", "zum", "zur",
];

/// A patient's name in the PID's parts, in Latin-1, not yet cut to their lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NameParts {
    /// Achternaam without its prefix.
    pub surname: String,
    /// Voorvoegsel ("de", "van der").
    pub prefix: String,
    /// The first given name (voornaam).
    pub first_name: String,
    /// Voorletters, "J.W.".
    pub initials: String,
}

impl NameParts {
    /// Parts from the card's family name with prefix and its given names or initials.
    pub fn from_card(family_name: &str, given_names: &str) -> Self {
        let (prefix, surname) = split_prefix(&latin1(family_name));
        let (first_name, initials) = split_given(&latin1(given_names));
        Self { surname, prefix, first_name, initials }
    }
}

/// "van der Berg" -> ("van der", "Berg"). The last word is always the surname; a prefix longer
/// than the PID's field is not split off, so it is never cut.
fn split_prefix(family_name: &str) -> (String, String) {
    let words: Vec<&str> = family_name.split_whitespace().collect();
    let count = words.iter().take(words.len().saturating_sub(1)).take_while(|w| PREFIX_WORDS.contains(w)).count();
    let prefix = words[..count].join(" ");
    if count == 0 || prefix.chars().count() > PREFIX_LENGTH {
        return (String::new(), words.join(" "));
    }
    (prefix, words[count..].join(" "))
}

/// "Jan Willem" -> ("Jan", "J.W."); "J.W." -> ("", "J.W."). Initials hold whole letters only: a
/// fifth initial that does not fit in eight characters is left off.
fn split_given(given_names: &str) -> (String, String) {
    let tokens: Vec<&str> = given_names.split(|c: char| c == '.' || c.is_whitespace()).filter(|t| !t.is_empty()).collect();
    let only_initials = !tokens.is_empty() && tokens.iter().all(|t| t.chars().count() == 1);
    let first_name = if only_initials { String::new() } else { tokens.first().map(|t| (*t).to_owned()).unwrap_or_default() };
    let names: Vec<&str> = if only_initials { tokens } else { given_names.split_whitespace().collect() };
    let mut initials = String::new();
    for name in names {
        let Some(letter) = name.chars().find(|c| c.is_alphabetic()) else { continue };
        let upper: String = letter.to_uppercase().collect();
        // ÿ has its capital outside Latin-1; then the letter stays as written.
        let letter =
            if upper.chars().count() == 1 && upper.chars().all(|c| u32::from(c) < 0x100) { upper } else { letter.to_string() };
        if initials.chars().count() + 2 > INITIALS_LENGTH {
            break;
        }
        initials.push_str(&letter);
        initials.push('.');
    }
    (first_name, initials)
}

/// "Dorpsstraat 12 A" -> ("Dorpsstraat", "12 A"): the house number is the last word that starts
/// with a digit and what follows it, never the first word ("1e Jan Steenstraat").
pub(super) fn split_house_number(street: &str) -> (String, String) {
    let words: Vec<&str> = street.split_whitespace().collect();
    let at = words.iter().rposition(|w| w.starts_with(|c: char| c.is_ascii_digit()));
    match at {
        Some(at) if at > 0 => {
            let number = words[at..].join(" ");
            if number.chars().count() > HOUSE_NUMBER_LENGTH {
                (words.join(" "), String::new())
            } else {
                (words[..at].join(" "), number)
            }
        }
        _ => (words.join(" "), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(family: &str, given: &str) -> (String, String, String, String) {
        let n = NameParts::from_card(family, given);
        (n.surname, n.prefix, n.first_name, n.initials)
    }

    #[test]
    fn chat_6_the_family_name_is_split_into_prefix_and_surname() {
        assert_eq!(parts("de Vries", "Jan Willem"), ("Vries".into(), "de".into(), "Jan".into(), "J.W.".into()));
        assert_eq!(parts("van der Berg-de Wit", ""), ("Berg-de Wit".into(), "van der".into(), "".into(), "".into()));
        assert_eq!(parts("van ’t Hof", "M."), ("Hof".into(), "van 't".into(), "".into(), "M.".into()));
        assert_eq!(
            parts("De Smet", "J. W."),
            ("De Smet".into(), "".into(), "".into(), "J.W.".into()),
            "a capital De is the surname"
        );
        assert_eq!(parts("van", "Piet"), ("van".into(), "".into(), "Piet".into(), "P.".into()), "the last word is the surname");
        assert_eq!(parts("van de la Rue", "x").1, "", "a prefix longer than 8 stays in the surname");
        assert_eq!(parts("van de la Rue", "x").0, "van de la Rue");
        assert_eq!(parts("Yılmaz", "Łukasz ÿvonne").2, "Lukasz");
        assert_eq!(parts("Yılmaz", "Łukasz ÿvonne").3, "L.ÿ.");
        assert_eq!(parts("X", "Alexandrina Wilhelmina Johanna Maria Sophia").3, "A.W.J.M.", "whole initials up to 8");
    }

    #[test]
    fn chat_6_the_house_number_is_split_from_the_street() {
        let split = |s: &str| split_house_number(s);
        assert_eq!(split("Dorpsstraat 1"), ("Dorpsstraat".into(), "1".into()));
        assert_eq!(split("Straat 12 A"), ("Straat".into(), "12 A".into()));
        assert_eq!(split("Plein 1940 2 hs"), ("Plein 1940".into(), "2 hs".into()));
        assert_eq!(split("1e Jan Steenstraat"), ("1e Jan Steenstraat".into(), "".into()));
        assert_eq!(split("Kade 12345-6789"), ("Kade 12345-6789".into(), "".into()), "a number longer than 8 stays in the street");
        assert_eq!(split(""), ("".into(), "".into()));
    }
}
