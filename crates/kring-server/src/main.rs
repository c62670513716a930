//! `kring-server`: a region's standalone sync server.

use anyhow::Context;
use clap::{Parser, ValueEnum};
use kring_domain::SystemClock;
use kring_server::{router, seed, store, AppState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "kring-server", version, about = "Kring sync server")]
struct Args {
    /// sqlite:PATH or postgres://user:password@host:port/database
    #[arg(long, env = "KRING_DATABASE_URL")]
    database: String,
    /// Address to listen on.
    #[arg(long, env = "KRING_LISTEN", default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// PEM certificate chain; with --tls-key, serve HTTPS.
    #[arg(long, env = "KRING_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "KRING_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Seed the demo region when the database is empty.
    #[arg(long)]
    seed_demo: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    match args.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
    }

    // Several crates link rustls; name its crypto provider once, before any TLS is set up.
    if rustls::crypto::ring::default_provider().install_default().is_err() {
        tracing::debug!("a TLS crypto provider was already installed");
    }

    let store = store::open(&args.database).await.context("opening the database")?;
    if args.seed_demo && seed::seed_demo_region(store.as_ref(), kring_crypto::KdfParams::INTERACTIVE).await? {
        tracing::info!("demo region seeded");
    }
    let state = AppState::new(store, Arc::new(SystemClock)).await?;
    let feed = state.feed.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();

    let handle = axum_server::Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone(), feed));
    // Bind before announcing, so "listening" in the log means connections are accepted.
    let listener = std::net::TcpListener::bind(args.listen).with_context(|| format!("binding {}", args.listen))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .context("loading the TLS certificate and key")?;
            tracing::info!(listen = %local, tls = true, "listening");
            axum_server::from_tcp_rustls(listener, tls).handle(handle).serve(app).await?;
        }
        _ => {
            tracing::info!(listen = %local, tls = false, "listening");
            axum_server::from_tcp(listener).handle(handle).serve(app).await?;
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C: stop accepting, give open requests ten seconds, then exit.
async fn shutdown_on_signal(handle: axum_server::Handle, feed: kring_server::feed::FeedNotifier) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = terminate => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    tracing::info!("shutting down");
    feed.close();
    handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
}
