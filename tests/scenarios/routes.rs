//! SEC-1: every route but the steps to a session refuses a request without a live session, in
//! the router's layer. The walk takes the router's own table, so a route added tomorrow is in it.

use kring_server::Access;
use kring_tests::TestRegion;

/// The path with each `{placeholder}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('{') { uuid::Uuid::now_v7().to_string() } else { part.to_owned() })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn sec_1_every_session_route_refuses_a_request_without_a_live_session() {
    let region = TestRegion::start().await;
    let http = reqwest::Client::new();
    let table = kring_server::route_table();
    assert!(table.len() >= 20, "the table holds the routes: {table:?}");
    let public: Vec<&str> = table.iter().filter(|(_, access)| *access == Access::Public).map(|(path, _)| *path).collect();
    assert_eq!(
        public,
        [
            "/health",
            "/v1/auth/prelogin",
            "/v1/auth/login",
            "/v1/auth/verify-code",
            "/v1/auth/refresh",
            "/v1/auth/launch",
            "/v1/activate",
            "/v1/activate/{token}"
        ],
        "only the health check and the steps to a session are public"
    );
    for (path, access) in table {
        let url = format!("{}{}", region.url.as_str(), concrete(path).trim_start_matches('/'));
        let mut statuses = Vec::new();
        for (method, token) in
            [("GET", None), ("POST", None), ("PUT", None), ("GET", Some("bm90LWVlbi10b2tlbg")), ("POST", Some("x"))]
        {
            let mut request = http.request(method.parse().unwrap(), &url).header("content-type", "application/json").body("{}");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let code = response.json::<kring_protocol::ErrorBody>().await.ok().map(|body| body.code);
            statuses.push((method, status, code));
        }
        match access {
            Access::Session => {
                assert!(
                    statuses.iter().all(|(_, status, _)| *status == 401 || *status == 405),
                    "{path} answered without a session: {statuses:?}"
                );
                assert!(statuses.iter().any(|(_, status, _)| *status == 401), "{path}: {statuses:?}");
            }
            Access::Public => assert!(
                statuses.iter().all(|(_, _, code)| *code != Some(kring_protocol::ErrorCode::Unauthenticated)),
                "{path} is a step to a session and needs none: {statuses:?}"
            ),
        }
    }
}
