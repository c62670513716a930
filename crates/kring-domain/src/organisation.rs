//! Kinds of organisation that take part in a region.

use serde::{Deserialize, Serialize};

/// What an organisation is; decides which roles make sense inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Huisartsenpraktijk.
    GpPractice,
    /// Zorggroep: the care group that contracts chain care and GGZ support for practices.
    CareGroup,
    /// Thuiszorg / VVT: home care and district nursing.
    HomeCare,
    /// GGZ-aanbieder: a mental-health provider.
    GgzProvider,
    /// Sociaal wijkteam: a municipal neighbourhood team.
    NeighbourhoodTeam,
    /// The organisation that runs the region's server (its operators approve account requests).
    RegionOperator,
}
