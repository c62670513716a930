//! `kring-server`: a region's standalone sync server.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use kring_domain::SystemClock;
use kring_server::delivery::{CodeDelivery, HttpSmsGateway};
use kring_server::mail::{SmtpConfig, SmtpRelay, SmtpSecurity};
use kring_server::{router, seed, serve, store, AppState};
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
    /// Seconds a client has for a request header (and a TLS handshake) before its connection is
    /// closed; also how long an idle kept-alive connection stays open.
    #[arg(long, env = "KRING_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,
    /// Open connections at most (default: the descriptor limit less a reserve).
    #[arg(long, env = "KRING_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Open connections from one address at most (a practice behind one NAT address has a few
    /// per workstation).
    #[arg(long, env = "KRING_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    max_connections_per_address: usize,
    /// Seed the demo region when the database is empty.
    #[arg(long)]
    seed_demo: bool,
    /// SMTP relay for e-mailed login codes (host name).
    #[arg(long, env = "KRING_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "KRING_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// starttls (587), tls (465), or none (only for a relay on this machine).
    #[arg(long, env = "KRING_SMTP_SECURITY", value_enum, default_value = "starttls")]
    smtp_security: SmtpSecurityArg,
    #[arg(long, env = "KRING_SMTP_USER", requires = "smtp_password")]
    smtp_user: Option<String>,
    /// Prefer the environment variable: command lines are visible to other users.
    #[arg(long, env = "KRING_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    #[arg(long, env = "KRING_SMTP_FROM", default_value = "Kring <noreply@kring.local>")]
    smtp_from: String,
    /// SMS gateway endpoint for texted login codes (JSON API, see `delivery::HttpSmsGateway`).
    #[arg(long, env = "KRING_SMS_URL", requires = "sms_api_key")]
    sms_url: Option<String>,
    #[arg(long, env = "KRING_SMS_API_KEY", hide_env_values = true)]
    sms_api_key: Option<String>,
    #[arg(long, env = "KRING_SMS_ORIGINATOR", default_value = "Kring")]
    sms_originator: String,
    /// Approve account requests at once, without the region's operator.
    #[arg(long)]
    auto_approve_account_requests: bool,
    /// An e-mail domain to refuse for professional accounts, beyond the built-in consumer list
    /// (repeatable).
    #[arg(long = "private-email-domain")]
    private_email_domains: Vec<String>,
    /// This region's name in HIS launch tokens (their `aud`).
    #[arg(long, env = "KRING_REGION_ID", default_value = "kring")]
    region_id: String,
    /// Without a command: serve.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Register (or replace) a practice's HIS bridge key for single sign-on (PAT-3), then exit.
    RegisterHisBridge {
        /// The bridge id its tokens carry as `kid` and `iss`, e.g. `delinde-medicom`.
        #[arg(long)]
        id: String,
        /// The practice's AGB code.
        #[arg(long)]
        practice_agb: String,
        /// The bridge's Ed25519 public key, base64 (printed by `kring-his-launch new-key`).
        #[arg(long)]
        public_key: String,
    },
    /// Set which days and hours count for consultation deadlines (CONS-5), then exit. Without it
    /// the default holds: Monday to Friday, the whole day.
    SetBusinessCalendar {
        /// Working days, ISO numbers: 1 Monday … 7 Sunday (repeatable).
        #[arg(long = "working-day", default_values_t = [1u8, 2, 3, 4, 5])]
        working_days: Vec<u8>,
        /// When the counted hours start each working day, e.g. 08:00.
        #[arg(long, default_value = "00:00")]
        opens: String,
        /// When they end, e.g. 17:00; left out: midnight.
        #[arg(long)]
        closes: Option<String>,
        /// Good Friday is a day off too.
        #[arg(long)]
        good_friday_off: bool,
        /// Liberation Day off: every-year, every-fifth-year or never.
        #[arg(long, default_value = "every-fifth-year")]
        liberation_day: String,
    },
}

