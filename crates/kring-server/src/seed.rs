//! Creating accounts directly, and the demo region the embedded server starts with.
//!
//! `create_account` derives the login keys from a password on the server's side of the wire: fine
//! for demo data and tests, where no real person chose the password. Real accounts are activated
//! by their owner's client (issue 4), so the server never sees a real password.

use crate::error::ServerResult;
use crate::store::{Commit, NewCredentials, Store};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_crypto::{derive_login_keys, AuthKeyVerifier, KdfParams, Salt, UserKeys};
use kring_domain::{AgbCode, Email, MobileNumber, OrganisationId, OrganisationKind, Role, TeamId, UserId};
use kring_protocol::staff::PatientDataAccessEntry;
use kring_protocol::{
    AccountEntry, ChangeBody, CodeChannel, ContractEntry, EntityKind, KeyMaterial, OrganisationEntry, PersonEntry, Scope, Seq,
    TeamEntry,
};
use uuid::Uuid;

/// The password every demo account starts with. Shown on the login screen in demo mode only.
pub const DEMO_PASSWORD: &str = "Welkom-bij-Kring-2026";

/// One account to create.
#[derive(Debug, Clone)]
pub struct AccountSpec {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub agb: Option<AgbCode>,
    pub email: Option<Email>,
    pub mobile: Option<MobileNumber>,
    pub code_channel: CodeChannel,
    /// (organisation, team, role) for each contract.
    pub contracts: Vec<(OrganisationId, Option<TeamId>, Role)>,
}

/// How the demo accounts start.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Argon2id cost of the demo passwords: the real one in the app, cheap in tests.
    pub kdf: KdfParams,
    /// Make every demo user change the demo password first, as a real first login does (ACC-2).
    pub must_change_password: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self { kdf: KdfParams::INTERACTIVE, must_change_password: true }
    }
}

/// Create a person, their account, credentials (with a key pair sealed under `password`) and
/// contracts in one commit.
pub async fn create_account(
    store: &dyn Store,
    spec: AccountSpec,
    password: &str,
    options: DemoOptions,
) -> ServerResult<(UserId, Seq)> {
    let user_id = UserId::new();
    let salt = Salt::random();
    let password = password.to_owned();
    let kdf = options.kdf;
    let derived = tokio::task::spawn_blocking(move || {
        let login = derive_login_keys(&password, &salt, kdf)?;
        let keys = UserKeys::generate();
        let material = KeyMaterial {
            sealed_private_keys: STANDARD_NO_PAD.encode(keys.seal(&login.kek)?),
            encryption_public_key: STANDARD_NO_PAD.encode(keys.encryption.public().as_bytes()),
            signing_public_key: STANDARD_NO_PAD.encode(keys.signing.public().as_bytes()),
        };
        AuthKeyVerifier::hash(&login.auth_key).map(|hash| (hash, salt, material))
    })
    .await?;
    let (auth_hash, salt, keys) = derived?;
    let username = crate::credentials::normalise_username(&spec.username);
    let mut changes = vec![
        (
            Scope::Directory,
            ChangeBody::Person(PersonEntry::new(user_id, spec.first_name, spec.last_name, spec.agb).with_keys(Some(&keys))),
        ),
        (
            Scope::User(user_id),
            ChangeBody::Account(AccountEntry {
                id: user_id,
                username: username.clone(),
                email: spec.email,
                mobile: spec.mobile,
                code_channel: spec.code_channel,
                notification_email: None,
                notify_on_message: false,
            }),
        ),
    ];
    for (organisation_id, team_id, role) in spec.contracts {
        changes.push((
            Scope::Directory,
            ChangeBody::Contract(ContractEntry { id: Uuid::now_v7(), user_id, organisation_id, team_id, role }),
        ));
    }
    let commit = Commit {
        mutation: None,
        credentials: vec![NewCredentials {
            user_id,
            username,
            salt: salt.to_base64(),
            kdf,
            auth_hash,
            keys: Some(keys),
            must_change_password: options.must_change_password,
            active: true,
        }],
        changes,
        ..Commit::default()
    };
    let seq = store.commit(commit).await?;
    Ok((user_id, seq))
}

/// Add an organisation and its teams to the directory.
pub async fn create_organisation(
    store: &dyn Store,
    name: &str,
    kind: OrganisationKind,
    agb: Option<&str>,
    city: &str,
    teams: &[&str],
) -> ServerResult<(OrganisationId, Vec<TeamId>)> {
    let id = OrganisationId::new();
    let agb = agb.map(AgbCode::parse).transpose().map_err(|e| crate::error::ServerError::InvalidRequest(e.to_string()))?;
    let mut changes = vec![(
        Scope::Directory,
        ChangeBody::Organisation(OrganisationEntry {
            id,
            name: name.to_owned(),
            kind,
            agb,
            city: city.to_owned(),
            care_group: None,
        }),
    )];
    let team_ids: Vec<TeamId> = teams.iter().map(|_| TeamId::new()).collect();
    for (team_id, team_name) in team_ids.iter().zip(teams) {
        changes.push((
            Scope::Directory,
            ChangeBody::Team(TeamEntry {
                id: *team_id,
                organisation_id: id,
                name: (*team_name).to_owned(),
                contact_person: None,
            }),
        ));
    }
    store.commit(Commit { changes, ..Commit::default() }).await?;
    Ok((id, team_ids))
}

