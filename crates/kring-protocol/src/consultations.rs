//! CONS-1 … CONS-5 on the wire. So far: the specialist groups a consultation is asked of, in the
//! directory so every practice sees them with their answer agreement and declarable services.

use kring_domain::consultation::CareStreet;
use kring_domain::{OrganisationId, TeamId};
use serde::{Deserialize, Serialize};

/// A team of a specialist organisation that answers consultations as a group (CONS-1), with its
/// own answer agreement in business hours (CONS-5) and what its specialists can declare (CONS-4).
/// Keyed by the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationGroupEntry {
    pub team_id: TeamId,
    pub organisation_id: OrganisationId,
    pub care_street: CareStreet,
    pub answer_hours: u32,
    pub reminder_hours: u32,
    pub closing_hours: u32,
    pub services: Vec<DeclarableService>,
}

/// A service a specialist of the group can book for a consultation ("verrichting", CONS-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DeclarableService {
    pub code: String,
    pub description: String,
}
