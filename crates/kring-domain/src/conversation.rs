//! Conversation rules that hold on both sides: what a title and a message may be, what a message
//! body holds inside the vault, and whether a recipient is away (CHAT-4, PROF-4).

use crate::profile::{absent_until, Absence, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::Date;

/// The longest conversation title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// The longest message text, in characters (a long letter is ~5,000).
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// The most participants one conversation holds.
pub const MAX_PARTICIPANTS: usize = 50;

/// The largest attachment (CHAT-10).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;
/// Attachments travel and are stored in sealed chunks of this many plaintext bytes.
pub const ATTACHMENT_CHUNK_BYTES: usize = 256 * 1024;
/// The most chunks one attachment has (20 MiB / 256 KiB).
pub const MAX_ATTACHMENT_CHUNKS: u32 = 80;
/// The most attachments on one message.
pub const MAX_ATTACHMENTS: usize = 5;

/// What a message holds inside the vault (sealed, never seen by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody {
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentInfo>,
}

/// An attachment as the participants know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub id: uuid::Uuid,
    pub name: String,
    pub kind: AttachmentKind,
    pub size: u64,
}

/// The kinds of file a message may carry: what practices send each other (letters, completed
/// questionnaires, photos of a wound). Recognised by content, and the name must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Pdf,
    Png,
    Jpeg,
    Text,
    Docx,
    Xlsx,
}

impl AttachmentKind {
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Jpeg => "image/jpeg",
            AttachmentKind::Text => "text/plain",
            AttachmentKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            AttachmentKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, AttachmentKind::Png | AttachmentKind::Jpeg)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, strum::EnumIter)]
pub enum AttachmentError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than 20 MB")]
    TooLarge,
    #[error("this kind of file cannot be attached (PDF, PNG, JPEG, text, Word and Excel can)")]
    KindNotAllowed,
    #[error("the file's content does not match its name")]
    KindMismatch,
    #[error("at most {MAX_ATTACHMENTS} attachments per message")]
    TooMany,
}

impl AttachmentError {
    pub fn code(self) -> &'static str {
        match self {
            AttachmentError::Empty => "attachment_empty",
            AttachmentError::TooLarge => "attachment_too_large",
            AttachmentError::KindNotAllowed => "attachment_kind_not_allowed",
            AttachmentError::KindMismatch => "attachment_kind_mismatch",
            AttachmentError::TooMany => "attachment_too_many",
        }
    }
}

/// The kind of a file to attach, from its name and content; refuses what is not allowed, too
/// large, or whose content contradicts its name (an .exe renamed to .pdf).
pub fn check_attachment(name: &str, bytes: &[u8]) -> Result<AttachmentKind, AttachmentError> {
    check_attachment_head(name, bytes.len(), bytes)
}

/// How many first bytes of a picked file [`check_attachment_head`] needs to know its kind.
pub const ATTACHMENT_HEAD_BYTES: usize = 4096;

/// The same rule as [`check_attachment`] from a file's size and its first bytes (`head`, at most
/// the whole file): how the app checks a file the moment it is picked, before reading it all.
pub fn check_attachment_head(name: &str, size: usize, head: &[u8]) -> Result<AttachmentKind, AttachmentError> {
    if size == 0 {
        return Err(AttachmentError::Empty);
    }
    if size > MAX_ATTACHMENT_BYTES {
        return Err(AttachmentError::TooLarge);
    }
    let bytes = head;
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    let kind = match extension.as_str() {
        "pdf" => AttachmentKind::Pdf,
        "png" => AttachmentKind::Png,
        "jpg" | "jpeg" => AttachmentKind::Jpeg,
        "txt" => AttachmentKind::Text,
        "docx" => AttachmentKind::Docx,
        "xlsx" => AttachmentKind::Xlsx,
        _ => return Err(AttachmentError::KindNotAllowed),
    };
    let matches = match kind {
        AttachmentKind::Pdf => bytes.starts_with(b"%PDF-"),
        AttachmentKind::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        AttachmentKind::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        AttachmentKind::Text => match std::str::from_utf8(bytes) {
            Ok(text) => !text.contains('\0'),
            // A head may end inside a character: only the part before it counts then.
            Err(error) if error.error_len().is_none() && size > bytes.len() => !bytes[..error.valid_up_to()].contains(&0),
            Err(_) => false,
        },
        AttachmentKind::Docx | AttachmentKind::Xlsx => bytes.starts_with(b"PK\x03\x04"),
    };
    if matches {
        Ok(kind)
    } else {
        Err(AttachmentError::KindMismatch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, strum::EnumIter)]
pub enum ConversationError {
    #[error("the title is empty")]
    EmptyTitle,
    #[error("the title is longer than {MAX_TITLE_CHARS} characters")]
    TitleTooLong,
    #[error("the message is empty")]
    EmptyMessage,
    #[error("the message is longer than {MAX_MESSAGE_CHARS} characters")]
    MessageTooLong,
    #[error("a conversation needs at least one other participant")]
    NoRecipients,
    #[error("a conversation holds at most {MAX_PARTICIPANTS} participants")]
    TooManyParticipants,
    #[error("a recipient has no keys yet (account not activated)")]
    RecipientWithoutKeys,
}

impl ConversationError {
    /// Stable code the UI translates.
    pub fn code(self) -> &'static str {
        match self {
            ConversationError::EmptyTitle => "conversation_empty_title",
            ConversationError::TitleTooLong => "conversation_title_too_long",
            ConversationError::EmptyMessage => "conversation_empty_message",
            ConversationError::MessageTooLong => "conversation_message_too_long",
            ConversationError::NoRecipients => "conversation_no_recipients",
            ConversationError::TooManyParticipants => "conversation_too_many_participants",
            ConversationError::RecipientWithoutKeys => "conversation_recipient_without_keys",
        }
    }
}

