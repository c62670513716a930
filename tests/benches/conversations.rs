//! Message delivery at region scale (CHAT-11): the server (SQLite or PostgreSQL) in this process,
//! simulated clients in worker processes on loopback (a process may hold 20,000 descriptors), each
//! client on its own WebSocket and in several group conversations. Senders post signed messages at
//! a fixed rate through `POST /v1/mutations`; every other participant's socket receives them.
//! Measured: delivery latency from send to arrival (p50/p99), deliveries per second, and the
//! server process's resident memory with all clients connected.
//!
//!   cargo bench -p kring-tests --bench conversations                  # 1,000 and 10,000, SQLite and PostgreSQL
//!   cargo bench -p kring-tests --bench conversations -- --clients 10000 --stores sqlite --rate 1400
//!
//! Set-up writes users, sessions and conversations straight into the store (no Argon2id, no
//! client crypto): what is measured is the server's path from mutation to every recipient. The
//! message body is opaque to the server; here it carries the send time for the latency.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use futures_util::StreamExt;
use kring_crypto::{KdfParams, SigningKeyPair, UserKeys};
use kring_domain::{ConversationId, UserId};
use kring_protocol::conversations::{
    ConversationEntry, KeyEpoch, MessageEntry, NewMessage, Participant, ParticipantKind, ParticipationEntry, WrappedKey,
};
use kring_protocol::{AccountEntry, ChangeBody, KeyMaterial, Mutation, MutationRequest, PersonEntry, Scope, ServerEvent};
use kring_server::delivery::CodeDelivery;
use kring_server::store::{Commit, NewCredentials, NewSession, SessionTokens, Store};
use kring_server::{AppState, RunningServer};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Clients per worker process: sockets plus an HTTP pool stay well under 20,000 descriptors.
const CLIENTS_PER_WORKER: usize = 5_000;

#[derive(Debug, Clone)]
struct Options {
    clients: Vec<usize>,
    stores: Vec<String>,
    /// Participants per conversation.
    group: usize,
    /// Conversations each client is in.
    per_client: usize,
    /// Messages per second, all senders together.
    rate: u32,
    warmup: u64,
    seconds: u64,
}

fn options() -> Options {
    let mut options = Options {
        clients: vec![1_000, 10_000],
        stores: vec!["sqlite".into(), "postgres".into()],
        group: 20,
        per_client: 4,
        rate: 1_400,
        warmup: 3,
        seconds: 10,
    };
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    if let Some(list) = value("--clients") {
        options.clients = list.split(',').filter_map(|n| n.parse().ok()).collect();
    }
    if let Some(list) = value("--stores") {
        options.stores = list.split(',').map(str::to_owned).collect();
    }
    for (name, field) in [("--group", &mut options.group), ("--per-client", &mut options.per_client)] {
        if let Some(n) = value(name).and_then(|v| v.parse().ok()) {
            *field = n;
        }
    }
    if let Some(n) = value("--rate").and_then(|v| v.parse().ok()) {
        options.rate = n;
    }
    if let Some(n) = value("--seconds").and_then(|v| v.parse().ok()) {
        options.seconds = n;
    }
    options
}

/// One simulated client, as a worker gets it.
#[derive(Serialize, Deserialize)]
struct ClientSpec {
    user_id: UserId,
    token: String,
    /// The Ed25519 seed it signs with (base64).
    seed: String,
    conversations: Vec<ConversationId>,
}

#[derive(Serialize, Deserialize)]
struct WorkerJob {
    url: String,
    since: i64,
    clients: Vec<ClientSpec>,
    rate: u32,
    warmup: u64,
    seconds: u64,
}

#[derive(Serialize, Deserialize, Default)]
struct WorkerResult {
    sent: u64,
    send_errors: u64,
    deliveries: u64,
    latencies_us: Vec<u32>,
}

fn main() {
    raise_descriptor_limit();
    if std::env::args().any(|a| a == "--worker") {
        worker();
        return;
    }
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!(
        "conversations of {} participants, {} per client, {} messages/s ({} deliveries/s offered), {} s measured",
        options.group,
        options.per_client,
        options.rate,
        u64::from(options.rate) * (options.group as u64 - 1),
        options.seconds
    );
    for store in &options.stores {
        for &clients in &options.clients {
            runtime.block_on(run(store, clients, &options));
        }
    }
}

/// Let this process open as many descriptors as the hard limit allows.
fn raise_descriptor_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    // Best effort: the bench still runs (with fewer clients possible) under a lower limit.
    let _ = setrlimit(Resource::Nofile, limit);
}

