//! CONS-1 … CONS-5: the rules of a consultation (specialist advice) that client and server share:
//! what a question must have, the workflow (Nieuw -> Opgepakt -> Beantwoord -> Gesloten), a
//! group's answer agreement and the deadline of the next step in business time
//! ([`crate::business_time`]).

use crate::business_time::BusinessCalendar;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// The subject of a consultation: at most 25 characters (seed 004, "max 25 tekens").
pub const MAX_SUBJECT_CHARS: usize = 25;
/// The question: as long as a message may be.
pub const MAX_QUESTION_CHARS: usize = 10_000;

/// Why a consultation or a step is refused. `code()` is what the UI words in Dutch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, strum::EnumIter)]
pub enum ConsultationError {
    #[error("a consultation needs a subject")]
    SubjectRequired,
    #[error("the subject is longer than {MAX_SUBJECT_CHARS} characters")]
    SubjectTooLong,
    #[error("the subject holds a line break or another control character")]
    SubjectControlCharacters,
    #[error("a consultation needs a question")]
    QuestionRequired,
    #[error("the question is longer than {MAX_QUESTION_CHARS} characters")]
    QuestionTooLong,
    #[error("a specialist already picked up the consultation")]
    AlreadyPickedUp,
    #[error("nobody picked up the consultation yet")]
    NotPickedUp,
    #[error("the consultation is closed")]
    Closed,
    #[error("the answer agreement's times must be positive and in order: answer, reminder, closing")]
    InvalidAgreement,
    #[error("no such consultation group")]
    UnknownGroup,
    #[error("nobody in the group can read a question now (no active specialist with keys)")]
    NoSpecialists,
    #[error("not one of the group's declarable services")]
    UnknownService,
    #[error("a period runs from its first to its last day, at most a year")]
    InvalidPeriod,
    #[error("this service is booked on the consultation already")]
    AlreadyDeclared,
}

impl ConsultationError {
    pub fn code(self) -> &'static str {
        match self {
            ConsultationError::SubjectRequired => "consultation_subject_required",
            ConsultationError::SubjectTooLong => "consultation_subject_too_long",
            ConsultationError::SubjectControlCharacters => "consultation_subject_control_characters",
            ConsultationError::QuestionRequired => "consultation_question_required",
            ConsultationError::QuestionTooLong => "consultation_question_too_long",
            ConsultationError::AlreadyPickedUp => "consultation_already_picked_up",
            ConsultationError::NotPickedUp => "consultation_not_picked_up",
            ConsultationError::Closed => "consultation_closed",
            ConsultationError::InvalidAgreement => "consultation_invalid_agreement",
            ConsultationError::UnknownGroup => "consultation_unknown_group",
            ConsultationError::NoSpecialists => "consultation_no_specialists",
            ConsultationError::UnknownService => "consultation_unknown_service",
            ConsultationError::InvalidPeriod => "consultation_invalid_period",
            ConsultationError::AlreadyDeclared => "consultation_already_declared",
        }
    }
}

/// The subject as a consultation keeps it: trimmed, 1 to 25 characters, on one line.
pub fn check_subject(subject: &str) -> Result<String, ConsultationError> {
    let subject = subject.trim();
    if subject.is_empty() {
        return Err(ConsultationError::SubjectRequired);
    }
    if subject.chars().any(char::is_control) {
        return Err(ConsultationError::SubjectControlCharacters);
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ConsultationError::SubjectTooLong);
    }
    Ok(subject.to_owned())
}

/// The question: required, at most [`MAX_QUESTION_CHARS`]; lines kept.
pub fn check_question(question: &str) -> Result<String, ConsultationError> {
    let question = question.trim();
    if question.is_empty() {
        return Err(ConsultationError::QuestionRequired);
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ConsultationError::QuestionTooLong);
    }
    Ok(question.to_owned())
}

/// A care street ("zorgstraat", CONS-1): the field a specialist group answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum CareStreet {
    Ggz,
    Dermatologie,
    Cardiologie,
    Ouderengeneeskunde,
}

impl CareStreet {
    pub fn dutch_name(self) -> &'static str {
        match self {
            CareStreet::Ggz => "GGZ",
            CareStreet::Dermatologie => "Dermatologie",
            CareStreet::Cardiologie => "Cardiologie",
            CareStreet::Ouderengeneeskunde => "Ouderengeneeskunde",
        }
    }
}

/// Where a consultation stands (the C tab's statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationStatus {
    /// Asked; the group sees it, nobody picked it up (Nieuw).
    New,
    /// One specialist took it; the others left it (Opgepakt).
    PickedUp,
    /// The specialist answered (Beantwoord); more messages may follow.
    Answered,
    /// Closed by the requester, or automatically after the agreement's closing time (Gesloten).
    Closed,
}

