//! Serving connections, plain or TLS, with limits no client can run the server out of.
//!
//! A connection that sends no complete request header within [`ConnectionLimits::header_read`]
//! is closed, also between requests on a kept-alive connection; a TLS handshake that does not
//! finish within [`ConnectionLimits::tls_handshake`] is dropped; a client that stops reading what
//! the server writes is cut after [`ConnectionLimits::write_stall`]. (How long a whole request may
//! take, its body included, is the router's: `crate::router`.) At most
//! [`ConnectionLimits::max_connections`] connections are open at once, and at most
//! [`ConnectionLimits::per_address`] from one address (WebSockets included: the permit travels
//! with the socket into the upgrade); one over a cap is closed at once, so one client can never
//! take the descriptors the database and everyone else's `/health` need. Serves HTTP/1.1, which
//! is all the Kring clients speak.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// How long and how many: the defences against idle and half-sent connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time for a whole request header, counted from when the server starts waiting for it.
    pub header_read: Duration,
    /// Time for a TLS handshake.
    pub tls_handshake: Duration,
    /// Time a pending write may wait for the client to read.
    pub write_stall: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Open connections from one address at most (`None`: no such cap, as for the embedded
    /// server, whose only client is on the same machine).
    pub per_address: Option<usize>,
}

/// Descriptors kept free of connections: the database, its journal, logs, certificates.
const RESERVED_DESCRIPTORS: u64 = 64;
/// The cap where the platform has no descriptor limit to derive it from.
const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

impl ConnectionLimits {
    /// Ten seconds for headers and handshakes, and as many connections as this process's
    /// descriptor limit allows with room to spare.
    pub fn for_this_process() -> Self {
        let max_connections = descriptor_limit()
            .map(|limit| usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS).max(16)).unwrap_or(usize::MAX))
            .unwrap_or(DEFAULT_MAX_CONNECTIONS);
        Self {
            header_read: Duration::from_secs(10),
            tls_handshake: Duration::from_secs(10),
            write_stall: Duration::from_secs(30),
            max_connections,
            per_address: None,
        }
    }
}

/// The soft limit on open descriptors (`RLIMIT_NOFILE`).
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    // `None` is "unlimited".
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// Windows has no per-process socket limit of this kind (sockets are handles, bounded by memory).
#[cfg(windows)]
fn descriptor_limit() -> Option<u64> {
    None
}

/// Plain TCP or TLS.
#[derive(Clone)]
pub enum Transport {
    Plain,
    Tls(tokio_rustls::TlsAcceptor),
}

impl Transport {
    /// TLS with the PEM certificate chain and private key at these paths.
    pub fn tls_from_pem_files(cert: &std::path::Path, key: &std::path::Path) -> Result<Self, TlsSetupError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|source| TlsSetupError::Certificate { path: cert.to_owned(), source })?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(|source| TlsSetupError::Key { path: key.to_owned(), source })?;
        let mut config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self::Tls(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
    }
}

/// Why the TLS certificate and key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("reading the certificate chain {}: {source}", path.display())]
    Certificate { path: std::path::PathBuf, source: rustls::pki_types::pem::Error },
    #[error("reading the private key {}: {source}", path.display())]
    Key { path: std::path::PathBuf, source: rustls::pki_types::pem::Error },
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Tells a running [`serve`] to stop: it stops accepting, asks open connections to finish their
/// request, and returns when all are gone or the grace period is over.
#[derive(Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<Option<Duration>>>,
}

impl Shutdown {
    pub fn new() -> Self {
        Self { sender: Arc::new(watch::Sender::new(None)) }
    }

    pub fn begin(&self, grace: Duration) {
        self.sender.send_replace(Some(grace));
    }