/// A demo account as the login screen lists it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq, ts_rs::TS)]
pub struct DemoAccount {
    pub username: String,
    pub description: String,
}

/// The demo accounts `seed_demo_region` creates, for the login screen's hint.
pub fn demo_accounts() -> Vec<DemoAccount> {
    DEMO_PEOPLE
        .iter()
        .map(|p| DemoAccount { username: p.username.to_owned(), description: format!("{} {} ({})", p.first, p.last, p.what) })
        .collect()
}

struct DemoPerson {
    username: &'static str,
    first: &'static str,
    last: &'static str,
    what: &'static str,
    agb: Option<&'static str>,
    /// Fictitious 06-number; the POH-GGZ works on a laptop and gets codes by SMS.
    mobile: &'static str,
    channel: CodeChannel,
}

const DEMO_PEOPLE: [DemoPerson; 10] = [
    DemoPerson {
        username: "huisarts",
        first: "Anne",
        last: "de Vries",
        what: "huisarts",
        agb: Some("01012345"),
        mobile: "0612340001",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "pohggz",
        first: "Mehmet",
        last: "Yılmaz",
        what: "POH-GGZ",
        agb: Some("94012346"),
        mobile: "0612340002",
        channel: CodeChannel::Sms,
    },
    DemoPerson {
        username: "assistent",
        first: "Sanne",
        last: "Bakker",
        what: "doktersassistent",
        agb: None,
        mobile: "0612340003",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "beheer",
        first: "Peter",
        last: "Smit",
        what: "accountbeheerder",
        agb: None,
        mobile: "0612340004",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "wijkverpleging",
        first: "Fatima",
        last: "el Amrani",
        what: "wijkverpleegkundige",
        agb: Some("34012347"),
        mobile: "0612340005",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "verzorgende",
        first: "Joost",
        last: "Visser",
        what: "verzorgende IG",
        agb: None,
        mobile: "0612340006",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "regiobeheer",
        first: "Ruud",
        last: "Hermans",
        what: "regiobeheerder, keurt accountaanvragen goed",
        agb: None,
        mobile: "0612340008",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "psychiater",
        first: "Lisa",
        last: "Jansen",
        what: "psychiater, consultatiegever",
        agb: Some("03012348"),
        mobile: "0612340007",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "ggzintake",
        first: "Daan",
        last: "Mulder",
        what: "GZ-psycholoog, neemt verwijzingen naar de GGZ in behandeling",
        agb: Some("94012349"),
        mobile: "0612340009",
        channel: CodeChannel::Email,
    },
    DemoPerson {
        username: "psychiater2",
        first: "Tom",
        last: "Verbeek",
        what: "psychiater, consultatiegever in dezelfde groep",
        agb: Some("03012350"),
        mobile: "0612340010",
        channel: CodeChannel::Email,
    },
];