/// A step in a consultation's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationStep {
    PickedUp,
    Answered,
    Closed,
}

impl ConsultationStatus {
    /// The status after a step, or why the step cannot be taken now. Sent to a named specialist, a
    /// consultation starts picked up.
    pub fn after(self, step: ConsultationStep) -> Result<ConsultationStatus, ConsultationError> {
        use ConsultationStatus as S;
        use ConsultationStep as T;
        match (self, step) {
            (S::Closed, _) => Err(ConsultationError::Closed),
            (S::New, T::PickedUp) => Ok(S::PickedUp),
            (_, T::PickedUp) => Err(ConsultationError::AlreadyPickedUp),
            (S::New, T::Answered) => Err(ConsultationError::NotPickedUp),
            (_, T::Answered) => Ok(S::Answered),
            (_, T::Closed) => Ok(S::Closed),
        }
    }

    pub fn is_open(self) -> bool {
        self != ConsultationStatus::Closed
    }
}

/// A specialist group's agreement on answering (CONS-5), in business time. Regions differ (48
/// hours, 3 working days); the default is seed 004's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerAgreement {
    answer_within: Duration,
    first_reminder_after: Duration,
    closed_after: Duration,
}

impl Default for AnswerAgreement {
    /// Answer within 24 hours on working days, the first reminder after 48, closed after 96.
    fn default() -> Self {
        AnswerAgreement {
            answer_within: Duration::hours(24),
            first_reminder_after: Duration::hours(48),
            closed_after: Duration::hours(96),
        }
    }
}

/// Which deadline comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// The answer is expected by then.
    Answer,
    /// Without an answer by then, everyone taking part gets the first reminder.
    Reminder,
    /// Without an answer by then, the consultation closes by itself.
    Closing,
}

/// The deadline of a consultation's next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub at: OffsetDateTime,
}

impl AnswerAgreement {
    /// An agreement in business hours; each time positive, and answer <= reminder <= closing.
    pub fn new(
        answer_within: Duration,
        first_reminder_after: Duration,
        closed_after: Duration,
    ) -> Result<Self, ConsultationError> {
        let in_order =
            answer_within.is_positive() && answer_within <= first_reminder_after && first_reminder_after <= closed_after;
        if !in_order {
            return Err(ConsultationError::InvalidAgreement);
        }
        Ok(AnswerAgreement { answer_within, first_reminder_after, closed_after })
    }

    /// An agreement as a group stores it, in whole business hours.
    pub fn from_hours(answer: u32, reminder: u32, closing: u32) -> Result<Self, ConsultationError> {
        let hours = |h: u32| Duration::hours(i64::from(h));
        Self::new(hours(answer), hours(reminder), hours(closing))
    }

    /// The agreement in whole business hours: answer, reminder, closing.
    pub fn hours(&self) -> (i64, i64, i64) {
        (self.answer_within.whole_hours(), self.first_reminder_after.whole_hours(), self.closed_after.whole_hours())
    }

    /// The next deadline of a consultation asked at `asked_at`, seen at `now`: the answer while it
    /// is not due yet, then the reminder (until it was sent), then the closing. None once it is
    /// answered or closed.
    pub fn next_deadline(
        &self,
        calendar: &BusinessCalendar,
        status: ConsultationStatus,
        asked_at: OffsetDateTime,
        reminded: bool,
        now: OffsetDateTime,
    ) -> Option<Deadline> {
        if matches!(status, ConsultationStatus::Answered | ConsultationStatus::Closed) {
            return None;
        }
        let answer = calendar.add(asked_at, self.answer_within);
        if now < answer {
            return Some(Deadline { kind: DeadlineKind::Answer, at: answer });
        }
        let reminder = calendar.add(asked_at, self.first_reminder_after);
        if !reminded && reminder > answer {
            return Some(Deadline { kind: DeadlineKind::Reminder, at: reminder });
        }
        Some(Deadline { kind: DeadlineKind::Closing, at: calendar.add(asked_at, self.closed_after) })
    }

    /// When the reminder is due and when the consultation closes itself: what the server's jobs
    /// are scheduled for when a consultation is asked.
    pub fn reminder_and_closing(
        &self,
        calendar: &BusinessCalendar,
        asked_at: OffsetDateTime,
    ) -> (OffsetDateTime, OffsetDateTime) {
        (calendar.add(asked_at, self.first_reminder_after), calendar.add(asked_at, self.closed_after))
    }
}

