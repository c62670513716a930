//! Care planning (CARE-1 … CARE-4). So far: home measurements (CARE-4): the district nurse enters
//! them, impossible values are refused with their own codes, and practice and nurse see them in
//! the same trend chart as the HIS's, labelled by source, a value outside the target standing out.

use kring_client::care::HomeMeasurementForm;
use kring_client::patients::{MeasurementSource, TimelineKind};
use kring_client::{ClientError, KringClient};
use kring_domain::home_measurement::{HomeMeasurementError, HomeMeasurementKind};
use kring_domain::{ConsentGiver, OrganisationId, PatientId};
use kring_protocol::{EntityKind, ErrorCode, MutationOutcome};
use kring_tests::TestRegion;
use serde_json::json;

const SYSTOLIC: &str = "http://loinc.org|8480-6";

fn bundle() -> String {
    json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "resource": {
            "resourceType": "Patient", "id": "vries",
            "identifier": [{ "system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "999911120" }],
            "name": [{ "use": "official", "family": "de Vries", "given": ["Jan"] }],
            "gender": "male", "birthDate": "1950-03-04" } },
        { "resource": {
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": "8480-6" }], "text": "Systolische bloeddruk" },
            "subject": { "reference": "Patient/vries" }, "effectiveDateTime": "2026-01-02",
            "valueQuantity": { "value": 132, "unit": "mmHg" } } }
    ] })
    .to_string()
}

fn organisation(client: &KringClient, name: &str) -> OrganisationId {
    client.directory().unwrap().organisations.iter().find(|o| o.name == name).unwrap().id
}

async fn logged_in(region: &TestRegion, username: &str) -> KringClient {
    let client = region.login(username).await;
    client.sync_now().await.unwrap();
    client
}

/// The GP with a patient whose HIS has one systolic pressure; consent recorded.
async fn practice_with_patient(region: &TestRegion) -> (KringClient, PatientId) {
    let gp = logged_in(region, "huisarts").await;
    gp.maintain_practice_keys().await.unwrap();
    gp.sync_now().await.unwrap();
    gp.import_extraction(organisation(&gp, "Huisartsenpraktijk De Linde"), bundle().into_bytes(), |_| {}).await.unwrap();
    let patient = gp.search_patients("vries", 1).unwrap().remove(0).id;
    gp.record_consent(patient, ConsentGiver::Patient).await.unwrap();
    (gp, patient)
}

fn blood_pressure(patient_id: PatientId, systolic: &str, diastolic: &str) -> HomeMeasurementForm {
    HomeMeasurementForm {
        patient_id,
        kind: HomeMeasurementKind::BloodPressure,
        values: vec![systolic.into(), diastolic.into()],
        at: time::OffsetDateTime::now_utc() - time::Duration::hours(2),
    }
}

