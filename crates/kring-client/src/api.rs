//! The server's HTTP API as typed calls. Maps transport and status errors onto `ClientError`.

use crate::error::{ClientError, ClientResult};
use crate::secrets::{Keyring, Secret};
use kring_crypto::AuthKey;
use kring_domain::{OrganisationId, UserId};
use kring_protocol::access_log::AccessLogPage;
use kring_protocol::patients::{ImportOutcome, ImportRequest};
use kring_protocol::staff::{AccountRequestEntry, ActivateRequest, Activated, Invitation};
use kring_protocol::{
    ChangePasswordRequest, CodeSent, ErrorBody, ErrorCode, LoginGrant, LoginRequest, MutationOutcome, MutationRequest,
    PreloginRequest, PreloginResponse, RefreshRequest, ResetPasswordRequest, Seq, SyncPage, TokenGrant, VerifyCodeRequest,
};
use reqwest::{RequestBuilder, Response, StatusCode};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use url::Url;
use zeroize::Zeroizing;

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
    session: Option<Arc<Tokens>>,
}

/// A session's tokens: the access token in memory, the refresh token in the OS keyring.
struct Tokens {
    access: std::sync::Mutex<(Zeroizing<String>, OffsetDateTime)>,
    refresh: Secret,
    /// One refresh at a time: a refresh token works once.
    refreshing: tokio::sync::Mutex<()>,
}

/// Refresh this long before the access token runs out.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(60);

impl ServerApi {
    pub fn new(server: ServerUrl) -> ClientResult<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("kring/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Internal(e.to_string()))?;
        Ok(Self { server, http, session: None })
    }

    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    /// Start using a session; its refresh token goes into the keyring under `refresh_name`.
    pub fn with_session(self, grant: TokenGrant, refresh_name: &str, keyring: &Arc<dyn Keyring>) -> ClientResult<Self> {
        let refresh = Secret::new(keyring, refresh_name);
        refresh.set(&grant.refresh_token)?;
        let tokens = Tokens {
            access: std::sync::Mutex::new((Zeroizing::new(grant.access_token), grant.access_expires_at)),
            refresh,
            refreshing: tokio::sync::Mutex::new(()),
        };
        Ok(Self { session: Some(Arc::new(tokens)), ..self })
    }

    fn tokens(&self) -> ClientResult<&Tokens> {
        self.session.as_deref().ok_or(ClientError::SessionExpired)
    }

    fn access(&self) -> ClientResult<(Zeroizing<String>, OffsetDateTime)> {
        let tokens = self.tokens()?;
        let guard = tokens.access.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok((guard.0.clone(), guard.1))
    }

    /// A valid access token, refreshed first when it is about to run out.
    pub async fn access_token(&self) -> ClientResult<Zeroizing<String>> {
        let (token, expires_at) = self.access()?;
        if expires_at - REFRESH_MARGIN > OffsetDateTime::now_utc() {
            return Ok(token);
        }
        self.refresh(&token).await?;
        Ok(self.access()?.0)
    }

    /// Spend the refresh token for a new pair, unless another task already did since `seen`.
    pub async fn refresh(&self, seen: &str) -> ClientResult<()> {
        let tokens = self.tokens()?;
        let _one_at_a_time = tokens.refreshing.lock().await;
        if self.access()?.0.as_str() != seen {
            return Ok(());
        }
        let refresh_token = tokens.refresh.get()?.ok_or(ClientError::SessionExpired)?;
        let body = RefreshRequest { refresh_token: refresh_token.to_string() };
        let response = self.http.post(self.server.join("v1/auth/refresh")?).json(&body).send().await.map_err(transport_error)?;
        let grant: TokenGrant = check(response).await?.json().await.map_err(|e| ClientError::Protocol(e.to_string()))?;
        tokens.refresh.set(&grant.refresh_token)?;
        *tokens.access.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            (Zeroizing::new(grant.access_token), grant.access_expires_at);
        tracing::debug!("access token refreshed");
        Ok(())
    }

    /// Send an authorised request built by `build`; on a 401, refresh once and send it again.
    async fn authorised<T, F>(&self, build: F) -> ClientResult<T>
    where
        T: serde::de::DeserializeOwned,
        F: Fn(&reqwest::Client) -> ClientResult<RequestBuilder>,
    {
        read_json(self.authorised_response(build).await?).await
    }

