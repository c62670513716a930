//! Roles and the one permission table (role x action -> allowed).
//!
//! The server checks every request against `Role::permits`; the UI asks the same table (through
//! the session it receives) which actions to show. Source: REQUIREMENTS.md STAFF-5 (practice roles),
//! STAFF-6/7 (account manager), STAFF-10 (network roles).

use serde::{Deserialize, Serialize};

/// A role someone holds under one contract (a user can hold different roles in different
/// organisations; see ACC-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Huisarts: everything the practice has.
    Huisarts,
    /// Assistent (doktersassistent): 'Aandacht nodig', manual invoices, COV, ION.
    Assistent,
    /// Assistent FIN: practice and care-group declarations.
    AssistentFin,
    /// POH-S (praktijkondersteuner somatiek): care-group declarations and all chain-care actions.
    PohS,
    /// POH-S without access to finances.
    PohSZonderFinancieel,
    /// Kwaliteitsmedewerker: reports, chain-care dashboard, declaration counts.
    Kwaliteitsmedewerker,
    /// AIOS (GP in training): AIOS and population dashboard.
    Aios,
    /// Waarnemer (locum): all chain-care actions.
    Waarnemer,
    /// POH-GGZ medewerker: all GGZ actions (declarations, eHealth).
    PohGgz,
    /// Zorgverlener: a caregiver of a network partner organisation.
    Zorgverlener,
    /// Hoofdzorgverlener: a partner's lead caregiver, who may invite colleagues (STAFF-10).
    Hoofdzorgverlener,
    /// Accountbeheerder: adds and deactivates users; need not be a care professional (STAFF-6).
    Accountbeheerder,
    /// Consultatiegever: a specialist who answers consultations for a specialist group.
    Consultatiegever,
    /// Regiobeheerder: an operator of the region's server organisation; approves account requests.
    Regiobeheerder,
}

impl Role {
    pub const ALL: [Role; 14] = [
        Role::Huisarts,
        Role::Assistent,
        Role::AssistentFin,
        Role::PohS,
        Role::PohSZonderFinancieel,
        Role::Kwaliteitsmedewerker,
        Role::Aios,
        Role::Waarnemer,
        Role::PohGgz,
        Role::Zorgverlener,
        Role::Hoofdzorgverlener,
        Role::Accountbeheerder,
        Role::Consultatiegever,
        Role::Regiobeheerder,
    ];

    /// The roles inside a GP practice (STAFF-5) and its account manager (STAFF-6): what a
    /// practice may request accounts for.
    pub const PRACTICE: [Role; 10] = [
        Role::Huisarts,
        Role::Assistent,
        Role::AssistentFin,
        Role::PohS,
        Role::PohSZonderFinancieel,
        Role::Kwaliteitsmedewerker,
        Role::Aios,
        Role::Waarnemer,
        Role::PohGgz,
        Role::Accountbeheerder,
    ];

    /// The roles of caregivers in partner organisations, which the practice or a lead caregiver
    /// invites (STAFF-10).
    pub const NETWORK: [Role; 2] = [Role::Zorgverlener, Role::Hoofdzorgverlener];

    /// Whether this role may perform `action`. The single source of truth for permissions.
    pub fn permits(self, action: Action) -> bool {
        use Role::*;
        let allowed: &[Role] = match action {
            Action::ViewDirectory => &Role::ALL,
            Action::ManageTeamContacts => &[Huisarts, Hoofdzorgverlener, Accountbeheerder],
            Action::RequestStaffAccount | Action::DeactivateAccount | Action::ResetPassword => &[Huisarts, Accountbeheerder],
            Action::ViewAccessLog => &[Huisarts],
            Action::ApproveAccountRequest | Action::DecideAuthorisationMatrix => &[Regiobeheerder],
            Action::AuthorisePatientData => &[Huisarts],
            Action::InviteNetworkPartner => &[Huisarts],
            Action::InviteOwnColleague => &[Hoofdzorgverlener],
            Action::ImportHisExtraction => &[Huisarts, Assistent],
            Action::SharePatient => &[Huisarts, Assistent, PohS, PohSZonderFinancieel, Waarnemer, PohGgz],
            Action::ViewPatients | Action::RecordConsent => {
                &[Huisarts, Assistent, PohS, PohSZonderFinancieel, Aios, Waarnemer, PohGgz, Zorgverlener, Hoofdzorgverlener]
            }
            Action::ReferPatient | Action::StartConsultation => &[Huisarts, PohS, PohSZonderFinancieel, Waarnemer, PohGgz],
            Action::AnswerConsultation => &[Consultatiegever],
            Action::ReadConversations => &[
                Huisarts,
                Assistent,
                PohS,
                PohSZonderFinancieel,
                Aios,
                Waarnemer,
                PohGgz,
                Zorgverlener,
                Hoofdzorgverlener,
                Consultatiegever,
            ],
            Action::PracticeAdministration => &[Huisarts, Assistent],
            Action::PracticeDeclarations => &[Huisarts, AssistentFin],
            Action::CareGroupDeclarations => &[Huisarts, AssistentFin, PohS, PohSZonderFinancieel],
            Action::ViewFinances => &[Huisarts, AssistentFin, PohS],
            Action::ViewReports => &[Huisarts, Kwaliteitsmedewerker],
            Action::ViewAiosDashboard => &[Huisarts, Aios],
            Action::GgzActions => &[Huisarts, PohGgz],
        };
        allowed.contains(&self)
    }

