//! The store conformance suite: every [`Store`] backend must pass each of these. Instantiated per
//! backend in `tests/store_conformance.rs` (matrix-rust-sdk style: one suite, many stores).

use crate::chain::{verify_chain, NewAccessEntry};
use crate::store::{
    Commit, LoginUpdate, NewActivation, NewCredentials, NewJob, NewSession, SessionTokens, Store, StoreError, StoredChallenge,
};
use kring_crypto::KdfParams;
use kring_domain::{AccessKind, CodeChallenge, OrganisationId, OrganisationKind, PatientId, Role, TeamId, UserId};
use kring_protocol::access_log::ChainVerification;
use kring_protocol::{
    AccountEntry, ChangeBody, CodeChannel, ContractEntry, EntityKind, KeyMaterial, Mutation, MutationOutcome, MutationRequest,
    OrganisationEntry, Scope, TeamEntry,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use time::macros::datetime;
use time::Duration;
use uuid::Uuid;

pub type StoreTest = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Every test of the suite, by name.
pub fn suite() -> Vec<(&'static str, StoreTest)> {
    vec![
        ("commit_assigns_increasing_seqs_and_keeps_latest_entity_state", |s| Box::pin(commit_assigns_increasing_seqs(s))),
        ("changes_since_returns_only_the_callers_scopes", |s| Box::pin(changes_since_filters_by_scope(s))),
        ("changes_since_pages_and_cursor_skips_invisible_changes", |s| Box::pin(changes_since_pages(s))),
        ("children_lists_a_users_contracts_in_feed_order_and_entities_load_by_id", |s| Box::pin(children_in_order(s))),
        ("mutation_id_is_recorded_once_with_its_outcome", |s| Box::pin(mutation_recorded_once(s))),
        ("duplicate_username_rolls_back_the_whole_commit", |s| Box::pin(duplicate_username_is_atomic(s))),
        ("sessions_expire_and_revoke", |s| Box::pin(sessions_expire_and_revoke(s))),
        ("refresh_tokens_rotate_once_and_revocation_ends_them", |s| Box::pin(refresh_tokens_rotate_once(s))),
        ("login_update_replaces_keys_and_flags", |s| Box::pin(login_update_replaces_keys(s))),
        ("code_challenges_move_only_from_the_state_read", |s| Box::pin(code_challenges_compare_and_set(s))),
        ("access_log_chains_across_commits_and_verifies", |s| Box::pin(access_log_chains(s))),
        ("activation_tokens_work_once_and_expire", |s| Box::pin(activation_tokens_work_once(s))),
        ("jobs_are_leased_one_at_a_time_and_retried_after_the_lease", |s| Box::pin(jobs_are_leased(s))),
        ("accounts_switch_off_and_on_and_entities_list_by_kind", |s| Box::pin(accounts_switch_off_and_on(s))),
        ("his_bridges_register_and_launch_tokens_work_once", |s| Box::pin(his_bridges_and_launch_tokens(s))),
        ("server_secret_is_created_once_and_stays", |s| Box::pin(server_secret_is_stable(s))),
        ("concurrent_commits_give_a_gapless_ordered_feed", |s| Box::pin(concurrent_commits_are_ordered(s))),
        ("login_throttle_is_compare_and_set_per_key", |s| Box::pin(login_throttle_compare_and_set(s))),
        ("attachment_chunks_are_kept_once_and_counted", |s| Box::pin(attachment_chunks(s))),
        ("feed_epochs_hold_cursors_until_a_later_start_lies_before_them", |s| Box::pin(feed_epochs(s))),
        ("a_commit_planned_on_a_changed_entity_is_stale_and_writes_nothing", |s| Box::pin(unchanged_is_compare_and_set(s))),
    ]
}

fn organisation(name: &str) -> OrganisationEntry {
    OrganisationEntry {
        id: OrganisationId::new(),
        name: name.into(),
        kind: OrganisationKind::GpPractice,
        agb: None,
        city: "Delft".into(),
        care_group: None,
    }
}

fn team(organisation: OrganisationId, name: &str) -> TeamEntry {
    TeamEntry { id: TeamId::new(), organisation_id: organisation, name: name.into(), contact_person: None }
}

fn changes(changes: Vec<(Scope, ChangeBody)>) -> Commit {
    Commit { changes, ..Commit::default() }
}

fn credentials(username: &str) -> NewCredentials {
    NewCredentials {
        user_id: UserId::new(),
        username: username.into(),
        salt: "c2FsdHNhbHRzYWx0c2FsdA".into(),
        kdf: KdfParams::TESTING,
        auth_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        keys: None,
        must_change_password: true,
        active: true,
    }
}

fn tokens(seed: u8, now: time::OffsetDateTime) -> SessionTokens {
    SessionTokens {
        access_hash: [seed; 32],
        access_expires_at: now + Duration::minutes(15),
        refresh_hash: [seed + 100; 32],
        refresh_expires_at: now + Duration::hours(12),
    }
}

async fn commit_assigns_increasing_seqs(store: Arc<dyn Store>) {
    assert_eq!(store.latest_seq().await.unwrap(), 0, "a new store has an empty feed");
    let org = organisation("Praktijk De Linde");
    let first = store.commit(changes(vec![(Scope::Directory, ChangeBody::Organisation(org.clone()))])).await.unwrap();
    let renamed = OrganisationEntry { name: "Huisartsenpraktijk De Linde".into(), ..org.clone() };
    let second = store.commit(changes(vec![(Scope::Directory, ChangeBody::Organisation(renamed.clone()))])).await.unwrap();
    assert!(second > first && first > 0);
    assert_eq!(store.latest_seq().await.unwrap(), second);
    assert_eq!(store.entity(EntityKind::Organisation, org.id.0).await.unwrap(), Some(ChangeBody::Organisation(renamed)));
    assert_eq!(store.entity(EntityKind::Team, org.id.0).await.unwrap(), None, "kind is part of the key");
    // An empty commit changes nothing and reports where the feed stands.
    assert_eq!(store.commit(Commit::default()).await.unwrap(), second);
}

/// `Commit::unchanged` (issue 15: one caregiver takes a referral): a commit planned on an entity
/// as it was goes through only while the entity is still so; otherwise nothing of it is written.
async fn unchanged_is_compare_and_set(store: Arc<dyn Store>) {
    let org = organisation("Praktijk De Linde");
    let read = ChangeBody::Organisation(org.clone());
    store.commit(changes(vec![(Scope::Directory, read.clone())])).await.unwrap();
    let first = OrganisationEntry { name: "Eerste".into(), ..org.clone() };
    let second = OrganisationEntry { name: "Tweede".into(), ..org.clone() };
    let planned = |entry: OrganisationEntry| Commit {
        changes: vec![(Scope::Directory, ChangeBody::Organisation(entry))],
        unchanged: vec![read.clone()],
        ..Commit::default()
    };
    let seq = store.commit(planned(first.clone())).await.unwrap();
    assert!(matches!(store.commit(planned(second)).await, Err(StoreError::Stale)), "planned on the old state");
    assert_eq!(store.latest_seq().await.unwrap(), seq, "the stale commit wrote nothing");
    assert_eq!(store.entity(EntityKind::Organisation, org.id.0).await.unwrap(), Some(ChangeBody::Organisation(first)));
    let absent = Commit { unchanged: vec![ChangeBody::Organisation(organisation("Nergens"))], ..Commit::default() };
    assert!(matches!(store.commit(absent).await, Err(StoreError::Stale)), "an entity that does not exist is not as read");
    // Planned on an entity being absent: the first of two such commits writes, the second is stale.
    let fresh = organisation("Nieuw");
    let first_of_two = |name: &str| Commit {
        changes: vec![(Scope::Directory, ChangeBody::Organisation(OrganisationEntry { name: name.into(), ..fresh.clone() }))],
        absent: vec![(EntityKind::Organisation, fresh.id.0)],
        ..Commit::default()
    };
    store.commit(first_of_two("Eerste")).await.unwrap();
    assert!(matches!(store.commit(first_of_two("Tweede")).await, Err(StoreError::Stale)), "it exists by now");
    let stored = store.entity(EntityKind::Organisation, fresh.id.0).await.unwrap();
    assert!(matches!(stored, Some(ChangeBody::Organisation(entry)) if entry.name == "Eerste"));
}

async fn changes_since_filters_by_scope(store: Arc<dyn Store>) {
    let alice = UserId::new();
    let bob = UserId::new();
    let practice = organisation("Praktijk");
    let account = |id: UserId, name: &str| {
        ChangeBody::Account(AccountEntry {
            id,
            username: name.into(),
            email: None,
            mobile: None,
            code_channel: CodeChannel::Email,
            notification_email: None,
            notify_on_message: false,
        })
    };
    store
        .commit(changes(vec![
            (Scope::Directory, ChangeBody::Organisation(practice.clone())),
            (Scope::User(alice), account(alice, "alice")),
            (Scope::User(bob), account(bob, "bob")),
            (Scope::Organisation(practice.id), ChangeBody::Team(team(practice.id, "Praktijkteam"))),
        ]))
        .await
        .unwrap();
    let alice_view = store.changes_since(0, &[Scope::Directory, Scope::User(alice)], 100).await.unwrap();
    let kinds: Vec<EntityKind> = alice_view.changes.iter().map(|c| c.body.kind()).collect();
    assert_eq!(kinds, vec![EntityKind::Organisation, EntityKind::Account]);
    assert_eq!(alice_view.changes[1].body, account(alice, "alice"), "alice sees her own account, not bob's");
    assert!(!alice_view.has_more);
    let member_view = store.changes_since(0, &[Scope::Organisation(practice.id)], 100).await.unwrap();
    assert_eq!(member_view.changes.len(), 1);
    assert_eq!(member_view.changes[0].scope, Scope::Organisation(practice.id));
    assert!(store.changes_since(0, &[], 100).await.unwrap().changes.is_empty());
}

async fn changes_since_pages(store: Arc<dyn Store>) {
    let hidden = UserId::new();
    let mut batch = Vec::new();
    for i in 0..5 {
        batch.push((Scope::Directory, ChangeBody::Organisation(organisation(&format!("Praktijk {i}")))));
    }
    store.commit(changes(batch)).await.unwrap();
    let last_visible = store.latest_seq().await.unwrap();
    store
        .commit(changes(vec![(
            Scope::User(hidden),
            ChangeBody::Account(AccountEntry {
                id: hidden,
                username: "verborgen".into(),
                email: None,
                mobile: None,
                code_channel: CodeChannel::Email,
                notification_email: None,
                notify_on_message: false,
            }),
        )]))
        .await
        .unwrap();
    let latest = store.latest_seq().await.unwrap();

    let first = store.changes_since(0, &[Scope::Directory], 2).await.unwrap();
    assert_eq!(first.changes.len(), 2);
    assert!(first.has_more);
    assert_eq!(first.cursor, first.changes[1].seq);
    let mut cursor = first.cursor;
    let mut seen = first.changes.len();
    loop {
        let page = store.changes_since(cursor, &[Scope::Directory], 2).await.unwrap();
        assert!(page.changes.iter().all(|c| c.seq > cursor), "pages never repeat a change");
        seen += page.changes.len();
        cursor = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen, 5);
    assert!(last_visible < latest);
    assert_eq!(cursor, latest, "the cursor moves past changes the caller may not see");
    let again = store.changes_since(cursor, &[Scope::Directory], 2).await.unwrap();
    assert!(again.changes.is_empty() && !again.has_more && again.cursor == latest);
}

async fn children_in_order(store: Arc<dyn Store>) {
    let user = UserId::new();
    let other = UserId::new();
    let practice = organisation("Praktijk");
    let care_group = organisation("Zorggroep");
    let contract = |user_id, org: &OrganisationEntry, role| {
        ChangeBody::Contract(ContractEntry { id: Uuid::now_v7(), user_id, organisation_id: org.id, team_id: None, role })
    };
    let first = contract(user, &practice, Role::Huisarts);
    let second = contract(user, &care_group, Role::Kwaliteitsmedewerker);
    store
        .commit(changes(vec![
            (Scope::Directory, first.clone()),
            (Scope::Directory, contract(other, &practice, Role::Assistent)),
            (Scope::Directory, second.clone()),
        ]))
        .await
        .unwrap();
    assert_eq!(store.children(EntityKind::Contract, user.0).await.unwrap(), vec![first.clone(), second.clone()]);
    assert!(store.children(EntityKind::Team, user.0).await.unwrap().is_empty());
    // Several by id in one query: those that exist, of that kind only.
    let ids = [first.entity_id(), second.entity_id(), Uuid::now_v7(), practice.id.0];
    let mut found: Vec<Uuid> =
        store.entities_by_id(EntityKind::Contract, &ids).await.unwrap().iter().map(ChangeBody::entity_id).collect();
    found.sort();
    let mut wanted = vec![first.entity_id(), second.entity_id()];
    wanted.sort();
    assert_eq!(found, wanted);
    assert!(store.entities_by_id(EntityKind::Contract, &[]).await.unwrap().is_empty());
}

async fn mutation_recorded_once(store: Arc<dyn Store>) {
    let author = UserId::new();
    let practice = organisation("Praktijk");
    let mut t = team(practice.id, "Praktijkteam");
    store.commit(changes(vec![(Scope::Directory, ChangeBody::Team(t.clone()))])).await.unwrap();
    let request =
        MutationRequest { id: Uuid::now_v7(), mutation: Mutation::SetTeamContact { team_id: t.id, contact: Some(author) } };
    assert_eq!(store.recorded_mutation(request.id).await.unwrap(), None);
    t.contact_person = Some(author);
    let commit = Commit {
        mutation: Some((author, request.clone())),
        credentials: vec![],
        changes: vec![(Scope::Directory, ChangeBody::Team(t.clone()))],
        ..Commit::default()
    };
    let seq = store.commit(commit.clone()).await.unwrap();
    let recorded = store.recorded_mutation(request.id).await.unwrap().unwrap();
    assert_eq!(recorded.author, author);
    assert_eq!(recorded.request, request);
    assert_eq!(recorded.outcome, MutationOutcome::Applied { seq });

    let before = store.latest_seq().await.unwrap();
    assert!(matches!(store.commit(commit).await, Err(StoreError::DuplicateMutation)));
    assert_eq!(store.latest_seq().await.unwrap(), before, "a duplicate leaves the feed untouched");
}

async fn duplicate_username_is_atomic(store: Arc<dyn Store>) {
    store.commit(Commit { credentials: vec![credentials("huisarts")], ..Commit::default() }).await.unwrap();
    let found = store.credentials("huisarts").await.unwrap().unwrap();
    assert!(found.active);
    assert_eq!(found.kdf, KdfParams::TESTING);
    assert!(store.credentials("onbekend").await.unwrap().is_none());

    let before = store.latest_seq().await.unwrap();
    let clash = Commit {
        credentials: vec![credentials("huisarts")],
        changes: vec![(Scope::Directory, ChangeBody::Organisation(organisation("Half geschreven")))],
        ..Commit::default()
    };
    assert!(matches!(store.commit(clash).await, Err(StoreError::DuplicateUsername)));
    assert_eq!(store.latest_seq().await.unwrap(), before, "nothing of a failed commit is kept");

    // Under concurrency (SQLite writes queued commits together) a failing commit takes nothing
    // of the others with it.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        let name = if i == 7 { "huisarts".to_owned() } else { format!("collega{i}") };
        let commit = Commit {
            credentials: vec![credentials(&name)],
            changes: vec![(Scope::Directory, ChangeBody::Organisation(organisation(&format!("Organisatie {i}"))))],
            ..Commit::default()
        };
        tasks.push(tokio::spawn(async move { store.commit(commit).await }));
    }
    let mut failed = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), Err(StoreError::DuplicateUsername)) {
            failed += 1;
        }
    }
    assert_eq!(failed, 1);
    assert_eq!(store.latest_seq().await.unwrap(), before + 19, "the other 19 commits are kept");
    assert!(store.credentials("collega19").await.unwrap().is_some());
}