async fn run(store_kind: &str, clients: usize, options: &Options) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut _cluster = None;
    let store: Arc<dyn Store> = match store_kind {
        "postgres" => {
            let cluster = tokio::task::spawn_blocking(kring_server::testing::postgres::TestCluster::start)
                .await
                .expect("task")
                .expect("a PostgreSQL cluster (initdb)");
            let url = cluster.create_database("bench").await.expect("database");
            _cluster = Some(cluster);
            kring_server::store::open(&url).await.expect("store")
        }
        _ => kring_server::store::open(&format!("sqlite:{}", dir.path().join("server.sqlite").display())).await.expect("store"),
    };
    let set_up = Instant::now();
    let specs = seed(store.as_ref(), clients, options).await;
    let since = store.latest_seq().await.expect("seq");
    let set_up = set_up.elapsed();

    let state = AppState::new(store, Arc::new(kring_domain::SystemClock), CodeDelivery::default()).await.expect("state");
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let server = RunningServer::spawn(listener, state.clone(), kring_server::Jobs::Worker).expect("server");

    let workers = clients.div_ceil(CLIENTS_PER_WORKER);
    let rate = options.rate / workers as u32;
    let mut children = Vec::new();
    let mut specs = specs.into_iter();
    for _ in 0..workers {
        let clients: Vec<ClientSpec> = specs.by_ref().take(CLIENTS_PER_WORKER).collect();
        let job = WorkerJob { url: server.url(), since, clients, rate, warmup: options.warmup, seconds: options.seconds };
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .arg("--worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("worker");
        let mut stdin = child.stdin.take().expect("stdin");
        serde_json::to_writer(&mut stdin, &job).expect("job");
        stdin.write_all(b"\n").expect("job");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        children.push((child, stdin, lines));
    }
    // Every worker connected all its clients: the server holds every socket now.
    for (_, _, lines) in &mut children {
        let line = tokio::task::block_in_place(|| lines.next()).expect("worker line").expect("read");
        assert_eq!(line, "connected", "worker: {line}");
    }
    let connected = state.feed().connections();
    let rss_connected = rss_kib("VmRSS");
    for (_, stdin, _) in &mut children {
        stdin.write_all(b"go\n").expect("go");
    }
    let mut total = WorkerResult::default();
    for (mut child, _, mut lines) in children {
        let line = tokio::task::block_in_place(|| lines.next()).expect("result line").expect("read");
        let result: WorkerResult = serde_json::from_str(&line).expect("result");
        total.sent += result.sent;
        total.send_errors += result.send_errors;
        total.deliveries += result.deliveries;
        total.latencies_us.extend(result.latencies_us);
        let _ = child.wait();
    }
    let rss_peak = rss_kib("VmHWM");
    total.latencies_us.sort_unstable();
    let percentile = |p: f64| {
        let sorted = &total.latencies_us;
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() - 1) as f64 * p).round() as usize;
        f64::from(sorted[index]) / 1000.0
    };
    println!(
        "{store_kind:8} {clients:>6} clients ({connected} sockets): set-up {:.1} s | sent {} msgs ({} refused) | \
         {:.0} deliveries/s | latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms | server RSS {} MB connected, peak {} MB",
        set_up.as_secs_f64(),
        total.sent,
        total.send_errors,
        total.deliveries as f64 / options.seconds as f64,
        percentile(0.50),
        percentile(0.99),
        percentile(1.0),
        rss_connected / 1024,
        rss_peak / 1024,
    );
    server.shutdown().await;
}

