//! The store conformance suite: every [`Store`] backend must pass each of these. Instantiated per
//! backend in `tests/store_conformance.rs` (matrix-rust-sdk style: one suite, many stores).

use crate::store::{Commit, NewCredentials, NewSession, Store, StoreError};
use kring_crypto::KdfParams;
use kring_domain::{OrganisationId, OrganisationKind, Role, TeamId, UserId};
use kring_protocol::{
    AccountEntry, ChangeBody, ContractEntry, EntityKind, Mutation, MutationOutcome, MutationRequest,
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
        ("children_lists_a_users_contracts_in_feed_order", |s| Box::pin(children_in_order(s))),
        ("mutation_id_is_recorded_once_with_its_outcome", |s| Box::pin(mutation_recorded_once(s))),
        ("duplicate_username_rolls_back_the_whole_commit", |s| Box::pin(duplicate_username_is_atomic(s))),
        ("sessions_expire_and_revoke", |s| Box::pin(sessions_expire_and_revoke(s))),
        ("server_secret_is_created_once_and_stays", |s| Box::pin(server_secret_is_stable(s))),
        ("concurrent_commits_give_a_gapless_ordered_feed", |s| Box::pin(concurrent_commits_are_ordered(s))),
        ("login_failures_count_lock_and_clear_per_key", |s| Box::pin(login_failures_per_key(s))),
    ]
}

fn organisation(name: &str) -> OrganisationEntry {
    OrganisationEntry { id: OrganisationId::new(), name: name.into(), kind: OrganisationKind::GpPractice, agb: None, city: "Delft".into() }
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
    assert_eq!(
        store.entity(EntityKind::Organisation, org.id.0).await.unwrap(),
        Some(ChangeBody::Organisation(renamed))
    );
    assert_eq!(store.entity(EntityKind::Team, org.id.0).await.unwrap(), None, "kind is part of the key");
    // An empty commit changes nothing and reports where the feed stands.
    assert_eq!(store.commit(Commit::default()).await.unwrap(), second);
}

async fn changes_since_filters_by_scope(store: Arc<dyn Store>) {
    let alice = UserId::new();
    let bob = UserId::new();
    let practice = organisation("Praktijk");
    let account = |id: UserId, name: &str| ChangeBody::Account(AccountEntry { id, username: name.into(), email: None, mobile: None });
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
    let member_view =
        store.changes_since(0, &[Scope::Organisation(practice.id)], 100).await.unwrap();
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
            ChangeBody::Account(AccountEntry { id: hidden, username: "verborgen".into(), email: None, mobile: None }),
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
    assert_eq!(store.children(EntityKind::Contract, user.0).await.unwrap(), vec![first, second]);
    assert!(store.children(EntityKind::Team, user.0).await.unwrap().is_empty());
}

async fn mutation_recorded_once(store: Arc<dyn Store>) {
    let author = UserId::new();
    let practice = organisation("Praktijk");
    let mut t = team(practice.id, "Praktijkteam");
    store.commit(changes(vec![(Scope::Directory, ChangeBody::Team(t.clone()))])).await.unwrap();
    let request = MutationRequest {
        id: Uuid::now_v7(),
        mutation: Mutation::SetTeamContact { team_id: t.id, contact: Some(author) },
    };
    assert_eq!(store.recorded_mutation(request.id).await.unwrap(), None);
    t.contact_person = Some(author);
    let commit = Commit {
        mutation: Some((author, request.clone())),
        credentials: vec![],
        changes: vec![(Scope::Directory, ChangeBody::Team(t.clone()))],
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
}

async fn sessions_expire_and_revoke(store: Arc<dyn Store>) {
    let account = credentials("poh");
    let user = account.user_id;
    store.commit(Commit { credentials: vec![account], ..Commit::default() }).await.unwrap();
    let now = datetime!(2026-11-25 09:00 UTC);
    let session = NewSession {
        token_hash: [7; 32],
        user_id: user,
        device_name: "werkplek 1".into(),
        created_at: now,
        expires_at: now + Duration::hours(12),
    };
    store.create_session(session).await.unwrap();
    assert_eq!(store.session_user([7; 32], now).await.unwrap(), Some(user));
    assert_eq!(store.session_user([8; 32], now).await.unwrap(), None, "unknown token");
    assert_eq!(store.session_user([7; 32], now + Duration::hours(12)).await.unwrap(), None, "expired");
    store.revoke_session([7; 32]).await.unwrap();
    assert_eq!(store.session_user([7; 32], now).await.unwrap(), None, "revoked");
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

async fn login_failures_per_key(store: Arc<dyn Store>) {
    use crate::store::LoginFailures;
    assert_eq!(store.login_failures("account:huisarts").await.unwrap(), LoginFailures::default());
    for expected in 1..=3 {
        assert_eq!(store.add_login_failure("account:huisarts").await.unwrap(), expected);
    }
    assert_eq!(store.add_login_failure("address:127.0.0.1").await.unwrap(), 1, "keys count separately");
    let until = datetime!(2026-11-25 09:05 UTC);
    store.lock_login("account:huisarts", until).await.unwrap();
    assert_eq!(
        store.login_failures("account:huisarts").await.unwrap(),
        LoginFailures { failures: 3, locked_until: Some(until) }
    );
    store.clear_login_failures("account:huisarts").await.unwrap();
    assert_eq!(store.login_failures("account:huisarts").await.unwrap(), LoginFailures::default());
    assert_eq!(store.login_failures("address:127.0.0.1").await.unwrap().failures, 1);
}