async fn sessions_expire_and_revoke(store: Arc<dyn Store>) {
    let account = credentials("poh");
    let user = account.user_id;
    store.commit(Commit { credentials: vec![account], ..Commit::default() }).await.unwrap();
    let now = datetime!(2026-11-25 09:00 UTC);
    let id = Uuid::now_v7();
    let session = NewSession { id, user_id: user, device_name: "werkplek 1".into(), created_at: now, tokens: tokens(7, now) };
    store.create_session(session).await.unwrap();
    let live = store.session_by_access([7; 32], now).await.unwrap().unwrap();
    assert_eq!((live.id, live.user_id, live.device_name.as_str(), live.must_change_password), (id, user, "werkplek 1", true));
    assert_eq!(store.session_by_access([8; 32], now).await.unwrap(), None, "unknown token");
    assert_eq!(store.session_by_access([7; 32], now + Duration::minutes(15)).await.unwrap(), None, "access expired");
    store.revoke_session(id).await.unwrap();
    assert_eq!(store.session_by_access([7; 32], now).await.unwrap(), None, "revoked");
}

async fn refresh_tokens_rotate_once(store: Arc<dyn Store>) {
    let account = credentials("wijk");
    let user = account.user_id;
    store.commit(Commit { credentials: vec![account], ..Commit::default() }).await.unwrap();
    let now = datetime!(2026-11-25 09:00 UTC);
    let first =
        NewSession { id: Uuid::now_v7(), user_id: user, device_name: "a".into(), created_at: now, tokens: tokens(1, now) };
    let second_id = Uuid::now_v7();
    let second = NewSession { id: second_id, user_id: user, device_name: "b".into(), created_at: now, tokens: tokens(2, now) };
    store.create_session(first).await.unwrap();
    store.create_session(second).await.unwrap();

    let later = now + Duration::minutes(20);
    assert_eq!(store.rotate_session([101; 32], later, tokens(3, later)).await.unwrap(), Some(user));
    assert!(store.session_by_access([3; 32], later).await.unwrap().is_some(), "the new access token works");
    assert_eq!(store.rotate_session([101; 32], later, tokens(4, later)).await.unwrap(), None, "a refresh token works once");
    assert_eq!(
        store.rotate_session([102; 32], now + Duration::hours(12), tokens(5, now)).await.unwrap(),
        None,
        "an expired refresh token buys nothing"
    );

    store.revoke_sessions_of(user, Some(second_id)).await.unwrap();
    assert!(store.session_by_access([3; 32], later).await.unwrap().is_none(), "other sessions end");
    assert!(store.session_by_access([2; 32], now).await.unwrap().is_some(), "the kept session stays");
    assert_eq!(store.rotate_session([103; 32], later, tokens(6, later)).await.unwrap(), None);
    store.revoke_sessions_of(user, None).await.unwrap();
    assert!(store.session_by_access([2; 32], now).await.unwrap().is_none());
}