    /// Send with the access token (refreshed once if it ran out); the checked response.
    async fn authorised_response<F>(&self, build: F) -> ClientResult<Response>
    where
        F: Fn(&reqwest::Client) -> ClientResult<RequestBuilder>,
    {
        let token = self.access_token().await?;
        let response = build(&self.http)?.bearer_auth(token.as_str()).send().await.map_err(transport_error)?;
        let response = match check(response).await {
            Err(ClientError::SessionExpired) => {
                self.refresh(&token).await?;
                let token = self.access()?.0;
                let response = build(&self.http)?.bearer_auth(token.as_str()).send().await.map_err(transport_error)?;
                check(response).await?
            }
            other => other?,
        };
        Ok(response)
    }

    async fn anonymous<T: serde::de::DeserializeOwned>(&self, path: &str, body: &impl serde::Serialize) -> ClientResult<T> {
        let response = self.http.post(self.server.join(path)?).json(body).send().await.map_err(transport_error)?;
        read_json(check(response).await?).await
    }

    pub async fn prelogin(&self, username: &str) -> ClientResult<PreloginResponse> {
        self.anonymous("v1/auth/prelogin", &PreloginRequest { username: username.to_owned() }).await
    }

    pub async fn login(&self, username: &str, auth_key: &AuthKey, device_name: &str) -> ClientResult<CodeSent> {
        let body = LoginRequest {
            username: username.to_owned(),
            auth_key: auth_key.to_base64().to_string(),
            device_name: device_name.to_owned(),
        };
        self.anonymous("v1/auth/login", &body).await
    }

    pub async fn verify_code(&self, challenge_id: uuid::Uuid, code: &str) -> ClientResult<LoginGrant> {
        self.anonymous("v1/auth/verify-code", &VerifyCodeRequest { challenge_id, code: code.to_owned() }).await
    }

    pub async fn launch(&self, token: &str, device_name: &str) -> ClientResult<kring_protocol::LaunchGrant> {
        let body = kring_protocol::LaunchRequest { token: token.to_owned(), device_name: device_name.to_owned() };
        self.anonymous("v1/auth/launch", &body).await
    }

    /// A launch for the colleague already logged in (keeps this session and its open lock).
    pub async fn launch_in_session(&self, token: &str, device_name: &str) -> ClientResult<kring_protocol::LaunchTarget> {
        let url = self.server.join("v1/launch")?;
        let body = kring_protocol::LaunchRequest { token: token.to_owned(), device_name: device_name.to_owned() };
        self.authorised(|http| Ok(http.post(url.clone()).json(&body))).await
    }

    pub async fn change_password(&self, request: &ChangePasswordRequest) -> ClientResult<()> {
        let url = self.server.join("v1/auth/password")?;
        self.authorised::<serde_json::Value, _>(|http| Ok(http.post(url.clone()).json(request))).await.map(drop)
    }

    pub async fn reset_password(&self, user: UserId, request: &ResetPasswordRequest) -> ClientResult<()> {
        let url = self.server.join(&format!("v1/accounts/{user}/reset-password"))?;
        self.authorised::<serde_json::Value, _>(|http| Ok(http.post(url.clone()).json(request))).await.map(drop)
    }

    /// End the session on the server and forget the refresh token.
    pub async fn logout(&self) -> ClientResult<()> {
        let tokens = self.tokens()?;
        let url = self.server.join("v1/auth/logout")?;
        let result = self.authorised::<serde_json::Value, _>(|http| Ok(http.post(url.clone()))).await.map(drop);
        tokens.refresh.delete()?;
        result
    }

    /// A page of the feed after `since` (of feed epoch `epoch`), and the epoch of the answer.
    pub async fn sync(&self, since: Seq, epoch: Option<uuid::Uuid>) -> ClientResult<(SyncPage, Option<uuid::Uuid>)> {
        let url = self.server.join("v1/sync")?;
        let mut query = vec![("since", since.to_string())];
        query.extend(epoch.map(|epoch| ("epoch", epoch.to_string())));
        let response = self.authorised_response(|http| Ok(http.get(url.clone()).query(&query))).await?;
        let epoch = feed_epoch(response.headers());
        Ok((read_json(response).await?, epoch))
    }

    pub async fn mutate(&self, request: &MutationRequest) -> ClientResult<MutationOutcome> {
        let url = self.server.join("v1/mutations")?;
        self.authorised(|http| Ok(http.post(url.clone()).json(request))).await
    }

    /// Upload one sealed attachment chunk (CHAT-10).
    pub async fn put_attachment_chunk(
        &self,
        conversation: kring_domain::ConversationId,
        attachment: uuid::Uuid,
        index: u32,
        sealed: Vec<u8>,
    ) -> ClientResult<()> {
        let url = self.server.join(&format!("v1/conversations/{conversation}/attachments/{attachment}/{index}"))?;
        self.authorised_response(|http| Ok(http.put(url.clone()).body(sealed.clone()))).await.map(drop)
    }

