//! The server's HTTP API as typed calls. Maps transport and status errors onto `ClientError`.

use crate::error::{ClientError, ClientResult};
use kring_crypto::AuthKey;
use kring_protocol::{
    ErrorBody, ErrorCode, LoginOutcome, LoginRequest, MutationOutcome, MutationRequest, PreloginRequest,
    PreloginResponse, Seq, SyncPage,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use std::time::Duration;
use url::Url;

/// A server address the app may talk to: `https://…`, or `http://` on loopback only (the
/// embedded server). Plain HTTP to another machine would expose session tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl(Url);

impl ServerUrl {
    pub fn parse(text: &str) -> ClientResult<Self> {
        let url = Url::parse(text.trim()).map_err(|e| ClientError::InvalidServerUrl(e.to_string()))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(domain)) => domain == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(ClientError::InvalidServerUrl("no host".into())),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(ClientError::InvalidServerUrl("plain http is only allowed on this machine".into())),
            other => return Err(ClientError::InvalidServerUrl(format!("unsupported scheme {other}"))),
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(ClientError::InvalidServerUrl("no credentials or query in the server address".into()));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// `path` resolved against the server root, e.g. `v1/sync`.
    pub(crate) fn join(&self, path: &str) -> ClientResult<Url> {
        let mut base = self.0.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path).map_err(|e| ClientError::InvalidServerUrl(e.to_string()))
    }
}

#[derive(Clone)]
pub(crate) struct ServerApi {
    server: ServerUrl,
    http: reqwest::Client,
    token: Option<String>,
}

impl ServerApi {
    pub fn new(server: ServerUrl) -> ClientResult<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("kring/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Internal(e.to_string()))?;
        Ok(Self { server, http, token: None })
    }

    pub fn with_token(self, token: String) -> Self {
        Self { token: Some(token), ..self }
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn request(&self, method: Method, path: &str) -> ClientResult<RequestBuilder> {
        let builder = self.http.request(method, self.server.join(path)?);
        Ok(match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        })
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, builder: RequestBuilder) -> ClientResult<T> {
        let response = builder.send().await.map_err(transport_error)?;
        let response = check(response).await?;
        response.json::<T>().await.map_err(|e| ClientError::Protocol(e.to_string()))
    }

    pub async fn prelogin(&self, username: &str) -> ClientResult<PreloginResponse> {
        let body = PreloginRequest { username: username.to_owned() };
        self.send(self.request(Method::POST, "v1/auth/prelogin")?.json(&body)).await
    }

    pub async fn login(&self, username: &str, auth_key: &AuthKey, device_name: &str) -> ClientResult<LoginOutcome> {
        let body = LoginRequest {
            username: username.to_owned(),
            auth_key: auth_key.to_base64().to_string(),
            device_name: device_name.to_owned(),
        };
        self.send(self.request(Method::POST, "v1/auth/login")?.json(&body)).await
    }

    pub async fn logout(&self) -> ClientResult<()> {
        let response = self.request(Method::POST, "v1/auth/logout")?.send().await.map_err(transport_error)?;
        check(response).await.map(drop)
    }

    pub async fn sync(&self, since: Seq) -> ClientResult<SyncPage> {
        self.send(self.request(Method::GET, "v1/sync")?.query(&[("since", since)])).await
    }

    pub async fn mutate(&self, request: &MutationRequest) -> ClientResult<MutationOutcome> {
        self.send(self.request(Method::POST, "v1/mutations")?.json(request)).await
    }

    /// The WebSocket address of the feed, starting after `since`.
    pub fn websocket_url(&self, since: Seq) -> ClientResult<Url> {
        let mut url = self.server.join("v1/ws")?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme).map_err(|()| ClientError::InvalidServerUrl("websocket scheme".into()))?;
        url.query_pairs_mut().append_pair("since", &since.to_string());
        Ok(url)
    }
}

fn transport_error(error: reqwest::Error) -> ClientError {
    if error.is_connect() || error.is_timeout() || error.is_request() {
        ClientError::ServerUnreachable
    } else {
        ClientError::Protocol(error.to_string())
    }
}

async fn check(response: Response) -> ClientResult<Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body: Option<ErrorBody> = response.json().await.ok();
    Err(match (status, body) {
        (_, Some(ErrorBody { code: ErrorCode::InvalidCredentials, .. })) => ClientError::InvalidCredentials,
        (_, Some(ErrorBody { code: ErrorCode::RateLimited, retry_after_seconds, .. })) => {
            ClientError::RateLimited { retry_after_seconds: retry_after_seconds.unwrap_or(60) }
        }
        (StatusCode::UNAUTHORIZED, _) => ClientError::SessionExpired,
        (_, Some(ErrorBody { code, message, .. })) => ClientError::Refused { code, message },
        (StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT, None) => {
            ClientError::ServerUnreachable
        }
        (status, None) => ClientError::Protocol(format!("HTTP {status}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_url_allows_https_anywhere_and_http_only_on_loopback() {
        assert!(ServerUrl::parse("https://kring.regio-delft.nl").is_ok());
        assert!(ServerUrl::parse("http://127.0.0.1:4312").is_ok());
        assert!(ServerUrl::parse("http://localhost:4312/").is_ok());
        assert!(ServerUrl::parse("http://[::1]:4312").is_ok());
        for bad in ["http://kring.regio-delft.nl", "ftp://x.nl", "kring.nl", "", "https://user:pw@x.nl", "https://x.nl/?a=b"] {
            assert!(matches!(ServerUrl::parse(bad), Err(ClientError::InvalidServerUrl(_))), "{bad:?}");
        }
    }

    #[test]
    fn paths_and_websocket_urls_keep_a_server_prefix() {
        let api = ServerApi::new(ServerUrl::parse("https://zorg.example.nl/kring").unwrap()).unwrap();
        assert_eq!(api.server.join("v1/sync").unwrap().as_str(), "https://zorg.example.nl/kring/v1/sync");
        assert_eq!(api.websocket_url(42).unwrap().as_str(), "wss://zorg.example.nl/kring/v1/ws?since=42");
    }
}