/// Register a HIS bridge for the practice with `agb`. Refuses a malformed key or unknown practice.
async fn register_his_bridge(store: &dyn store::Store, id: &str, agb: &str, public_key: &str) -> anyhow::Result<()> {
    use base64::Engine;
    let bytes =
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(public_key.trim()).context("the public key is not base64")?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("the public key must be 32 bytes"))?;
    kring_crypto::SigningPublicKey::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let agb = kring_domain::AgbCode::parse(agb).map_err(|e| anyhow::anyhow!("{e}"))?;
    let practice = store
        .entities_of_kind(kring_protocol::EntityKind::Organisation)
        .await?
        .into_iter()
        .find_map(|body| match body {
            kring_protocol::ChangeBody::Organisation(org)
                if org.agb.as_ref() == Some(&agb) && org.kind == kring_domain::OrganisationKind::GpPractice =>
            {
                Some(org.id)
            }
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("no GP practice with AGB code {agb}"))?;
    store.register_his_bridge(id, practice, public_key.trim()).await?;
    tracing::info!(bridge = id, organisation_id = %practice, "HIS bridge registered");
    Ok(())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SmtpSecurityArg {
    None,
    Starttls,
    Tls,
}

impl Args {
    /// Login-code delivery from the flags; a channel left unconfigured refuses to send.
    fn delivery(&self) -> anyhow::Result<CodeDelivery> {
        let mut delivery = CodeDelivery::default();
        if let Some(host) = &self.smtp_host {
            let security = match self.smtp_security {
                SmtpSecurityArg::None => SmtpSecurity::None,
                SmtpSecurityArg::Starttls => SmtpSecurity::StartTls,
                SmtpSecurityArg::Tls => SmtpSecurity::Tls,
            };
            let config = SmtpConfig {
                host: host.clone(),
                port: self.smtp_port,
                security,
                credentials: self.smtp_user.clone().zip(self.smtp_password.clone()),
                from: self.smtp_from.clone(),
            };
            delivery.mail = Some(Arc::new(SmtpRelay::new(&config).context("SMTP configuration")?));
        }
        if let (Some(url), Some(key)) = (&self.sms_url, &self.sms_api_key) {
            let gateway = HttpSmsGateway::new(url, key, &self.sms_originator).context("SMS gateway configuration")?;
            delivery.sms = Some(Arc::new(gateway));
        }
        if delivery.mail.is_none() && delivery.sms.is_none() {
            tracing::warn!("no SMTP relay and no SMS gateway configured: nobody can receive a login code");
        }
        Ok(delivery)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    match args.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
    }

    // Several crates link rustls; name its crypto provider once, before any TLS is set up.
    if rustls::crypto::ring::default_provider().install_default().is_err() {
        tracing::debug!("a TLS crypto provider was already installed");
    }

    let store = store::open(&args.database).await.context("opening the database")?;
    if args.seed_demo && seed::seed_demo_region(store.as_ref(), seed::DemoOptions::default()).await? {
        tracing::info!("demo region seeded");
    }
    if let Some(Command::RegisterHisBridge { id, practice_agb, public_key }) = &args.command {
        return register_his_bridge(store.as_ref(), id, practice_agb, public_key).await;
    }
    if let Some(Command::SetBusinessCalendar { working_days, opens, closes, good_friday_off, liberation_day }) = &args.command {
        use kring_domain::business_time::LiberationDayOff;
        let liberation_day = match liberation_day.as_str() {
            "every-year" => LiberationDayOff::EveryYear,
            "every-fifth-year" => LiberationDayOff::EveryFifthYear,
            "never" => LiberationDayOff::Never,
            other => anyhow::bail!("--liberation-day is every-year, every-fifth-year or never, not {other}"),
        };
        let entry = kring_protocol::consultations::RegionCalendarEntry {
            working_days: working_days.clone(),
            opens: opens.clone(),
            closes: closes.clone(),
            good_friday_off: *good_friday_off,
            liberation_day,
        };
        return seed::set_business_calendar(store.as_ref(), entry).await.map_err(|e| anyhow::anyhow!("{e}"));
    }
    let config = kring_server::RegionConfig {
        auto_approve_account_requests: args.auto_approve_account_requests,
        private_email_domains: args.private_email_domains.clone(),
        region_id: args.region_id.clone(),
    };
    let state = AppState::new(store, Arc::new(SystemClock), args.delivery()?).await?.with_config(config);
    kring_server::jobs::spawn_worker(state.clone());
    let feed = state.feed().clone();
    let app = router(state);

    let shutdown = serve::Shutdown::new();
    tokio::spawn(shutdown_on_signal(shutdown.clone(), feed));
    // Bind before announcing, so "listening" in the log means connections are accepted.
    let listener = std::net::TcpListener::bind(args.listen).with_context(|| format!("binding {}", args.listen))?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let local = listener.local_addr()?;
    let transport = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            serve::Transport::tls_from_pem_files(cert, key).context("loading the TLS certificate and key")?
        }
        _ => serve::Transport::Plain,
    };
    let mut limits = serve::ConnectionLimits::for_this_process();
    limits.header_read = std::time::Duration::from_secs(args.header_timeout_secs);
    limits.tls_handshake = limits.header_read;
    if let Some(max) = args.max_connections {
        limits.max_connections = max;
    }
    limits.per_address = Some(args.max_connections_per_address);
    let tls = matches!(transport, serve::Transport::Tls(_));
    tracing::info!(listen = %local, tls, max_connections = limits.max_connections, per_address = args.max_connections_per_address, "listening");
    serve::serve(listener, app, transport, limits, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C: stop accepting, give open requests ten seconds, then exit.
async fn shutdown_on_signal(shutdown: serve::Shutdown, feed: kring_server::feed::FeedNotifier) {
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
    shutdown.begin(std::time::Duration::from_secs(10));
}