    async fn requested(mut receiver: watch::Receiver<Option<Duration>>) -> Duration {
        loop {
            if let Some(grace) = *receiver.borrow_and_update() {
                return grace;
            }
            if receiver.changed().await.is_err() {
                // The handle is gone without asking to stop: serve for as long as the task lives.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

/// Serve `router` on `listener` until `shutdown` is begun.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    transport: Transport,
    limits: ConnectionLimits,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let stop = shutdown.sender.subscribe();
    let grace = tokio::select! {
        grace = Shutdown::requested(stop.clone()) => grace,
        result = accept_loop(&listener, &router, &transport, limits, &permits, &stop) => return result,
    };
    drop(listener);
    // Every connection holds a permit until its socket closes: all back means all done.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    // Each connection cuts itself at the end of the grace period (upgraded WebSockets end with
    // the feed, `FeedNotifier::close`); a little longer here lets them go first.
    if tokio::time::timeout(grace + Duration::from_secs(1), permits.acquire_many(all)).await.is_err() {
        tracing::info!("connections still open after the grace period");
    }
    Ok(())
}

async fn accept_loop(
    listener: &tokio::net::TcpListener,
    router: &Router,
    transport: &Transport,
    limits: ConnectionLimits,
    permits: &Arc<Semaphore>,
    stop: &watch::Receiver<Option<Duration>>,
) -> std::io::Result<()> {
    let per_address = AddressCounts::default();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                // Out of descriptors or memory: wait for connections to close rather than spin.
                tracing::warn!(%error, "cannot accept connections; retrying shortly");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(max = limits.max_connections, "connection refused: too many open connections");
            drop(stream);
            continue;
        };
        let Some(from_address) = per_address.admit(peer.ip(), limits.per_address) else {
            tracing::warn!(max = limits.per_address, "connection refused: too many open connections from one address");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let transport = transport.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let stream =
                Permitted { stream, _permit: permit, _from_address: from_address, write_stall: limits.write_stall, stall: None };
            match transport {
                Transport::Plain => serve_connection(stream, peer, router, limits, stop).await,
                Transport::Tls(acceptor) => match tokio::time::timeout(limits.tls_handshake, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => serve_connection(tls, peer, router, limits, stop).await,
                    Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                    Err(_) => tracing::debug!("TLS handshake timed out"),
                },
            }
        });
    }
}

/// Errors of one connection that came and went before it was accepted; the listener is fine.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    stop: watch::Receiver<Option<Duration>>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => log_end(result),
        grace = Shutdown::requested(stop) => {
            // Finish the request in hand, then close; past the grace period, cut.
            connection.as_mut().graceful_shutdown();
            match tokio::time::timeout(grace, connection).await {
                Ok(result) => log_end(result),
                Err(_) => tracing::debug!("connection cut at the end of the grace period"),
            }
        }
    }
}

fn log_end(result: hyper::Result<()>) {
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Open connections per address.
#[derive(Clone, Default)]
struct AddressCounts(Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>);

impl AddressCounts {
    /// Count one more connection from `address`, unless it has `max` already.
    fn admit(&self, address: IpAddr, max: Option<usize>) -> Option<AddressSlot> {
        let mut counts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = counts.entry(address).or_insert(0);
        if max.is_some_and(|max| *count >= max) {
            return None;
        }
        *count += 1;
        Some(AddressSlot { counts: self.clone(), address })
    }
}

/// One connection's place in its address's count, given back when the socket closes.
struct AddressSlot {
    counts: AddressCounts,
    address: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// A socket with its places under the caps, released when the socket closes, and a limit on
/// how long a write may wait for the client to read.
struct Permitted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
    _from_address: AddressSlot,
    write_stall: Duration,
    /// Running while a write waits.
    stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Permitted {
    /// A write is pending: whether it has waited too long (and else wake us when it has).
    fn stalled(&mut self, cx: &mut Context<'_>) -> bool {
        let write_stall = self.write_stall;
        let stall = self.stall.get_or_insert_with(|| Box::pin(tokio::time::sleep(write_stall)));
        stall.as_mut().poll(cx).is_ready()
    }

    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        match poll {
            Poll::Pending if self.stalled(cx) => {
                Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading")))
            }
            Poll::Pending => Poll::Pending,
            ready => {
                self.stall = None;
                ready
            }
        }
    }
}

impl AsyncRead for Permitted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Permitted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