/// The title as it is kept: trimmed, 1 to [`MAX_TITLE_CHARS`] characters.
pub fn check_title(title: &str) -> Result<String, ConversationError> {
    let title = title.trim();
    match title.chars().count() {
        0 => Err(ConversationError::EmptyTitle),
        n if n > MAX_TITLE_CHARS => Err(ConversationError::TitleTooLong),
        _ => Ok(title.to_owned()),
    }
}

/// The message text as it is sent: trailing whitespace trimmed, 1 to [`MAX_MESSAGE_CHARS`].
pub fn check_message(text: &str) -> Result<String, ConversationError> {
    let text = text.trim_end();
    if text.trim().is_empty() {
        return Err(ConversationError::EmptyMessage);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ConversationError::MessageTooLong);
    }
    Ok(text.to_owned())
}

/// Why a recipient may not read a message soon (CHAT-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Away {
    /// Absent (holiday, leave) up to and including `until`.
    Absent {
        #[ts(type = "string")]
        #[serde(with = "crate::profile::iso_date")]
        until: Date,
    },
    /// Does not work on `today`'s weekday; back on `back` (the next working day).
    NotWorkingToday {
        #[ts(type = "string")]
        #[serde(with = "crate::profile::iso_date")]
        back: Date,
    },
}

/// Whether someone with these working days and absences is away on `today`. No working days
/// recorded means nothing is known: not away.
pub fn away_on(working_days: &[Weekday], absences: &[Absence], today: Date) -> Option<Away> {
    if let Some(until) = absent_until(absences, today) {
        return Some(Away::Absent { until });
    }
    if working_days.is_empty() || working_days.contains(&weekday(today)) {
        return None;
    }
    let mut day = today;
    for _ in 0..=366 {
        day = day.next_day()?;
        if working_days.contains(&weekday(day)) && absent_until(absences, day).is_none() {
            return Some(Away::NotWorkingToday { back: day });
        }
    }
    None
}

fn weekday(day: Date) -> Weekday {
    match day.weekday() {
        time::Weekday::Monday => Weekday::Monday,
        time::Weekday::Tuesday => Weekday::Tuesday,
        time::Weekday::Wednesday => Weekday::Wednesday,
        time::Weekday::Thursday => Weekday::Thursday,
        time::Weekday::Friday => Weekday::Friday,
        time::Weekday::Saturday => Weekday::Saturday,
        time::Weekday::Sunday => Weekday::Sunday,
    }
}

/// The key-epoch rule (CHAT-7), the same for the server and the client: a message goes under the
/// newest epoch while its key holders are exactly the active participants; otherwise (someone
/// left, an inbox member was removed) the next message starts a new epoch, wrapped for exactly
/// the active participants, so those who left never hold the key of what follows.
pub fn needs_new_epoch(newest_holders: &[crate::UserId], active: &[crate::UserId]) -> bool {
    !same_people(newest_holders, active)
}

