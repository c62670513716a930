//! CARE-2: the health plan (gezondheidsplan) of a patient: problems, goals (what, by when, how it
//! is measured) and actions (what, who: a caregiver or the patient, by when, status). Everyone in
//! the patient's care network reads and edits it; every change is a new version with its author
//! and time (kept by the protocol). These are the rules client and server share for one item.

use crate::UserId;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::Date;

/// The longest title of a problem, goal or action.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest explanation.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// One item of the plan, as its author wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HealthPlanItem {
    Problem {
        title: String,
        #[serde(default)]
        description: String,
    },
    Goal {
        /// What is to be reached ("Zelfstandig boodschappen doen").
        title: String,
        /// By when, if agreed.
        #[ts(type = "string | null")]
        #[serde(with = "optional_date", default, skip_serializing_if = "Option::is_none")]
        by: Option<Date>,
        /// How it is measured ("loopt 500 m zonder rust").
        #[serde(default)]
        measured_by: String,
    },
    Action {
        title: String,
        who: Responsible,
        #[ts(type = "string | null")]
        #[serde(with = "optional_date", default, skip_serializing_if = "Option::is_none")]
        by: Option<Date>,
        status: ActionStatus,
    },
}

/// Who carries out an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "user_id", rename_all = "snake_case")]
pub enum Responsible {
    /// A caregiver of the care network.
    Caregiver(UserId),
    /// The patient (or their carer).
    Patient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Done,
    Cancelled,
}

/// Why an item is refused. `code()` is what the UI words in Dutch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, strum::EnumIter)]
pub enum HealthPlanError {
    #[error("the item needs a title")]
    TitleRequired,
    #[error("the title is longer than {MAX_TITLE_CHARS} characters or holds a line break")]
    TitleInvalid,
    #[error("the text is longer than {MAX_TEXT_CHARS} characters")]
    TextTooLong,
    #[error("the caregiver is not in the patient's care network")]
    NotInNetwork,
    #[error("someone changed the item meanwhile")]
    ChangedMeanwhile,
}

impl HealthPlanError {
    pub fn code(self) -> &'static str {
        match self {
            HealthPlanError::TitleRequired => "health_plan_title_required",
            HealthPlanError::TitleInvalid => "health_plan_title_invalid",
            HealthPlanError::TextTooLong => "health_plan_text_too_long",
            HealthPlanError::NotInNetwork => "health_plan_not_in_network",
            HealthPlanError::ChangedMeanwhile => "health_plan_changed_meanwhile",
        }
    }
}

impl HealthPlanItem {
    /// The item as it is kept: texts trimmed, checked against their limits.
    pub fn checked(self) -> Result<HealthPlanItem, HealthPlanError> {
        let title = |title: String| -> Result<String, HealthPlanError> {
            let title = title.trim().to_owned();
            if title.is_empty() {
                return Err(HealthPlanError::TitleRequired);
            }
            if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
                return Err(HealthPlanError::TitleInvalid);
            }
            Ok(title)
        };
        let text = |text: String| -> Result<String, HealthPlanError> {
            let text = text.trim().to_owned();
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(HealthPlanError::TextTooLong);
            }
            Ok(text)
        };
        Ok(match self {
            HealthPlanItem::Problem { title: t, description } => {
                HealthPlanItem::Problem { title: title(t)?, description: text(description)? }
            }
            HealthPlanItem::Goal { title: t, by, measured_by } => {
                HealthPlanItem::Goal { title: title(t)?, by, measured_by: text(measured_by)? }
            }
            HealthPlanItem::Action { title: t, who, by, status } => HealthPlanItem::Action { title: title(t)?, who, by, status },
        })
    }

    /// The caregiver an action names, if any (who must be in the care network).
    pub fn responsible_caregiver(&self) -> Option<UserId> {
        match self {
            HealthPlanItem::Action { who: Responsible::Caregiver(user), .. } => Some(*user),
            _ => None,
        }
    }
}

/// A date as `2027-03-01`, or none (absent or null). The time crate's own option module refuses a
/// null inside a tagged enum (serde buffers it as a unit), which the UI sends for "no date".
mod optional_date {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        crate::profile::iso_date::option::serialize(date, serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        text.filter(|text| !text.is_empty()).map(|text| Date::parse(&text, format).map_err(D::Error::custom)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_required_trimmed_one_line_and_limited() {
        let problem = |title: &str| HealthPlanItem::Problem { title: title.into(), description: String::new() }.checked();
        assert_eq!(
            problem("  Valgevaar  "),
            Ok(HealthPlanItem::Problem { title: "Valgevaar".into(), description: String::new() })
        );
        assert_eq!(problem("   "), Err(HealthPlanError::TitleRequired));
        assert_eq!(problem("Val-\ngevaar"), Err(HealthPlanError::TitleInvalid));
        assert_eq!(problem(&"x".repeat(MAX_TITLE_CHARS + 1)), Err(HealthPlanError::TitleInvalid));
        assert!(problem(&"x".repeat(MAX_TITLE_CHARS)).is_ok());
    }

    #[test]
    fn a_goal_s_measure_is_limited_and_an_action_names_its_caregiver() {
        let goal = HealthPlanItem::Goal { title: "Lopen".into(), by: None, measured_by: "y".repeat(MAX_TEXT_CHARS + 1) };
        assert_eq!(goal.checked(), Err(HealthPlanError::TextTooLong));
        let nurse = UserId(uuid::Uuid::nil());
        let action = HealthPlanItem::Action {
            title: "Wondzorg".into(),
            who: Responsible::Caregiver(nurse),
            by: None,
            status: ActionStatus::Open,
        };
        assert_eq!(action.responsible_caregiver(), Some(nurse));
        let own =
            HealthPlanItem::Action { title: "Wegen".into(), who: Responsible::Patient, by: None, status: ActionStatus::Open };
        assert_eq!(own.responsible_caregiver(), None);
    }

    #[test]
    fn items_keep_their_shape_on_the_wire() {
        let action = HealthPlanItem::Action {
            title: "Wondzorg".into(),
            who: Responsible::Patient,
            by: Some(time::macros::date!(2027 - 01 - 15)),
            status: ActionStatus::Open,
        };
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(json["type"], "action");
        assert_eq!(json["by"], "2027-01-15");
        assert_eq!(json["who"]["kind"], "patient");
        assert_eq!(serde_json::from_value::<HealthPlanItem>(json).unwrap(), action);
        let goal = HealthPlanItem::Goal {
            title: "Lopen".into(),
            by: Some(time::macros::date!(2027 - 03 - 01)),
            measured_by: "500 m".into(),
        };
        let bytes = serde_json::to_vec(&goal).unwrap();
        assert_eq!(serde_json::from_slice::<HealthPlanItem>(&bytes).unwrap(), goal);
        let nurse = HealthPlanItem::Action {
            title: "Wondzorg".into(),
            who: Responsible::Caregiver(UserId(uuid::Uuid::nil())),
            by: None,
            status: ActionStatus::Open,
        };
        let bytes = serde_json::to_vec(&nurse).unwrap();
        assert_eq!(serde_json::from_slice::<HealthPlanItem>(&bytes).unwrap(), nurse);
        // As the UI sends "no date": null, or an empty date field.
        for by in [serde_json::Value::Null, serde_json::json!("")] {
            let json = serde_json::json!({ "type": "action", "title": "Wondzorg", "who": { "kind": "patient" }, "by": by, "status": "open" });
            let read: HealthPlanItem = serde_json::from_value(json).unwrap();
            assert!(matches!(read, HealthPlanItem::Action { by: None, .. }));
        }
    }
}