async fn login_update_replaces_keys(store: Arc<dyn Store>) {
    let account = credentials("assistent");
    let user = account.user_id;
    store.commit(Commit { credentials: vec![account], ..Commit::default() }).await.unwrap();
    let before = store.credentials_of(user).await.unwrap().unwrap();
    assert_eq!((before.keys.clone(), before.must_change_password, before.keys_were_reset), (None, true, false));
    let keys = KeyMaterial {
        sealed_private_keys: "c2VhbGVk".into(),
        encryption_public_key: "ZW5j".into(),
        signing_public_key: "c2ln".into(),
    };
    let update = LoginUpdate {
        salt: "bmlldXc".into(),
        kdf: KdfParams::INTERACTIVE,
        auth_hash: "$argon2id$nieuw".into(),
        keys: Some(keys.clone()),
        must_change_password: false,
        keys_were_reset: false,
    };
    store.update_login(user, update.clone()).await.unwrap();
    let after = store.credentials("assistent").await.unwrap().unwrap();
    assert_eq!(
        (after.salt.as_str(), after.kdf, after.auth_hash.as_str()),
        ("bmlldXc", KdfParams::INTERACTIVE, "$argon2id$nieuw")
    );
    assert_eq!((after.keys, after.must_change_password, after.username.as_str()), (Some(keys), false, "assistent"));

    store
        .update_login(user, LoginUpdate { keys: None, must_change_password: true, keys_were_reset: true, ..update })
        .await
        .unwrap();
    let reset = store.credentials_of(user).await.unwrap().unwrap();
    assert_eq!((reset.keys, reset.must_change_password, reset.keys_were_reset), (None, true, true));
}

