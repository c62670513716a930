//! Text in the MEDVRI character set and syntax: ISO 8859-1 (UNOC), values cut to their field
//! lengths, the release character, and free text wrapped into TXT lines.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The text with every character in ISO 8859-1. Composed first (NFC), so a letter typed as base
/// plus accent stays one Latin-1 letter; a character outside Latin-1 becomes its decomposition
/// without accents (ł is mapped by hand, Ł ó d ź becomes L ó d z), a few typographic characters
/// their plain form, and anything else (Greek, emoji) `_`. Line breaks and tabs become spaces.
pub fn latin1(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfc() {
        push_latin1(c, &mut out);
    }
    out
}

fn push_latin1(c: char, out: &mut String) {
    match c {
        '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push(' '),
        c if is_latin1(c) => out.push(c),
        // Invisible joiners and marks: an emoji sequence becomes one `_` per picture, not more.
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
        // Letters without a Unicode decomposition.
        'ı' => out.push('i'),
        'ł' => out.push('l'),
        'Ł' => out.push('L'),
        'đ' => out.push('d'),
        'Đ' => out.push('D'),
        'œ' => out.push_str("oe"),
        'Œ' => out.push_str("OE"),
        '‘' | '’' | '‚' | '′' => out.push('\''),
        '“' | '”' | '„' | '″' => out.push('"'),
        '‐' | '‑' | '‒' | '–' | '—' | '−' => out.push('-'),
        '€' => out.push_str("EUR"),
        c => {
            // NFKD also turns ligatures and full-width forms into their plain letters (ﬁ -> fi).
            let base: String = std::iter::once(c).nfkd().filter(|d| !is_combining_mark(*d)).collect();
            if base.chars().all(is_latin1) {
                // A lone accent (nothing left) is dropped with its base already written.
                out.push_str(&base);
            } else {
                out.push('_');
            }
        }
    }
}

/// A character ISO 8859-1 has and that can stand in a value (no control characters).
fn is_latin1(c: char) -> bool {
    u32::from(c) < 0x100 && !c.is_control()
}

/// A name-like value (naam, straat, woonplaats): in Latin-1, trimmed, and cut to the field's
/// length (counted before release characters are added, as EDIFACT counts).
pub(super) fn cut(value: &str, max: usize) -> String {
    let value = latin1(value);
    let cut: String = value.trim().chars().take(max).collect();
    cut.trim_end().to_owned()
}

/// An identifying value (postcode, telefoonnummer): in Latin-1 and trimmed, or left out when it
/// is longer than its field, because a cut number points at someone else.
pub(super) fn whole(value: &str, max: usize) -> String {
    let value = latin1(value).trim().to_owned();
    if value.chars().count() > max {
        String::new()
    } else {
        value
    }
}

/// Put the release character `?` before every service character (`+ : ' ?`).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '?' | '+' | ':' | '\'') {
            out.push('?');
        }
        // A line break inside a value would break the one-segment-per-line layout.
        out.push(if c == '\r' || c == '\n' { ' ' } else { c });
    }
    out
}

/// Cut a line into pieces of at most `width` characters. A line that fits stays exactly as it
/// is (leading spaces too); a longer one is broken at its last space that fits, and that one
/// space is dropped, or cut hard when a word is longer than a line. An empty line stays a line
/// (one space, as TXT's text is mandatory), so paragraphs survive.
pub(super) fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut rest: Vec<char> = line.chars().collect();
    if rest.is_empty() {
        return vec![" ".into()];
    }
    let mut pieces = Vec::new();
    while rest.len() > width {
        let space = rest[..=width].iter().rposition(|c| *c == ' ').filter(|at| *at > 0);
        let (end, skip) = match space {
            Some(at) => (at, 1),
            None => (width, 0),
        };
        pieces.push(rest[..end].iter().collect());
        rest.drain(..end + skip);
    }
    if !rest.is_empty() {
        pieces.push(rest.into_iter().collect());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_6_text_outside_latin_1_is_normalised_before_it_becomes_underscore() {
        assert_eq!(latin1("Łódź"), "Lódz");
        assert_eq!(latin1("Yılmaz İnce"), "Yilmaz Ince");
        assert_eq!(latin1("Erdős Dvořák Ştefan Nguyễn"), "Erdos Dvorák Stefan Nguyen");
        // Typed as base plus combining accent: composed into the one Latin-1 letter.
        assert_eq!(latin1("Rene\u{301}e"), "Renée");
        assert_eq!(latin1("ﬁets Ｈ₂O ™"), "fiets H2O TM");
        assert_eq!(latin1("“Çok” – 5 € …"), "\"Çok\" - 5 EUR ...");
        assert_eq!(latin1("Ωμέγα"), "_____");
        assert_eq!(latin1("ok 😀 👍🏽 ❤️ 👨‍👩‍👧"), "ok _ __ _ ___");
        assert_eq!(latin1("a\nb\r\nc\td"), "a b  c d");
        assert_eq!(latin1("Ærø ½ ß"), "Ærø ½ ß", "Latin-1 stays as it is");
    }

    #[test]
    fn chat_6_names_are_cut_and_numbers_are_left_out_when_too_long() {
        assert_eq!(cut("  Huisartsenpraktijk De Linde  ", 12), "Huisartsenpr");
        assert_eq!(cut("Nieuwerkerk aan den IJssel", 20), "Nieuwerkerk aan den", "no trailing space after the cut");
        assert_eq!(cut("Łódź", 3), "Lód", "cut after conversion");
        assert_eq!(whole(" 06-12345678 ", 20), "06-12345678");
        assert_eq!(whole("+31 (0)6 1234 5678 toestel 12", 20), "");
    }

    #[test]
    fn chat_6_lines_wrap_on_spaces_and_keep_every_other_character() {
        assert_eq!(wrap("  ingesprongen", 70), vec!["  ingesprongen"]);
        assert_eq!(wrap("", 70), vec![" "]);
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("aaaaaaaaa b", 4), vec!["aaaa", "aaaa", "a b"]);
        assert_eq!(wrap("aaaa ", 4), vec!["aaaa"], "the space a line breaks at is not repeated");
        assert_eq!(wrap(" aaaaa", 4), vec![" aaa", "aa"]);
    }

    #[test]
    fn chat_6_service_characters_are_released() {
        assert_eq!(escape("a+b:c'd?e"), "a?+b?:c?'d??e");
        assert_eq!(escape("A+"), "A?+");
    }
}