#[tokio::test]
async fn care_4_the_district_nurse_enters_home_measurements_the_practice_sees_them_in_the_his_chart_by_source() {
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;

    // Not shared yet: there is no care network to record for.
    let refused = gp.record_home_measurement(blood_pressure(patient, "138", "84")).await;
    assert!(matches!(refused, Err(ClientError::NotShared)), "{refused:?}");
    gp.share_patient(patient, organisation(&gp, "Thuiszorg Hof van Delft"), true).await.unwrap();
    let nurse = logged_in(&region, "wijkverpleging").await;

    // Impossible values are refused with their own codes; nothing is sent.
    let implausible = HomeMeasurementForm {
        kind: HomeMeasurementKind::Temperature,
        values: vec!["73".into()],
        ..blood_pressure(patient, "", "")
    };
    let refused = nurse.record_home_measurement(implausible).await;
    assert!(matches!(refused, Err(ClientError::HomeMeasurement(HomeMeasurementError::Implausible))), "{refused:?}");
    let refused = nurse.record_home_measurement(blood_pressure(patient, "84", "138")).await;
    assert!(matches!(refused, Err(ClientError::HomeMeasurement(HomeMeasurementError::DiastolicNotBelowSystolic))), "{refused:?}");
    nurse.record_home_measurement(blood_pressure(patient, "152", "88")).await.unwrap();
    let pain =
        HomeMeasurementForm { kind: HomeMeasurementKind::PainScore, values: vec!["4".into()], ..blood_pressure(patient, "", "") };
    nurse.record_home_measurement(pain).await.unwrap();

    // The nurse sees her values charted on the patient the practice shared.
    let seen = nurse.open_patient(patient).await.unwrap();
    let systolic = seen.series.iter().find(|s| s.code == SYSTOLIC).expect("a systolic chart");
    assert_eq!(systolic.points.len(), 1, "the HIS's chart stays with the practice");
    assert_eq!((systolic.points[0].value, systolic.points[0].source), (152.0, MeasurementSource::Home));
    assert!(seen.series.iter().any(|s| s.label == "Pijnscore (NRS)"));

    // The practice: the HIS's 132 and the nurse's 152 in one chart, by source; 152 stands out.
    gp.sync_now().await.unwrap();
    let view = gp.open_patient(patient).await.unwrap();
    let systolic = view.series.iter().find(|s| s.code == SYSTOLIC).expect("a systolic chart");
    let points: Vec<(f64, MeasurementSource, bool)> =
        systolic.points.iter().map(|p| (p.value, p.source, p.out_of_range)).collect();
    assert_eq!(points, [(132.0, MeasurementSource::His, false), (152.0, MeasurementSource::Home, true)]);
    let home = view.timeline.iter().filter(|e| e.kind == TimelineKind::HomeMeasurement).count();
    assert_eq!(home, 3, "systolic, diastolic and pain, each with who measured");
    assert!(view.timeline.iter().any(|e| e.detail == "Systolische bloeddruk: 152 mmHg (Fatima el Amrani)"));

    // The server holds the values sealed.
    let stored = region.server().state.store().entities_of_kind(EntityKind::HomeMeasurement).await.unwrap();
    let raw = serde_json::to_string(&stored).unwrap();
    assert_eq!(stored.len(), 2);
    for secret in ["Systolische", "mmHg", "Pijnscore", "8480-6"] {
        assert!(!raw.contains(secret), "{secret} reached the server in plaintext");
    }

    // Someone who does not see the patient is refused by the server, whatever the client sends.
    let outsider = kring_tests::RawApi::login(&region, "ggzintake").await;
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::RecordHomeMeasurement {
            id: uuid::Uuid::now_v7(),
            patient_id: patient,
            sealed: "AAAA".into(),
            signature: "AAAA".into(),
        },
    };
    let outcome: MutationOutcome = outsider.post("v1/mutations", &request).await.json().await.unwrap();
    assert!(matches!(outcome, MutationOutcome::Rejected { code: ErrorCode::Forbidden, .. }), "{outcome:?}");
}