/// A moment as a Dutch deadline reads on the C tab: "do 4 dec 12:00", in Dutch local time
/// (CONS-2: "antwoord verwacht vóór do 4 dec 12:00").
pub fn deadline_words(at: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];
    const MONTHS: [&str; 12] = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
    let local = crate::business_time::dutch_time(at);
    let day = DAYS[usize::from(local.weekday().number_days_from_monday())];
    let month = MONTHS[usize::from(u8::from(local.month()) - 1)];
    format!("{day} {} {month} {:02}:{:02}", local.day(), local.hour(), local.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn cons_1_the_subject_is_one_line_of_at_most_25_characters() {
        assert_eq!(check_subject("  Somberheid na ontslag "), Ok("Somberheid na ontslag".to_owned()));
        assert_eq!(check_subject(&"é".repeat(25)), Ok("é".repeat(25)), "25 characters, not bytes");
        assert_eq!(check_subject(&"a".repeat(26)), Err(ConsultationError::SubjectTooLong));
        assert_eq!(check_subject("   "), Err(ConsultationError::SubjectRequired));
        assert_eq!(check_subject("Twee\nregels"), Err(ConsultationError::SubjectControlCharacters));
        assert_eq!(check_question(""), Err(ConsultationError::QuestionRequired));
        assert_eq!(check_question(&"x".repeat(MAX_QUESTION_CHARS + 1)), Err(ConsultationError::QuestionTooLong));
    }

    #[test]
    fn cons_2_one_specialist_picks_up_then_answers_and_the_requester_closes() {
        use ConsultationStatus as S;
        use ConsultationStep as T;
        assert_eq!(S::New.after(T::PickedUp), Ok(S::PickedUp));
        assert_eq!(S::PickedUp.after(T::PickedUp), Err(ConsultationError::AlreadyPickedUp), "the second loses");
        assert_eq!(S::New.after(T::Answered), Err(ConsultationError::NotPickedUp));
        assert_eq!(S::PickedUp.after(T::Answered), Ok(S::Answered));
        assert_eq!(S::Answered.after(T::Answered), Ok(S::Answered), "more than one answer");
        assert_eq!(S::New.after(T::Closed), Ok(S::Closed), "closed by itself without an answer");
        assert_eq!(S::Closed.after(T::PickedUp), Err(ConsultationError::Closed));
    }

    #[test]
    fn cons_5_the_next_deadline_moves_from_answer_to_reminder_to_closing() {
        let calendar = BusinessCalendar::default();
        let agreement = AnswerAgreement::default();
        // Asked on Thursday 3 December 2026 at 11:00 (Dutch time).
        let asked = datetime!(2026-12-03 11:00 +1);
        let next = |now, reminded| agreement.next_deadline(&calendar, ConsultationStatus::New, asked, reminded, now);
        assert_eq!(
            next(asked, false),
            Some(Deadline { kind: DeadlineKind::Answer, at: datetime!(2026-12-04 11:00 +1) }),
            "answer expected before Fri 4 Dec 11:00"
        );
        // No answer by then: the reminder after 48 business hours, Monday 7 December 11:00.
        assert_eq!(
            next(datetime!(2026-12-04 12:00 +1), false),
            Some(Deadline { kind: DeadlineKind::Reminder, at: datetime!(2026-12-07 11:00 +1) })
        );
        // Reminded: closing after 96 business hours, Wednesday 9 December 11:00.
        assert_eq!(
            next(datetime!(2026-12-07 12:00 +1), true),
            Some(Deadline { kind: DeadlineKind::Closing, at: datetime!(2026-12-09 11:00 +1) })
        );
        assert_eq!(agreement.next_deadline(&calendar, ConsultationStatus::Answered, asked, false, asked), None);
        assert_eq!(
            agreement.reminder_and_closing(&calendar, asked),
            (datetime!(2026-12-07 11:00 +1), datetime!(2026-12-09 11:00 +1))
        );
    }

    #[test]
    fn cons_2_a_deadline_reads_the_dutch_way_in_dutch_time() {
        assert_eq!(deadline_words(datetime!(2026-12-04 11:00 UTC)), "vr 4 dec 12:00");
        assert_eq!(deadline_words(datetime!(2026-07-06 06:05 UTC)), "ma 6 jul 08:05", "summer time");
        assert_eq!(deadline_words(datetime!(2026-03-01 23:30 UTC)), "ma 2 mrt 00:30", "the next Dutch day");
    }

    #[test]
    fn cons_5_an_agreement_keeps_its_times_in_order() {
        let hours = Duration::hours;
        assert!(AnswerAgreement::new(hours(48), hours(72), hours(120)).is_ok(), "a region's 48 hours");
        assert_eq!(AnswerAgreement::new(hours(48), hours(24), hours(96)), Err(ConsultationError::InvalidAgreement));
        assert_eq!(AnswerAgreement::new(Duration::ZERO, hours(48), hours(96)), Err(ConsultationError::InvalidAgreement));
    }
}
