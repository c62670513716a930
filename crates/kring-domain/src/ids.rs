//! Typed identifiers. All are UUIDs; the type keeps a user id from being passed as a team id.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A person with an account (gebruiker).
    UserId
);
id_type!(
    /// An organisation (organisatie): a GP practice, care group, home-care or GGZ provider.
    OrganisationId
);
id_type!(
    /// A team (team) inside an organisation, e.g. a district-nursing team.
    TeamId
);
id_type!(
    /// A conversation (gesprek) between caregivers, about a patient or not (CHAT-1, CHAT-2).
    ConversationId
);
id_type!(
    /// A patient (patiënt), pseudonymous: the id says nothing about who the patient is. The BSN
    /// is stored only as a keyed hash (DESIGN.md).
    PatientId
);