async fn code_challenges_compare_and_set(store: Arc<dyn Store>) {
    let issued = datetime!(2026-11-25 09:00 UTC);
    let challenge = StoredChallenge {
        id: Uuid::now_v7(),
        user_id: UserId::new(),
        username: "huisarts".into(),
        device_name: "balie".into(),
        code_hash: [9; 32],
        state: CodeChallenge::new(issued),
    };
    assert_eq!(store.challenge(challenge.id).await.unwrap(), None);
    store.create_challenge(challenge.clone()).await.unwrap();
    assert_eq!(store.challenge(challenge.id).await.unwrap().as_ref(), Some(&challenge));

    let wrong = CodeChallenge { wrong_attempts: 1, ..challenge.state };
    assert!(store.update_challenge(challenge.id, challenge.state, wrong).await.unwrap());
    let used = CodeChallenge { used: true, ..challenge.state };
    assert!(!store.update_challenge(challenge.id, challenge.state, used).await.unwrap(), "a stale state does not win");
    let used = CodeChallenge { used: true, ..wrong };
    assert!(store.update_challenge(challenge.id, wrong, used).await.unwrap());
    assert_eq!(store.challenge(challenge.id).await.unwrap().unwrap().state, used);
}

async fn access_log_chains(store: Arc<dyn Store>) {
    let practice = OrganisationId::new();
    let other = OrganisationId::new();
    let gp = UserId::new();
    let entry = |organisation_id, minute: i64| NewAccessEntry {
        at: datetime!(2026-11-25 09:00:00.123456 UTC) + Duration::minutes(minute),
        actor: gp,
        organisation_id,
        patient_id: PatientId::new(),
        kind: AccessKind::Conversation,
        device: "spreekkamer 1".into(),
    };
    store.commit(Commit { access: vec![entry(practice, 1), entry(other, 2)], ..Commit::default() }).await.unwrap();
    store.commit(Commit { access: vec![entry(practice, 3)], ..Commit::default() }).await.unwrap();

    let chain = store.access_log_chain(0, 100).await.unwrap();
    assert_eq!(chain.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(verify_chain(&chain), ChainVerification::Intact { entries: 3 }, "times survive the round trip exactly");
    let tail = store.access_log_chain(1, 1).await.unwrap();
    assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2], "a stretch after a seq, at most the limit");
    let mine = store.access_log(practice, None, 10).await.unwrap();
    assert_eq!(mine.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 1], "newest first, own organisation only");
    assert_eq!(mine[1].at, datetime!(2026-11-25 09:01:00.123456 UTC));
    assert_eq!(store.access_log(practice, None, 1).await.unwrap().len(), 1);
    let older = store.access_log(practice, Some(3), 10).await.unwrap();
    assert_eq!(older.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1], "the page before seq 3");
}