/// Whether `holders` are exactly the `active` participants (each once): what a new epoch's
/// wrapped keys must be.
pub fn same_people(holders: &[crate::UserId], active: &[crate::UserId]) -> bool {
    let (mut holders, mut active) = (holders.to_vec(), active.to_vec());
    holders.sort();
    active.sort();
    let unique = holders.windows(2).all(|pair| pair[0] != pair[1]);
    unique && holders == active
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_7_a_new_epoch_when_and_only_when_the_holders_are_not_the_active_participants() {
        let (a, b, c) = (crate::UserId::new(), crate::UserId::new(), crate::UserId::new());
        assert!(!needs_new_epoch(&[a, b], &[b, a]), "same people, any order");
        assert!(needs_new_epoch(&[a, b, c], &[a, b]), "someone left");
        assert!(needs_new_epoch(&[a], &[a, b]), "someone active holds no key");
        assert!(same_people(&[b, a], &[a, b]));
        assert!(!same_people(&[a, a], &[a]), "a key twice for one person is not exact");
        assert!(!same_people(&[a], &[a, b]));
    }
    use time::macros::date;

    #[test]
    fn chat_titles_and_messages_are_trimmed_and_bounded() {
        assert_eq!(check_title("  Medicatie  "), Ok("Medicatie".into()));
        assert_eq!(check_title("   "), Err(ConversationError::EmptyTitle));
        assert_eq!(check_title(&"é".repeat(81)), Err(ConversationError::TitleTooLong));
        assert_eq!(check_message("Goedemorgen\n\n"), Ok("Goedemorgen".into()));
        assert_eq!(check_message(" \n "), Err(ConversationError::EmptyMessage));
        assert!(check_message(&"a".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(check_message(&"a".repeat(MAX_MESSAGE_CHARS + 1)), Err(ConversationError::MessageTooLong));
    }

    #[test]
    fn chat_10_attachments_are_recognised_by_content_and_bounded() {
        assert_eq!(check_attachment("Verslag.PDF", b"%PDF-1.7 ..."), Ok(AttachmentKind::Pdf));
        assert_eq!(check_attachment("wond.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]), Ok(AttachmentKind::Jpeg));
        assert_eq!(check_attachment("vragenlijst.txt", "PHQ-9: 14".as_bytes()), Ok(AttachmentKind::Text));
        assert_eq!(check_attachment("factuur.pdf", b"MZ\x90\x00"), Err(AttachmentError::KindMismatch), "an .exe named .pdf");
        assert_eq!(check_attachment("setup.exe", b"MZ"), Err(AttachmentError::KindNotAllowed));
        // At selection only the size and the first bytes are known (issue 13): the same rule.
        assert_eq!(check_attachment_head("factuur.pdf", 300_000, b"MZ\x90\x00"), Err(AttachmentError::KindMismatch));
        assert_eq!(check_attachment_head("scan.pdf", 25 * 1024 * 1024, b"%PDF-1.7"), Err(AttachmentError::TooLarge));
        let cut = "é".as_bytes()[..1].to_vec();
        assert_eq!(check_attachment_head("notitie.txt", 9000, &cut), Ok(AttachmentKind::Text), "a head may end mid-character");
        assert_eq!(check_attachment("notitie.txt", &cut), Err(AttachmentError::KindMismatch), "a whole file may not");
        assert_eq!(check_attachment("leeg.pdf", b""), Err(AttachmentError::Empty));
        let big = vec![b'a'; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(check_attachment("groot.txt", &big), Err(AttachmentError::TooLarge));
        assert_eq!(MAX_ATTACHMENT_CHUNKS as usize * ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENT_BYTES);
    }

    #[test]
    fn chat_4_absence_wins_then_working_days_with_the_day_back() {
        let absences = [Absence { from: date!(2026 - 12 - 21), until: date!(2027 - 01 - 03) }];
        let days = [Weekday::Monday, Weekday::Tuesday, Weekday::Thursday];
        // Wednesday 2026-11-25 is not a working day: back on Thursday.
        assert_eq!(away_on(&days, &[], date!(2026 - 11 - 25)), Some(Away::NotWorkingToday { back: date!(2026 - 11 - 26) }));
        assert_eq!(away_on(&days, &[], date!(2026 - 11 - 26)), None);
        assert_eq!(away_on(&days, &absences, date!(2026 - 12 - 22)), Some(Away::Absent { until: date!(2027 - 01 - 03) }));
        // Friday before an absence: the next working day inside it is skipped.
        assert_eq!(away_on(&days, &absences, date!(2026 - 12 - 18)), Some(Away::NotWorkingToday { back: date!(2027 - 01 - 04) }));
        assert_eq!(away_on(&[], &[], date!(2026 - 11 - 25)), None, "no working days known: not away");
    }
}