/// Seed the demo region (DESIGN.md "Embedded default") into an empty store. Does nothing when the
/// store already holds data, so a restart never duplicates it. Returns whether it seeded.
pub async fn seed_demo_region(store: &dyn Store, options: DemoOptions) -> ServerResult<bool> {
    if store.latest_seq().await? > 0 {
        return Ok(false);
    }
    let (practice, practice_teams) = create_organisation(
        store,
        "Huisartsenpraktijk De Linde",
        OrganisationKind::GpPractice,
        Some("01051234"),
        "Delft",
        &["Praktijkteam", "GGZ-team"],
    )
    .await?;
    let (care_group, care_group_teams) =
        create_organisation(store, "Zorggroep Delfland", OrganisationKind::CareGroup, Some("07060123"), "Delft", &["Ketenzorg"])
            .await?;
    // De Linde belongs to Zorggroep Delfland: its finance and quality staff see the practice's
    // consultation records (STAFF-5).
    if let Some(ChangeBody::Organisation(linde)) = store.entity(EntityKind::Organisation, practice.0).await? {
        let linde = OrganisationEntry { care_group: Some(care_group), ..linde };
        store.commit(Commit { changes: vec![(Scope::Directory, ChangeBody::Organisation(linde))], ..Commit::default() }).await?;
    }
    let (home_care, home_care_teams) = create_organisation(
        store,
        "Thuiszorg Hof van Delft",
        OrganisationKind::HomeCare,
        Some("75750123"),
        "Delft",
        &["Wijkteam Tanthof", "Wijkteam Voorhof"],
    )
    .await?;
    let (ggz, ggz_teams) = create_organisation(
        store,
        "GGZ Delfland",
        OrganisationKind::GgzProvider,
        Some("22220123"),
        "Delft",
        &["Psychiatrische Consultatielijn voor huisartsen", "Aanmelding en intake"],
    )
    .await?;

    // The psychiatric consultation line answers as a group (CONS-1), on seed 004's agreement.
    let group = kring_protocol::consultations::ConsultationGroupEntry {
        team_id: ggz_teams[0],
        organisation_id: ggz,
        care_street: kring_domain::consultation::CareStreet::Ggz,
        answer_hours: 24,
        reminder_hours: 48,
        closing_hours: 96,
        services: vec![
            kring_protocol::consultations::DeclarableService {
                code: "PCH-K".into(),
                description: "Consultatie psychiater, kort advies".into(),
            },
            kring_protocol::consultations::DeclarableService {
                code: "PCH-U".into(),
                description: "Consultatie psychiater, uitgebreid advies".into(),
            },
        ],
    };
    store.commit(Commit { changes: vec![(Scope::Directory, ChangeBody::ConsultationGroup(group))], ..Commit::default() }).await?;

    let (operator, _) =
        create_organisation(store, "Kring Regio Delft (beheer)", OrganisationKind::RegionOperator, None, "Delft", &[]).await?;

    let contracts: [Vec<(OrganisationId, Option<TeamId>, Role)>; 10] = [
        vec![
            (practice, Some(practice_teams[0]), Role::Huisarts),
            (care_group, Some(care_group_teams[0]), Role::Kwaliteitsmedewerker),
        ],
        vec![(practice, Some(practice_teams[1]), Role::PohGgz)],
        vec![(practice, Some(practice_teams[0]), Role::Assistent)],
        vec![(practice, None, Role::Accountbeheerder)],
        vec![(home_care, Some(home_care_teams[0]), Role::Hoofdzorgverlener)],
        vec![(home_care, Some(home_care_teams[0]), Role::Zorgverlener)],
        vec![(operator, None, Role::Regiobeheerder)],
        vec![(ggz, Some(ggz_teams[0]), Role::Consultatiegever)],
        vec![(ggz, Some(ggz_teams[1]), Role::Zorgverlener)],
        vec![(ggz, Some(ggz_teams[0]), Role::Consultatiegever)],
    ];
    let mut specs = Vec::new();
    for (person, contracts) in DEMO_PEOPLE.iter().zip(contracts) {
        let agb =
            person.agb.map(AgbCode::parse).transpose().map_err(|e| crate::error::ServerError::InvalidRequest(e.to_string()))?;
        let email = Email::parse(&format!("{}@demo.kring.nl", person.username)).ok();
        let mobile = MobileNumber::parse(person.mobile).ok();
        let spec = AccountSpec {
            username: person.username.to_owned(),
            first_name: person.first.to_owned(),
            last_name: person.last.to_owned(),
            agb,
            email,
            mobile,
            code_channel: person.channel,
            contracts,
        };
        specs.push(spec);
    }
    // Two Argon2id derivations per account are most of the first start's time: as many accounts at
    // once as the machine has cores, up to four (in order, so `users` lines up with `DEMO_PEOPLE`).
    use futures_util::{StreamExt, TryStreamExt};
    // At most four: each derivation holds the Argon2 memory (128 MiB at the interactive cost).
    let parallel = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get).min(4);
    let users: Vec<UserId> = futures_util::stream::iter(specs)
        .map(|spec| async move { create_account(store, spec, DEMO_PASSWORD, options).await.map(|(user, _)| user) })
        .buffered(parallel)
        .try_collect()
        .await?;
    // The GP has authorised the POH-GGZ and the assistant for patient data; they get the key when
    // the GP first opens a secure session (STAFF-1's warning state until then).
    let authorised = [users[1], users[2]].map(|user| {
        let id = PatientDataAccessEntry::id_for(practice, user);
        let entry = PatientDataAccessEntry { id, organisation_id: practice, user_id: user, authorised: true, wrapped_key: None };
        (Scope::Organisation(practice), ChangeBody::PatientDataAccess(entry))
    });
    store.commit(Commit { changes: authorised.to_vec(), ..Commit::default() }).await?;
    tracing::info!("seeded the demo region");
    Ok(true)
}

/// Set the region's business calendar (CONS-5) in the directory, after checking it is one; every
/// practice's client and the server's deadline jobs use it from then on (consultations asked
/// before keep the moments they were scheduled for).
pub async fn set_business_calendar(
    store: &dyn Store,
    entry: kring_protocol::consultations::RegionCalendarEntry,
) -> ServerResult<()> {
    entry.calendar().map_err(crate::error::ServerError::InvalidRequest)?;
    store.commit(Commit { changes: vec![(Scope::Directory, ChangeBody::RegionCalendar(entry))], ..Commit::default() }).await?;
    tracing::info!("business calendar set");
    Ok(())
}