/// `VmRSS` or `VmHWM` of this process, in KiB.
fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// Users (account, person with keys, session) and conversations, written straight to the store.
async fn seed(store: &dyn Store, clients: usize, options: &Options) -> Vec<ClientSpec> {
    let now = time::OffsetDateTime::now_utc();
    let mut specs = Vec::with_capacity(clients);
    for chunk in 0..clients.div_ceil(500) {
        let mut commit = Commit::default();
        for i in chunk * 500..((chunk + 1) * 500).min(clients) {
            let user_id = UserId::new();
            let keys = UserKeys::generate();
            let material = KeyMaterial {
                sealed_private_keys: String::new(),
                encryption_public_key: STANDARD_NO_PAD.encode(keys.encryption.public().as_bytes()),
                signing_public_key: STANDARD_NO_PAD.encode(keys.signing.public().as_bytes()),
            };
            let username = format!("bench{i}");
            commit.credentials.push(NewCredentials {
                user_id,
                username: username.clone(),
                salt: String::new(),
                kdf: KdfParams::TESTING,
                auth_hash: String::new(),
                keys: Some(material.clone()),
                must_change_password: false,
                active: true,
            });
            let person = PersonEntry::new(user_id, "Bench".into(), format!("{i}"), None).with_keys(Some(&material));
            commit.changes.push((Scope::Directory, ChangeBody::Person(person)));
            let account = AccountEntry {
                id: user_id,
                username,
                email: None,
                mobile: None,
                code_channel: kring_protocol::CodeChannel::Email,
                notification_email: None,
                notify_on_message: false,
            };
            commit.changes.push((Scope::User(user_id), ChangeBody::Account(account)));
            let token = random_bytes::<32>();
            let session = NewSession {
                id: uuid::Uuid::now_v7(),
                user_id,
                device_name: "bench".into(),
                created_at: now,
                tokens: SessionTokens {
                    access_hash: Sha256::digest(token).into(),
                    access_expires_at: now + time::Duration::hours(2),
                    refresh_hash: Sha256::digest(random_bytes::<32>()).into(),
                    refresh_expires_at: now + time::Duration::hours(2),
                },
            };
            store.create_session(session).await.expect("session");
            specs.push(ClientSpec {
                user_id,
                token: URL_SAFE_NO_PAD.encode(token),
                seed: STANDARD_NO_PAD.encode(*keys.signing.seed()),
                conversations: Vec::new(),
            });
        }
        store.commit(commit).await.expect("users");
    }
    // Conversations: member j of conversation c is client (c * group + j) mod clients, so every
    // client is in `per_client` of them.
    let conversations = (clients * options.per_client).div_ceil(options.group);
    for chunk in (0..conversations).collect::<Vec<_>>().chunks(100) {
        let mut commit = Commit::default();
        for &c in chunk {
            let id = ConversationId::new();
            let members: Vec<usize> = (0..options.group).map(|j| (c * options.group + j) % clients).collect();
            let participants = members
                .iter()
                .map(|&m| Participant {
                    user_id: specs[m].user_id,
                    kind: ParticipantKind::Caregiver,
                    added_by: specs[members[0]].user_id,
                    joined_at: now,
                    left_at: None,
                    via_inbox: None,
                })
                .collect();
            let keys = members
                .iter()
                .map(|&m| WrappedKey { user_id: specs[m].user_id, wrapped_key: STANDARD_NO_PAD.encode(random_bytes::<80>()) })
                .collect();
            let entry = ConversationEntry {
                id,
                patient: None,
                title: STANDARD_NO_PAD.encode(random_bytes::<48>()),
                created_by: specs[members[0]].user_id,
                created_at: now,
                participants,
                inboxes: Vec::new(),
                epochs: vec![KeyEpoch { number: 0, keys }],
                referral: None,
                consultation: None,
            };
            commit.changes.push((Scope::Conversation(id), ChangeBody::Conversation(entry)));
            for &m in &members {
                let user_id = specs[m].user_id;
                let participation = ParticipationEntry {
                    id: ParticipationEntry::id_for(id, user_id),
                    conversation_id: id,
                    user_id,
                    active: true,
                    archived: false,
                    read_up_to: Some(now),
                };
                commit.changes.push((Scope::User(user_id), ChangeBody::Participation(participation)));
                specs[m].conversations.push(id);
            }
        }
        store.commit(commit).await.expect("conversations");
    }
    specs
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// A worker process: connect its clients, wait for "go", send at its rate while counting what
/// arrives, report.
fn worker() {
    let mut stdin = BufReader::new(std::io::stdin());
    let mut line = String::new();
    stdin.read_line(&mut line).expect("job");
    let job: WorkerJob = serde_json::from_str(&line).expect("job json");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let result = runtime.block_on(async move {
        let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let deliveries = Arc::new(AtomicU64::new(0));
        let latencies: Arc<std::sync::Mutex<Vec<u32>>> = Arc::default();
        let mut readers = Vec::new();
        let connected = Arc::new(tokio::sync::Semaphore::new(0));
        for spec in &job.clients {
            let url = format!("{}/v1/ws?since={}", job.url.replace("http://", "ws://"), job.since);
            let mut request = url.into_client_request().expect("request");
            request.headers_mut().insert("authorization", format!("Bearer {}", spec.token).parse().expect("header"));
            let (measuring, deliveries, latencies, connected) =
                (measuring.clone(), deliveries.clone(), latencies.clone(), connected.clone());
            let me = spec.user_id;
            readers.push(tokio::spawn(async move {
                let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024);
                let (mut socket, _) =
                    tokio_tungstenite::connect_async_with_config(request, Some(config), false).await.expect("websocket");
                connected.add_permits(1);
                while let Some(Ok(message)) = socket.next().await {
                    let tokio_tungstenite::tungstenite::Message::Text(text) = message else { continue };
                    let Ok(ServerEvent::Changes(page)) = serde_json::from_str::<ServerEvent>(&text) else { continue };
                    for change in page.changes {
                        if let ChangeBody::Message(message) = change.body {
                            if message.author == me || !measuring.load(Ordering::Relaxed) {
                                continue;
                            }
                            let body = STANDARD_NO_PAD.decode(&message.body).unwrap_or_default();
                            let sent = body.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default())).unwrap_or(0);
                            let latency = now_us().saturating_sub(sent).min(u64::from(u32::MAX)) as u32;
                            latencies.lock().expect("latencies").push(latency);
                            deliveries.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        let all = u32::try_from(job.clients.len()).expect("clients");
        let (url, rate, warmup, seconds) = (job.url.clone(), job.rate, job.warmup, job.seconds);
        let _ = connected.acquire_many(all).await.expect("connected");
        println!("connected");
        std::io::stdout().flush().expect("stdout");
        let mut go = String::new();
        tokio::task::block_in_place(|| stdin.read_line(&mut go)).expect("go");

        let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().expect("http");
        let signers: Vec<(SigningKeyPair, ClientSpec)> = job
            .clients
            .into_iter()
            .map(|spec| {
                let seed: [u8; 32] = STANDARD_NO_PAD.decode(&spec.seed).expect("seed").try_into().expect("32 bytes");
                (SigningKeyPair::from_seed(&seed), spec)
            })
            .collect();
        let signers = Arc::new(signers);
        let sent = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let in_flight = Arc::new(tokio::sync::Semaphore::new(512));
        let mutations_url = format!("{url}/v1/mutations");
        let total = Duration::from_secs(warmup + seconds);
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let per_tick = f64::from(rate) / 100.0;
        let mut owed = 0.0;
        while started.elapsed() < total {
            tick.tick().await;
            if !measuring.load(Ordering::Relaxed) && started.elapsed() >= Duration::from_secs(warmup) {
                measuring.store(true, Ordering::Relaxed);
                deliveries.store(0, Ordering::Relaxed);
            }
            owed += per_tick;
            while owed >= 1.0 {
                owed -= 1.0;
                let permit = in_flight.clone().acquire_owned().await.expect("permit");
                let (signers, http, url, sent, errors) =
                    (signers.clone(), http.clone(), mutations_url.clone(), sent.clone(), errors.clone());
                let pick = rand::thread_rng().gen_range(0..signers.len());
                let which = rand::thread_rng().gen_range(0..signers[pick].1.conversations.len().max(1));
                tokio::spawn(async move {
                    let (signer, spec) = &signers[pick];
                    let Some(&conversation_id) = spec.conversations.get(which) else { return };
                    let mut body = now_us().to_le_bytes().to_vec();
                    body.extend_from_slice(&random_bytes::<56>());
                    let id = uuid::Uuid::now_v7();
                    let body = STANDARD_NO_PAD.encode(body);
                    let signature =
                        STANDARD_NO_PAD.encode(signer.sign(&MessageEntry::signed_bytes(conversation_id, id, 0, &body)));
                    let request = MutationRequest {
                        id: uuid::Uuid::now_v7(),
                        mutation: Mutation::PostMessage {
                            conversation_id,
                            message: NewMessage { id, epoch: 0, body, signature, attachments: Vec::new() },
                            new_epoch: None,
                        },
                    };
                    let answer = http.post(url).bearer_auth(&spec.token).json(&request).send().await;
                    let applied = match answer {
                        Ok(response) => response.text().await.is_ok_and(|text| text.contains("\"applied\"")),
                        Err(_) => false,
                    };
                    if applied {
                        sent.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    drop(permit);
                });
            }
        }
        // Let the sends in flight finish (their answers come after the commit), then stop counting.
        let _ = tokio::time::timeout(Duration::from_secs(5), in_flight.acquire_many(512)).await;
        measuring.store(false, Ordering::Relaxed);
        let counted = deliveries.load(Ordering::Relaxed);
        for reader in &readers {
            reader.abort();
        }
        let latencies = std::mem::take(&mut *latencies.lock().expect("latencies"));
        WorkerResult {
            sent: sent.load(Ordering::Relaxed),
            send_errors: errors.load(Ordering::Relaxed),
            deliveries: counted,
            latencies_us: latencies,
        }
    });
    println!("{}", serde_json::to_string(&result).expect("result"));
}
