//! Consultations (CONS-1 … CONS-5). So far: the specialist groups a practice can ask, seeded as a
//! region has them, with their specialists, agreement and declarable services.

use kring_domain::consultation::CareStreet;
use kring_tests::TestRegion;

#[tokio::test]
async fn cons_1_the_practice_sees_the_psychiatric_consultation_line_with_its_agreement_and_services() {
    let region = TestRegion::start().await;
    let gp = region.login("huisarts").await;
    gp.sync_now().await.unwrap();
    let groups = gp.consultation_groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let line = &groups[0];
    assert_eq!(
        (line.name.as_str(), line.organisation.as_str(), line.care_street),
        ("Psychiatrische Consultatielijn voor huisartsen", "GGZ Delfland", CareStreet::Ggz)
    );
    assert_eq!(line.specialists, vec!["Lisa Jansen".to_owned()], "the consultatiegever, not the intake");
    assert_eq!((line.answer_hours, line.reminder_hours, line.closing_hours), (24, 48, 96));
    let codes: Vec<&str> = line.services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["PCH-K", "PCH-U"]);
}