async fn server_secret_is_stable(store: Arc<dyn Store>) {
    let first = store.server_secret("decoy-salt").await.unwrap();
    assert_eq!(first.len(), 32);
    assert_eq!(store.server_secret("decoy-salt").await.unwrap(), first);
    assert_ne!(store.server_secret("other").await.unwrap(), first);
}

async fn concurrent_commits_are_ordered(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let org = organisation(&format!("Praktijk {i}"));
                store.commit(changes(vec![(Scope::Directory, ChangeBody::Organisation(org))])).await
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap().unwrap());
    }
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 24, "every commit got its own seq");
    let page = store.changes_since(0, &[Scope::Directory], 100).await.unwrap();
    let feed: Vec<i64> = page.changes.iter().map(|c| c.seq).collect();
    assert_eq!(feed, seqs, "the feed holds exactly the committed seqs, in order");
}

async fn login_throttle_compare_and_set(store: Arc<dyn Store>) {
    use kring_domain::Throttle;
    let key = "account:huisarts";
    assert_eq!(store.login_throttle(key).await.unwrap(), None);
    let at = datetime!(2026-11-25 09:00:00.123456 UTC);
    let first = Throttle { failures: 1, last_failure: Some(at), locked_until: None };
    assert!(store.replace_login_throttle(key, None, Some(first)).await.unwrap());
    assert!(!store.replace_login_throttle(key, None, Some(first)).await.unwrap(), "a second insert loses");
    let stored = store.login_throttle(key).await.unwrap().unwrap();
    assert_eq!(stored.throttle, first, "times survive to the microsecond");

    let locked = Throttle { failures: 5, last_failure: Some(at), locked_until: Some(at + Duration::minutes(1)) };
    assert!(store.replace_login_throttle(key, Some(stored.version), Some(locked)).await.unwrap());
    assert!(!store.replace_login_throttle(key, Some(stored.version), Some(first)).await.unwrap(), "a stale version loses");
    assert_eq!(store.login_throttle(key).await.unwrap().unwrap().throttle, locked);
    assert!(store.login_throttle("address:127.0.0.1").await.unwrap().is_none(), "keys count separately");

    // Thirty parallel read-modify-writes, each retrying until it wins: none is lost.
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                loop {
                    let stored = store.login_throttle("address:10.0.0.1").await.unwrap();
                    let mut next = stored.map(|s| s.throttle).unwrap_or_default();
                    next.failures += 1;
                    if store.replace_login_throttle("address:10.0.0.1", stored.map(|s| s.version), Some(next)).await.unwrap() {
                        return;
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.login_throttle("address:10.0.0.1").await.unwrap().unwrap().throttle.failures, 30);

    let version = store.login_throttle(key).await.unwrap().unwrap().version;
    assert!(store.replace_login_throttle(key, Some(version), None).await.unwrap(), "forgotten");
    assert_eq!(store.login_throttle(key).await.unwrap(), None);
}

async fn feed_epochs(store: Arc<dyn Store>) {
    let directory = |name: &str| changes(vec![(Scope::Directory, ChangeBody::Organisation(organisation(name)))]);
    assert_eq!(store.newest_feed_epoch().await.unwrap(), None);
    store.begin_feed_epoch().await.unwrap();
    let first = store.newest_feed_epoch().await.unwrap().unwrap();
    for name in ["a", "b", "c"] {
        store.commit(directory(name)).await.unwrap();
    }
    assert!(store.feed_epoch_holds(first, 3).await.unwrap());
    assert!(!store.feed_epoch_holds(first, 4).await.unwrap(), "beyond the end of the feed");
    assert!(!store.feed_epoch_holds(Uuid::now_v7(), 1).await.unwrap(), "an epoch this database never had");

    // Another start (another instance, or a restart) after seq 3.
    store.begin_feed_epoch().await.unwrap();
    let second = store.newest_feed_epoch().await.unwrap().unwrap();
    assert_ne!(second, first);
    for name in ["d", "e"] {
        store.commit(directory(name)).await.unwrap();
    }
    assert!(store.feed_epoch_holds(first, 3).await.unwrap(), "what was handed out before the start still holds");
    assert!(store.feed_epoch_holds(second, 5).await.unwrap(), "answers name the newest epoch: their cursors hold");
    assert!(!store.feed_epoch_holds(first, 5).await.unwrap(), "a cursor past a later start under an older epoch does not");
}

async fn activation_tokens_work_once(store: Arc<dyn Store>) {
    use crate::store::Activation;
    let now = datetime!(2026-11-25 09:00 UTC);
    let invited = NewCredentials { active: false, must_change_password: false, ..credentials("nieuwe.collega@example.nl") };
    let (user, request) = (invited.user_id, Uuid::now_v7());
    let link = NewActivation { token_hash: [4; 32], user_id: user, request_id: request, expires_at: now + Duration::days(7) };
    store.commit(Commit { credentials: vec![invited], activations: vec![link], ..Commit::default() }).await.unwrap();
    assert_eq!(store.peek_activation([4; 32], now).await.unwrap(), Some((user, request)));
    assert_eq!(store.peek_activation([4; 32], now + Duration::days(7)).await.unwrap(), None, "expired");

    let login = LoginUpdate {
        salt: "bmlldXd6b3V0bmlldXd6b3V0".into(),
        kdf: KdfParams::TESTING,
        auth_hash: "$argon2id$v=19$m=19456,t=2,p=1$bmlldXc$aGFzaA".into(),
        keys: None,
        must_change_password: false,
        keys_were_reset: false,
    };
    let activate = |token: [u8; 32], org: &str| Commit {
        changes: vec![(Scope::Directory, ChangeBody::Organisation(organisation(org)))],
        activation: Some(Activation { token_hash: token, now, user_id: user, login: login.clone() }),
        ..Commit::default()
    };
    let before = store.latest_seq().await.unwrap();
    assert!(matches!(store.commit(activate([5; 32], "onbekend")).await, Err(StoreError::ActivationUnavailable)));
    assert_eq!(store.latest_seq().await.unwrap(), before, "a refused activation writes nothing");
    assert!(!store.credentials_of(user).await.unwrap().unwrap().active);

    store.commit(activate([4; 32], "eerste")).await.unwrap();
    let stored = store.credentials_of(user).await.unwrap().unwrap();
    assert!(stored.active, "switched on with the link");
    assert_eq!(stored.salt, login.salt, "with the new password");
    let after = store.latest_seq().await.unwrap();
    assert!(matches!(store.commit(activate([4; 32], "tweede")).await, Err(StoreError::ActivationUnavailable)), "single use");
    assert_eq!(store.latest_seq().await.unwrap(), after);
    assert_eq!(store.peek_activation([4; 32], now).await.unwrap(), None);
}

async fn jobs_are_leased(store: Arc<dyn Store>) {
    let now = datetime!(2026-11-25 09:00 UTC);
    let job = |minutes: i64| NewJob {
        id: Uuid::now_v7(),
        kind: "hide_account_request".into(),
        payload: serde_json::json!({ "minutes": minutes }),
        run_at: now + Duration::minutes(minutes),
    };
    let (soon, later) = (job(1), job(10));
    store.commit(Commit { jobs: vec![later.clone(), soon.clone()], ..Commit::default() }).await.unwrap();
    assert_eq!(store.lease_due_job(now, now + Duration::minutes(5)).await.unwrap(), None, "nothing due yet");

    let at = now + Duration::minutes(2);
    let leased = store.lease_due_job(at, at + Duration::minutes(5)).await.unwrap().unwrap();
    assert_eq!((leased.id, leased.payload.clone()), (soon.id, serde_json::json!({ "minutes": 1 })));
    assert_eq!(store.lease_due_job(at, at + Duration::minutes(5)).await.unwrap(), None, "leased jobs are not handed out twice");
    let after_lease = at + Duration::minutes(5);
    let retried = store.lease_due_job(after_lease, after_lease + Duration::minutes(5)).await.unwrap().unwrap();
    assert_eq!(retried.id, soon.id, "a lease that ran out makes the job due again");
    store.finish_job(soon.id).await.unwrap();

    let all_due = now + Duration::minutes(20);
    assert_eq!(store.lease_due_job(all_due, all_due + Duration::minutes(5)).await.unwrap().map(|j| j.id), Some(later.id));
    store.finish_job(later.id).await.unwrap();
    assert_eq!(
        store.lease_due_job(all_due + Duration::hours(1), all_due + Duration::hours(2)).await.unwrap(),
        None,
        "done is done"
    );
}

async fn accounts_switch_off_and_on(store: Arc<dyn Store>) {
    let account = NewCredentials { active: false, ..credentials("nieuw@praktijk.nl") };
    let user = account.user_id;
    store.commit(Commit { credentials: vec![account], ..Commit::default() }).await.unwrap();
    assert!(!store.credentials_of(user).await.unwrap().unwrap().active);
    store.set_account_active(user, true).await.unwrap();
    assert!(store.credentials_of(user).await.unwrap().unwrap().active);

    let (a, b) = (organisation("A"), organisation("B"));
    store.commit(changes(vec![(Scope::Directory, ChangeBody::Organisation(a.clone()))])).await.unwrap();
    store.commit(changes(vec![(Scope::Directory, ChangeBody::Team(team(a.id, "T")))])).await.unwrap();
    store.commit(changes(vec![(Scope::Directory, ChangeBody::Organisation(b.clone()))])).await.unwrap();
    let organisations = store.entities_of_kind(EntityKind::Organisation).await.unwrap();
    assert_eq!(organisations, vec![ChangeBody::Organisation(a), ChangeBody::Organisation(b)]);
}

async fn his_bridges_and_launch_tokens(store: Arc<dyn Store>) {
    let (practice, other) = (OrganisationId::new(), OrganisationId::new());
    assert_eq!(store.his_bridge("delinde-medicom").await.unwrap(), None);
    store.register_his_bridge("delinde-medicom", practice, "a2V5").await.unwrap();
    assert_eq!(store.his_bridge("delinde-medicom").await.unwrap(), Some((practice, "a2V5".to_owned())));
    store.register_his_bridge("delinde-medicom", other, "bmlldXc").await.unwrap();
    assert_eq!(
        store.his_bridge("delinde-medicom").await.unwrap(),
        Some((other, "bmlldXc".to_owned())),
        "a new key replaces the old"
    );

    let expires = datetime!(2026-11-25 09:02 UTC);
    assert!(store.use_launch_token("jti-1", expires).await.unwrap());
    assert!(!store.use_launch_token("jti-1", expires).await.unwrap(), "a replay");
    assert!(store.use_launch_token("jti-2", expires).await.unwrap());
}

async fn attachment_chunks(store: Arc<dyn Store>) {
    use crate::store::{AttachmentChunk, AttachmentUpload};
    let (attachment, conversation, uploader) = (Uuid::now_v7(), kring_domain::ConversationId::new(), UserId::new());
    let chunk = |index, data: &[u8]| AttachmentChunk {
        attachment_id: attachment,
        index,
        conversation_id: conversation,
        uploaded_by: uploader,
        data: data.to_vec(),
    };
    assert_eq!(store.attachment_upload(attachment).await.unwrap(), None);
    store.put_attachment_chunk(chunk(0, b"first")).await.unwrap();
    store.put_attachment_chunk(chunk(1, b"second")).await.unwrap();
    store.put_attachment_chunk(chunk(0, b"retry")).await.unwrap();
    assert_eq!(store.attachment_chunk(attachment, 0).await.unwrap().unwrap().data, b"first", "a retry changes nothing");
    assert_eq!(
        store.attachment_upload(attachment).await.unwrap(),
        Some(AttachmentUpload { conversation_id: conversation, uploaded_by: uploader, chunks: 2 })
    );
    assert_eq!(store.attachment_chunk(attachment, 2).await.unwrap(), None);
}
