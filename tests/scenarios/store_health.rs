//! Issue 12: what the server does when its database is not what its clients saw. A restored (or
//! rolled-back) database hands out seqs a client's cursor already passed: the client is told to
//! sync again and ends up with exactly the server's state. A corrupt database is found at start:
//! `/health` says so and nothing is written, while clients keep their outbox.

use kring_client::{ClientError, KringClient};
use kring_domain::ProfileForm;
use kring_tests::TestRegion;

fn names(client: &KringClient) -> Vec<String> {
    let directory = client.directory().unwrap();
    directory.organisations.iter().flat_map(|o| o.teams.iter().flat_map(|t| t.members.iter())).map(|m| m.name.clone()).collect()
}

async fn rename(client: &KringClient, first_name: &str) {
    let profile = client.profile().unwrap();
    let form = ProfileForm {
        first_name: first_name.into(),
        last_name: profile.last_name,
        functions: profile.functions,
        working_days: profile.working_days,
        absences: profile.absences,
        notification_email: profile.notification_email.unwrap_or_default(),
        notify_on_message: profile.notify_on_message,
    };
    client.update_profile(form).await.unwrap();
}

#[tokio::test]
async fn a_client_whose_cursor_a_restored_database_no_longer_holds_syncs_again_and_drops_what_was_lost() {
    let mut region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let poh = region.login("pohggz").await;
    gp.sync_now().await.unwrap();
    poh.sync_now().await.unwrap();
    let backup = region.dir.path().join("backup.sqlite");
    region.backup_database(&backup);

    // After the backup: a change the GP syncs, which the restore will lose.
    rename(&poh, "Verloren").await;
    gp.sync_now().await.unwrap();
    assert!(names(&gp).iter().any(|name| name.starts_with("Verloren")));

    region.restore_database(&backup).await;
    // New changes reuse the seqs the GP's cursor already passed.
    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    rename(&poh, "Hersteld").await;

    gp.sync_now().await.unwrap();
    let seen = names(&gp);
    assert!(seen.iter().any(|name| name.starts_with("Hersteld")), "the change after the restore arrives: {seen:?}");
    assert!(!seen.iter().any(|name| name.starts_with("Verloren")), "what the restore lost is gone from the cache too");
}

#[tokio::test]
async fn a_corrupt_database_is_found_at_start_health_says_so_and_nothing_is_written() {
    let mut region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    region.stop().await;

    // Garbage over the feed table's root page, in the database file itself.
    let database = region.database_path();
    let (page_size, root) = {
        let connection = rusqlite::Connection::open(&database).unwrap();
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        let page_size: u64 = connection.query_row("PRAGMA page_size", [], |row| row.get(0)).unwrap();
        let root: u64 =
            connection.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'changes'", [], |row| row.get(0)).unwrap();
        (page_size, root)
    };
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = std::fs::OpenOptions::new().write(true).open(&database).unwrap();
        file.seek(SeekFrom::Start((root - 1) * page_size)).unwrap();
        file.write_all(&vec![0xA5; page_size as usize]).unwrap();
    }
    region.restart().await;

    let health = reqwest::get(format!("{}health", region.url.as_str())).await.unwrap();
    assert_eq!(health.status(), 503, "the health check reflects the store");
    assert!(health.text().await.unwrap().contains("store"));

    // The client treats it as offline: it keeps its cache rather than syncing it anew.
    let before = names(&gp);
    assert!(!before.is_empty());
    assert!(matches!(gp.sync_now().await, Err(ClientError::ServerUnreachable)));
    assert_eq!(names(&gp), before);

    let sent = gp.set_code_channel(kring_protocol::CodeChannel::Sms).await;
    assert!(matches!(sent, Ok(_) | Err(ClientError::ServerUnreachable)), "{sent:?}");
    assert_eq!(gp.outbox().unwrap().len(), 1, "the change waits in the outbox instead of being written into a broken file");
    assert!(gp.outbox().unwrap()[0].rejected.is_none());
}
