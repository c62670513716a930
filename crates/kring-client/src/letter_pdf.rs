//! The referral letter as a PDF (REF-4): A4, DejaVu Sans (embedded and subset, so every name
//! prints as written), the title, then each section's heading and its lines wrapped to the
//! text width, onto as many pages as it takes. Made on the client and sealed like any
//! attachment; the server never sees it.

use crate::error::{ClientError, ClientResult};
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use kring_domain::referral_letter::ReferralLetter;
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

/// A4 in points, with 2 cm margins.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.7;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

const TITLE_SIZE: f32 = 16.0;
const HEADING_SIZE: f32 = 11.0;
const BODY_SIZE: f32 = 10.5;
const LINE_GAP: f32 = 1.4;
/// How far a section's lines stand in from its heading.
const INDENT: f32 = 12.0;

/// One face: krilla's font to draw with, and its bytes to measure advance widths.
struct Face {
    font: Font,
    data: &'static [u8],
}

impl Face {
    fn load(data: &'static [u8]) -> ClientResult<Self> {
        let font = Font::new(krilla::Data::from(data), 0).ok_or_else(|| ClientError::Internal("letter font".into()))?;
        Ok(Face { font, data })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = skrifa::FontRef::new(self.data) else { return text.chars().count() as f32 * size * 0.6 };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars().map(|c| charmap.map(c).and_then(|glyph| metrics.advance_width(glyph)).unwrap_or(size * 0.6)).sum()
    }

    /// `text` broken at spaces into lines no wider than `width`; a word wider than a line is cut.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_owned();
            while self.width(&rest, size) > width {
                let mut cut = String::new();
                for c in rest.chars() {
                    if self.width(&format!("{cut}{c}"), size) > width {
                        break;
                    }
                    cut.push(c);
                }
                if cut.is_empty() {
                    break;
                }
                rest = rest[cut.len()..].to_owned();
                lines.push(cut);
            }
            line = rest;
        }
        lines.push(line);
        lines
    }
}

/// One line on a page: its text, face, size, indent and the space above it.
struct Line {
    text: String,
    bold: bool,
    size: f32,
    indent: f32,
    space_before: f32,
}

/// Render the letter to PDF bytes.
pub fn letter_pdf(letter: &ReferralLetter) -> ClientResult<Vec<u8>> {
    let regular = Face::load(dejavu::sans::regular())?;
    let bold = Face::load(dejavu::sans::bold())?;
    let mut lines = Vec::new();
    for text in bold.wrap(&letter.title, TITLE_SIZE, TEXT_WIDTH) {
        lines.push(Line { text, bold: true, size: TITLE_SIZE, indent: 0.0, space_before: 0.0 });
    }
    for section in &letter.sections {
        for (at, text) in bold.wrap(&section.heading, HEADING_SIZE, TEXT_WIDTH).into_iter().enumerate() {
            let space_before = if at == 0 { 12.0 } else { 0.0 };
            lines.push(Line { text, bold: true, size: HEADING_SIZE, indent: 0.0, space_before });
        }
        for paragraph in &section.lines {
            for text in regular.wrap(paragraph, BODY_SIZE, TEXT_WIDTH - INDENT) {
                lines.push(Line { text, bold: false, size: BODY_SIZE, indent: INDENT, space_before: 0.0 });
            }
        }
    }

    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new().title(letter.title.clone()).language("nl-NL".into()).creator("Kring".into()),
    );
    let mut remaining = lines.into_iter().peekable();
    while remaining.peek().is_some() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| ClientError::Internal("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = MARGIN;
        while let Some(line) = remaining.peek() {
            let advance = line.space_before + line.size * LINE_GAP;
            if y + advance > PAGE_HEIGHT - MARGIN && y > MARGIN {
                break;
            }
            y += advance;
            let face = if line.bold { &bold } else { &regular };
            let start = Point::from_xy(MARGIN + line.indent, y);
            surface.draw_text(start, face.font.clone(), line.size, &line.text, false, TextDirection::Auto);
            remaining.next();
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|error| ClientError::Internal(format!("letter PDF: {error:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_4_lines_wrap_within_the_text_width_without_losing_a_word() {
        let face = Face::load(dejavu::sans::regular()).expect("font");
        let long = "Somberheid sinds een half jaar, met slecht slapen en piekeren; ".repeat(8);
        let wrapped = face.wrap(&long, BODY_SIZE, TEXT_WIDTH - INDENT);
        assert!(wrapped.len() > 3);
        assert!(wrapped.iter().all(|line| face.width(line, BODY_SIZE) <= TEXT_WIDTH - INDENT));
        assert_eq!(wrapped.join(" ").split_whitespace().count(), long.split_whitespace().count(), "no word lost");
        let word = "x".repeat(300);
        let cut = face.wrap(&word, BODY_SIZE, TEXT_WIDTH);
        assert!(cut.len() > 1 && cut.iter().all(|line| face.width(line, BODY_SIZE) <= TEXT_WIDTH));
        assert_eq!(cut.concat(), word);
        // What a reader makes of the PDF (its text, its pages) is checked with poppler's
        // pdftotext and pdfinfo in the referral scenario.
    }
}