#[tokio::test]
async fn care_2_the_care_network_keeps_one_health_plan_every_change_with_who_and_when_and_edits_do_not_overwrite() {
    use kring_domain::health_plan::{ActionStatus, HealthPlanError, HealthPlanItem, Responsible};
    let region = TestRegion::start().await;
    let (gp, patient) = practice_with_patient(&region).await;
    let problem = HealthPlanItem::Problem { title: "Valgevaar".into(), description: "Twee keer gevallen in december.".into() };
    let refused = gp.save_health_plan_item(patient, None, 0, problem.clone()).await;
    assert!(matches!(refused, Err(ClientError::NotShared)), "{refused:?}");
    gp.share_patient(patient, organisation(&gp, "Thuiszorg Hof van Delft"), true).await.unwrap();
    let nurse = logged_in(&region, "wijkverpleging").await;

    // The nurse writes a problem and a goal; a title is required.
    let empty = HealthPlanItem::Problem { title: "  ".into(), description: String::new() };
    let refused = nurse.save_health_plan_item(patient, None, 0, empty).await;
    assert!(matches!(refused, Err(ClientError::HealthPlan(HealthPlanError::TitleRequired))), "{refused:?}");
    let problem_id = nurse.save_health_plan_item(patient, None, 0, problem).await.unwrap();
    let goal = HealthPlanItem::Goal {
        title: "Zelfstandig boodschappen doen".into(),
        by: Some(time::macros::date!(2027 - 03 - 01)),
        measured_by: "Loopt 500 m zonder rust".into(),
    };
    nurse.save_health_plan_item(patient, None, 0, goal).await.unwrap();
    // An action goes to the patient or to someone in the care network, no one else.
    let me = nurse.me().user_id;
    let action = |who| HealthPlanItem::Action { title: "Valpreventietraining".into(), who, by: None, status: ActionStatus::Open };
    let refused = nurse.save_health_plan_item(patient, None, 0, action(Responsible::Caregiver(me))).await;
    assert!(matches!(refused, Err(ClientError::HealthPlan(HealthPlanError::NotInNetwork))), "{refused:?}");
    // The practice adds her to the care network (NET-2): now she can take the action on.
    gp.join_care_network(patient, me).await.unwrap();
    nurse.sync_now().await.unwrap();
    nurse.save_health_plan_item(patient, None, 0, action(Responsible::Caregiver(me))).await.unwrap();

    // The GP sees the plan in order, with who wrote what.
    gp.sync_now().await.unwrap();
    let plan = gp.health_plan(patient).unwrap();
    let titles: Vec<&str> = plan
        .iter()
        .map(|view| match &view.item {
            HealthPlanItem::Problem { title, .. } | HealthPlanItem::Goal { title, .. } | HealthPlanItem::Action { title, .. } => {
                title.as_str()
            }
        })
        .collect();
    assert_eq!(titles, ["Valgevaar", "Zelfstandig boodschappen doen", "Valpreventietraining"]);
    assert_eq!(plan[2].responsible.as_deref(), Some("Fatima el Amrani"));
    assert_eq!(plan[0].changes[0].by, "Fatima el Amrani");

    // Both edit version 1 of the problem at once: one is saved, the other hears it changed.
    let gp_edit = HealthPlanItem::Problem { title: "Valgevaar".into(), description: "Valt vooral 's nachts.".into() };
    let nurse_edit = HealthPlanItem::Problem { title: "Valgevaar (rollator)".into(), description: String::new() };
    let (first, second) = tokio::join!(
        gp.save_health_plan_item(patient, Some(problem_id), 1, gp_edit),
        nurse.save_health_plan_item(patient, Some(problem_id), 1, nurse_edit)
    );
    assert_eq!([&first, &second].iter().filter(|outcome| outcome.is_ok()).count(), 1, "{first:?} {second:?}");
    let lost = if first.is_ok() { second } else { first };
    assert!(matches!(lost, Err(ClientError::HealthPlan(HealthPlanError::ChangedMeanwhile))), "{lost:?}");
    gp.sync_now().await.unwrap();
    let problem = gp.health_plan(patient).unwrap().remove(0);
    assert_eq!(problem.version, 2);
    let authors: Vec<u32> = problem.changes.iter().map(|change| change.number).collect();
    assert_eq!(authors, [1, 2], "the history stays");

    // A partner the practice shares the patient with later reads the plan made before.
    gp.share_patient(patient, organisation(&gp, "GGZ Delfland"), true).await.unwrap();
    let ggz = logged_in(&region, "ggzintake").await;
    let plan = ggz.health_plan(patient).unwrap();
    assert_eq!(plan.len(), 3, "the GGZ caregiver reads the plan made before the share");
    assert_eq!(plan[0].changes.len(), 2);

    // The server holds the plan sealed; who does not see the patient is refused.
    let stored = region.server().state.store().entities_of_kind(EntityKind::HealthPlanItem).await.unwrap();
    let raw = serde_json::to_string(&stored).unwrap();
    for secret in ["Valgevaar", "boodschappen", "Valpreventie", "rollator"] {
        assert!(!raw.contains(secret), "{secret} reached the server in plaintext");
    }
    let outsider = kring_tests::RawApi::login(&region, "psychiater").await;
    let request = kring_protocol::MutationRequest {
        id: uuid::Uuid::now_v7(),
        mutation: kring_protocol::Mutation::SaveHealthPlanItem {
            id: uuid::Uuid::now_v7(),
            patient_id: patient,
            number: 1,
            sealed: "AAAA".into(),
            signature: "AAAA".into(),
        },
    };
    let outcome: MutationOutcome = outsider.post("v1/mutations", &request).await.json().await.unwrap();
    assert!(matches!(outcome, MutationOutcome::Rejected { code: ErrorCode::Forbidden, .. }), "{outcome:?}");
}
