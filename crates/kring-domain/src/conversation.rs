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

/// What a message holds inside the vault (sealed, never seen by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody {
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Away {
    /// Absent (holiday, leave) up to and including `until`.
    Absent {
        #[serde(with = "crate::profile::iso_date")]
        until: Date,
    },
    /// Does not work on `today`'s weekday; back on `back` (the next working day).
    NotWorkingToday {
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

#[cfg(test)]
mod tests {
    use super::*;
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
