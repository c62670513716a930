//! Mijn profiel (PROF-1 … PROF-4): functions, name, notifications, working days and absences, and
//! what colleagues see of them.

use kring_client::ClientError;
use kring_domain::{Absence, ProfileForm, Weekday};
use kring_tests::TestRegion;
use time::{Duration, OffsetDateTime};

#[tokio::test]
async fn prof_1_3_4_the_poh_fills_in_her_profile_and_colleagues_see_function_and_absence() {
    let region = TestRegion::start().await;
    let poh = region.login("pohggz").await;
    poh.sync_now().await.unwrap();
    let before = poh.profile().unwrap();
    assert_eq!((before.first_name.as_str(), before.functions.len()), ("Mehmet", 0));
    assert!(before.function_choices.contains(&"Praktijkondersteuner GGZ (POH-GGZ)"));

    let today = OffsetDateTime::now_utc().date();
    let form = ProfileForm {
        first_name: "Mehmet".into(),
        last_name: "Yılmaz".into(),
        functions: vec!["Praktijkondersteuner GGZ (POH-GGZ)".into(), "Sociaal psychiatrisch verpleegkundige (SPV)".into()],
        working_days: vec![Weekday::Monday, Weekday::Tuesday, Weekday::Thursday],
        absences: vec![Absence { from: today - Duration::days(1), until: today + Duration::days(6) }],
        notification_email: "m.yilmaz@praktijk-delinde.nl".into(),
        notify_on_message: true,
    };
    let too_many = ProfileForm {
        functions: vec!["Huisarts".into(), "Psychiater".into(), "Diëtist".into(), "Logopedist".into()],
        ..form.clone()
    };
    assert_eq!(poh.update_profile(too_many).await.err().map(|e| e.code()), Some("profile_too_many_functions"));
    poh.update_profile(form).await.unwrap();
    poh.sync_now().await.unwrap();
    let after = poh.profile().unwrap();
    assert_eq!(after.functions.len(), 2);
    assert_eq!((after.notification_email.as_deref(), after.notify_on_message), (Some("m.yilmaz@praktijk-delinde.nl"), true));

    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    let directory = gp.directory().unwrap();
    let seen = directory
        .organisations
        .iter()
        .flat_map(|o| o.teams.iter().flat_map(|t| t.members.iter()))
        .find(|m| m.name == "Mehmet Yılmaz")
        .unwrap();
    assert_eq!(seen.absent_until, Some(today + Duration::days(6)), "PROF-4: the sender sees until when");
    assert_eq!(seen.functions[0], "Praktijkondersteuner GGZ (POH-GGZ)", "PROF-1: shown to colleagues");
    assert!(gp.profile().unwrap().notification_email.is_none(), "another's notification address stays theirs");
}

#[tokio::test]
async fn prof_2_the_second_factor_moves_between_phone_and_email() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.set_code_channel(kring_protocol::CodeChannel::Sms).await.unwrap();
    gp.sync_now().await.unwrap();
    assert_eq!(gp.profile().unwrap().code_channel, kring_protocol::CodeChannel::Sms);
    let wrong = gp.update_profile(ProfileForm { first_name: "".into(), ..ProfileForm::default() }).await;
    assert!(matches!(wrong, Err(ClientError::Profile(kring_domain::ProfileError::NameRequired))));
}
