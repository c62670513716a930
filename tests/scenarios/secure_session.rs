//! ACC-4, ACC-7: the secure session. The lock closes by hand or after idle time; the password
//! opens it again; too many wrong passwords end the session.

use kring_client::{ClientError, ClientEvent, MAX_UNLOCK_ATTEMPTS};
use kring_crypto::Vault;
use kring_server::seed::DEMO_PASSWORD;
use kring_tests::{wait_for_event, TestRegion};
use std::time::Duration;

#[tokio::test]
async fn acc_4_a_closed_lock_makes_encrypted_parts_unreadable_until_the_password_is_entered() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let vault = Vault::generate();
    let wrapped = vault.wrap_for(&gp.encryption_public_key().unwrap()).unwrap();
    assert!(gp.open_vault(&wrapped).is_ok());

    let mut events = gp.subscribe();
    gp.lock();
    assert_eq!(events.recv().await.unwrap(), ClientEvent::SecureSession { unlocked: false });
    assert!(!gp.is_unlocked());
    assert!(matches!(gp.open_vault(&wrapped), Err(ClientError::Locked)));
    assert!(gp.sync_now().await.is_ok(), "the directory and workflow still work while locked");

    assert!(matches!(gp.unlock("fout").await, Err(ClientError::WrongPassword)));
    gp.unlock(DEMO_PASSWORD).await.unwrap();
    wait_for_event(&mut events, |e| *e == ClientEvent::SecureSession { unlocked: true }).await;
    assert!(gp.open_vault(&wrapped).is_ok());
}

#[tokio::test]
async fn acc_7_the_lock_closes_by_itself_after_idle_time() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let mut events = gp.subscribe();
    let idle = tokio::spawn(gp.clone().run_idle_lock());
    gp.set_idle_lock(Duration::from_millis(400));
    gp.touch();
    assert!(gp.is_unlocked(), "not right away");
    wait_for_event(&mut events, |e| *e == ClientEvent::SecureSession { unlocked: false }).await;
    assert!(!gp.is_unlocked());
    gp.unlock(DEMO_PASSWORD).await.unwrap();
    wait_for_event(&mut events, |e| *e == ClientEvent::SecureSession { unlocked: false }).await;
    idle.abort();
}

/// Issue 13: activity postpones the idle lock, on a clock the test moves (the earlier test only
/// showed that the lock closes).
#[tokio::test]
async fn acc_7_activity_postpones_the_idle_lock() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    let clock = kring_domain::ManualClock::new(time::OffsetDateTime::now_utc());
    gp.set_idle_clock(std::sync::Arc::new(clock.clone()));
    gp.set_idle_lock(Duration::from_secs(15 * 60));

    clock.advance(time::Duration::minutes(14));
    assert!(!gp.lock_if_idle(), "14 of 15 minutes");
    gp.touch();
    clock.advance(time::Duration::minutes(14));
    assert!(!gp.lock_if_idle(), "the typing restarted the 15 minutes");
    assert!(gp.is_unlocked());
    clock.advance(time::Duration::minutes(2));
    assert!(gp.lock_if_idle(), "16 minutes without activity");
    assert!(!gp.is_unlocked());
}

#[tokio::test]
async fn acc_7_too_many_wrong_passwords_on_the_lock_screen_end_the_session() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.lock();
    for _ in 1..MAX_UNLOCK_ATTEMPTS {
        assert!(matches!(gp.unlock("geraden-wachtwoord").await, Err(ClientError::WrongPassword)));
    }
    let mut events = gp.subscribe();
    assert!(matches!(gp.unlock("geraden-wachtwoord").await, Err(ClientError::TooManyUnlockAttempts)));
    assert_eq!(events.recv().await.unwrap(), ClientEvent::SessionEnded);
    assert!(matches!(gp.sync_now().await, Err(ClientError::SessionExpired)), "revoked on the server too");
    assert!(matches!(gp.unlock(DEMO_PASSWORD).await, Err(ClientError::TooManyUnlockAttempts)), "no more tries");
}