    /// Download one sealed attachment chunk.
    pub async fn attachment_chunk(
        &self,
        conversation: kring_domain::ConversationId,
        attachment: uuid::Uuid,
        index: u32,
    ) -> ClientResult<Vec<u8>> {
        let url = self.server.join(&format!("v1/conversations/{conversation}/attachments/{attachment}/{index}"))?;
        let response = self.authorised_response(|http| Ok(http.get(url.clone()))).await?;
        Ok(response.bytes().await.map_err(transport_error)?.to_vec())
    }

    pub async fn conversation_history(&self, id: kring_domain::ConversationId) -> ClientResult<Vec<kring_protocol::ChangeBody>> {
        let url = self.server.join(&format!("v1/conversations/{id}/history"))?;
        self.authorised(|http| Ok(http.get(url.clone()))).await
    }

    pub async fn access_log(
        &self,
        organisation: OrganisationId,
        before: Option<i64>,
        known_head: Option<i64>,
    ) -> ClientResult<AccessLogPage> {
        let url = self.server.join("v1/access-log")?;
        let mut query = vec![("organisation_id", organisation.to_string())];
        query.extend(before.map(|seq| ("before", seq.to_string())));
        query.extend(known_head.map(|seq| ("known_head", seq.to_string())));
        self.authorised(|http| Ok(http.get(url.clone()).query(&query))).await
    }

    /// Upload a sealed HIS extraction (PAT-1). Large: it gets more time than other requests.
    pub async fn import_patients(&self, request: &ImportRequest) -> ClientResult<ImportOutcome> {
        let url = self.server.join("v1/patients/import")?;
        self.authorised(|http| Ok(http.post(url.clone()).timeout(Duration::from_secs(300)).json(request))).await
    }

    pub async fn account_requests(&self) -> ClientResult<Vec<AccountRequestEntry>> {
        let url = self.server.join("v1/account-requests")?;
        self.authorised(|http| Ok(http.get(url.clone()))).await
    }

    pub async fn invitation(&self, token: &str) -> ClientResult<Invitation> {
        let url = self.server.join(&format!("v1/activate/{token}"))?;
        let response = self.http.get(url).send().await.map_err(transport_error)?;
        read_json(check(response).await?).await
    }

    pub async fn activate(&self, request: &ActivateRequest) -> ClientResult<Activated> {
        self.anonymous("v1/activate", request).await
    }

    /// The WebSocket address of the feed, starting after `since`.
    pub fn websocket_url(&self, since: Seq, epoch: Option<uuid::Uuid>) -> ClientResult<Url> {
        let mut url = self.server.join("v1/ws")?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme).map_err(|()| ClientError::InvalidServerUrl("websocket scheme".into()))?;
        url.query_pairs_mut().append_pair("since", &since.to_string());
        if let Some(epoch) = epoch {
            url.query_pairs_mut().append_pair("epoch", &epoch.to_string());
        }
        Ok(url)
    }
}

/// The feed epoch a sync or WebSocket answer names (`kring-feed-epoch`).
pub(crate) fn feed_epoch(headers: &reqwest::header::HeaderMap) -> Option<uuid::Uuid> {
    headers
        .get(kring_protocol::FEED_EPOCH_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| uuid::Uuid::parse_str(value).ok())
}

async fn read_json<T: serde::de::DeserializeOwned>(response: Response) -> ClientResult<T> {
    if response.status() == StatusCode::NO_CONTENT || response.content_length() == Some(0) {
        return serde_json::from_value(serde_json::Value::Null).map_err(|e| ClientError::Protocol(e.to_string()));
    }
    response.json::<T>().await.map_err(|e| ClientError::Protocol(e.to_string()))
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
        (_, Some(ErrorBody { code: ErrorCode::Unauthenticated, .. })) | (StatusCode::UNAUTHORIZED, None) => {
            ClientError::SessionExpired
        }
        // The server's store is broken: like an unreachable server, the outbox keeps everything.
        (_, Some(ErrorBody { code: ErrorCode::Unavailable, .. })) => ClientError::ServerUnreachable,
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
        assert_eq!(api.websocket_url(42, None).unwrap().as_str(), "wss://zorg.example.nl/kring/v1/ws?since=42");
        let epoch = uuid::Uuid::nil();
        assert_eq!(
            api.websocket_url(42, Some(epoch)).unwrap().as_str(),
            "wss://zorg.example.nl/kring/v1/ws?since=42&epoch=00000000-0000-0000-0000-000000000000"
        );
    }
}