    /// A care professional takes part in patient care and may hold conversation keys (STAFF-7).
    pub fn is_care_professional(self) -> bool {
        self.permits(Action::ReadConversations)
    }

    /// Dutch name as shown in the UI and in the directory.
    pub fn dutch_name(self) -> &'static str {
        match self {
            Role::Huisarts => "Huisarts",
            Role::Assistent => "Assistent",
            Role::AssistentFin => "Assistent FIN",
            Role::PohS => "POH-S",
            Role::PohSZonderFinancieel => "POH-S zonder financieel",
            Role::Kwaliteitsmedewerker => "Kwaliteitsmedewerker",
            Role::Aios => "AIOS",
            Role::Waarnemer => "Waarnemer",
            Role::PohGgz => "POH-GGZ medewerker",
            Role::Zorgverlener => "Zorgverlener",
            Role::Hoofdzorgverlener => "Hoofdzorgverlener",
            Role::Accountbeheerder => "Accountbeheerder",
            Role::Consultatiegever => "Consultatiegever",
            Role::Regiobeheerder => "Regiobeheerder",
        }
    }
}

/// Something a user may try to do. Each variant names a user-visible capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See the organisation directory (organisations, teams, people and roles).
    ViewDirectory,
    /// Choose a team's contact person (STAFF-9).
    ManageTeamContacts,
    /// Request an account for a staff member (STAFF-2).
    RequestStaffAccount,
    /// Deactivate the account of someone who leaves (STAFF-6).
    DeactivateAccount,
    /// Grant or withdraw access to the practice's patient data (STAFF-4).
    AuthorisePatientData,
    /// Invite a caregiver of another organisation into the network (STAFF-10).
    InviteNetworkPartner,
    /// Invite a colleague of one's own partner organisation (STAFF-10).
    InviteOwnColleague,
    /// Open the patient overview and patient pages.
    ViewPatients,
    /// Refer a patient to a network partner (REF-1).
    ReferPatient,
    /// Ask a specialist group for advice (CONS-1).
    StartConsultation,
    /// Pick up and answer a consultation (CONS-2).
    AnswerConsultation,
    /// Hold conversation keys and read messages (STAFF-7).
    ReadConversations,
    /// 'Aandacht nodig', manual invoices, COV and ION.
    PracticeAdministration,
    /// Practice declarations.
    PracticeDeclarations,
    /// Care-group declarations.
    CareGroupDeclarations,
    /// See financial figures.
    ViewFinances,
    /// Reports, chain-care dashboard and declaration counts.
    ViewReports,
    /// The AIOS and population dashboard.
    ViewAiosDashboard,
    /// GGZ actions: GGZ declarations and eHealth enrolment.
    GgzActions,
    /// Reset a colleague's forgotten password; their older encrypted data is lost (ACC-3).
    ResetPassword,
    /// View the NEN 7513 access log of the organisation's patients (SEC-2).
    ViewAccessLog,
    /// Approve or reject the region's account requests (STAFF-3).
    ApproveAccountRequest,
    /// Approve or reject a request to extend the region's authorisation matrix (REF-2).
    DecideAuthorisationMatrix,
    /// Upload the practice's HIS extraction (PAT-1).
    ImportHisExtraction,
    /// Record or withdraw a patient's consent for digital network care (PAT-6).
    RecordConsent,
    /// Make a practice's patient visible to network partners, or stop it (PAT-5).
    SharePatient,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::ViewDirectory,
        Action::ManageTeamContacts,
        Action::RequestStaffAccount,
        Action::DeactivateAccount,
        Action::AuthorisePatientData,
        Action::InviteNetworkPartner,
        Action::InviteOwnColleague,
        Action::ViewPatients,
        Action::ReferPatient,
        Action::StartConsultation,
        Action::AnswerConsultation,
        Action::ReadConversations,
        Action::PracticeAdministration,
        Action::PracticeDeclarations,
        Action::CareGroupDeclarations,
        Action::ViewFinances,
        Action::ViewReports,
        Action::ViewAiosDashboard,
        Action::GgzActions,
        Action::ResetPassword,
        Action::ViewAccessLog,
        Action::ApproveAccountRequest,
        Action::DecideAuthorisationMatrix,
        Action::ImportHisExtraction,
        Action::RecordConsent,
        Action::SharePatient,
    ];
}
