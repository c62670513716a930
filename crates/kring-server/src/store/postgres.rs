//! PostgreSQL backend: the regional server's store, through a connection pool.
//!
//! Feed order: `changes.seq` comes from a sequence, and two transactions could commit their seqs
//! out of order, letting a client's cursor jump past a change that commits a moment later. Every
//! commit therefore takes one transaction-scoped advisory lock before it draws a seq, so seqs
//! become visible strictly in order, also with several server instances on one database.
//!
//! Fan-out: each commit sends `NOTIFY kring_feed, '<seq>'` (delivered when it commits); every
//! instance LISTENs on its own connection and wakes its WebSocket clients.

use super::{
    parent_of, random_secret, AttachmentChunk, AttachmentUpload, Commit, Credentials, LeasedJob, LiveSession, LoginUpdate,
    Migration, NewSession, RecordedMutation, SessionTokens, Store, StoreError, StoreResult, StoredChallenge, StoredThrottle,
};
use crate::chain::{entry_hash, hex, GENESIS};
use crate::feed::FeedNotifier;
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::StreamExt;
use kring_domain::{AccessKind, CodeChallenge, OrganisationId, PatientId, Throttle, UserId};
use kring_protocol::access_log::AccessLogEntry;
use kring_protocol::{Change, ChangeBody, EntityKind, MutationOutcome, Scope, Seq, SyncPage};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;
use tokio_postgres::AsyncMessage;
use tokio_postgres::NoTls;
use uuid::Uuid;

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: include_str!("../../../../migrations/server/postgres/0001_init.sql") },
    Migration { version: 2, sql: include_str!("../../../../migrations/server/postgres/0002_login_throttle.sql") },
    Migration { version: 3, sql: include_str!("../../../../migrations/server/postgres/0003_accounts_security.sql") },
    Migration { version: 4, sql: include_str!("../../../../migrations/server/postgres/0004_staff.sql") },
    Migration { version: 5, sql: include_str!("../../../../migrations/server/postgres/0005_his_launch.sql") },
    Migration { version: 6, sql: include_str!("../../../../migrations/server/postgres/0006_attachments.sql") },
    Migration { version: 7, sql: include_str!("../../../../migrations/server/postgres/0007_hardening.sql") },
];

/// Advisory-lock keys (arbitrary, fixed): one serialises feed commits, one migrations.
const FEED_LOCK: i64 = 0x6b72_696e_6701;
const MIGRATION_LOCK: i64 = 0x6b72_696e_6702;

/// The NOTIFY channel every commit announces its last seq on.
const FEED_CHANNEL: &str = "kring_feed";

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    config: tokio_postgres::Config,
    /// Feed notifications of this instance's own commits (their last seqs), so the follower
    /// does not report them as another instance's (the feed already has them in full).
    own_commits: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<Seq>>>,
}

impl PostgresStore {
    /// Connect to `url` (postgres://user:pass@host:port/db) and apply pending migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config = tokio_postgres::Config::from_str(url)?;
        let manager = Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(16).build().map_err(|e| StoreError::Pool(e.to_string()))?;
        let store = Self { pool, config, own_commits: std::sync::Arc::default() };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| StoreError::Pool(e.to_string()))
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut client = self.client().await?;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
        let result = async {
            client.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)").await?;
            for migration in MIGRATIONS {
                let tx = client.transaction().await?;
                let applied: bool = tx
                    .query_one("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", &[&migration.version])
                    .await?
                    .get(0);
                if !applied {
                    tx.batch_execute(migration.sql).await?;
                    tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&migration.version]).await?;
                    tracing::info!(version = migration.version, "applied postgres migration");
                }
                tx.commit().await?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await?;
        result
    }
}

async fn write_login(client: &impl GenericClient, user: UserId, update: &LoginUpdate) -> StoreResult<()> {
    client
        .execute(
            "UPDATE credentials SET salt = $2, kdf = $3, auth_hash = $4, key_material = $5,
                 must_change_password = $6, keys_were_reset = $7 WHERE user_id = $1",
            &[
                &user.0,
                &update.salt,
                &Json(&update.kdf),
                &update.auth_hash,
                &update.keys.as_ref().map(Json),
                &update.must_change_password,
                &update.keys_were_reset,
            ],
        )
        .await?;
    Ok(())
}

fn unique_violation(error: tokio_postgres::Error, instead: StoreError) -> StoreError {
    if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        instead
    } else {
        error.into()
    }
}

fn from_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> StoreResult<T> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn hash32(bytes: Vec<u8>) -> StoreResult<[u8; 32]> {
    bytes.try_into().map_err(|_| StoreError::Corrupt("hash length".into()))
}

const CREDENTIALS_COLUMNS: &str =
    "user_id, username, salt, kdf, auth_hash, active, key_material, must_change_password, keys_were_reset";

fn to_credentials(row: tokio_postgres::Row) -> StoreResult<Credentials> {
    Ok(Credentials {
        user_id: UserId(row.get(0)),
        username: row.get(1),
        salt: row.get(2),
        kdf: from_value(row.get(3))?,
        auth_hash: row.get(4),
        active: row.get(5),
        keys: row.get::<_, Option<serde_json::Value>>(6).map(from_value).transpose()?,
        must_change_password: row.get(7),
        keys_were_reset: row.get(8),
    })
}

const ACCESS_COLUMNS: &str = "seq, at_micros, actor, organisation_id, patient_id, kind, device, prev_hash, hash";

fn to_access_entry(row: tokio_postgres::Row) -> StoreResult<AccessLogEntry> {
    let kind: String = row.get(5);
    Ok(AccessLogEntry {
        seq: row.get(0),
        at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(row.get::<_, i64>(1)) * 1000)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        actor: UserId(row.get(2)),
        organisation_id: OrganisationId(row.get(3)),
        patient_id: PatientId(row.get(4)),
        kind: AccessKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("access kind {kind}")))?,
        device: row.get(6),
        prev_hash: hex(&row.get::<_, Vec<u8>>(7)),
        hash: hex(&row.get::<_, Vec<u8>>(8)),
    })
}

fn to_value<T: serde::Serialize>(value: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl Store for PostgresStore {
    async fn commit(&self, commit: Commit) -> StoreResult<Seq> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK]).await?;
        for expected in &commit.unchanged {
            let row = tx
                .query_opt(
                    "SELECT body FROM entities WHERE kind = $1 AND id = $2",
                    &[&expected.kind().as_str(), &expected.entity_id()],
                )
                .await?;
            let current: Option<ChangeBody> = row
                .map(|row| serde_json::from_value(row.get::<_, serde_json::Value>(0)))
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if current.as_ref() != Some(expected) {
                return Err(StoreError::Stale);
            }
        }
        for (kind, id) in &commit.absent {
            let row = tx.query_opt("SELECT 1 FROM entities WHERE kind = $1 AND id = $2", &[&kind.as_str(), id]).await?;
            if row.is_some() {
                return Err(StoreError::Stale);
            }
        }
        for credentials in &commit.credentials {
            tx.execute(
                "INSERT INTO credentials (user_id, username, salt, kdf, auth_hash, key_material, must_change_password, active)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &credentials.user_id.0,
                    &credentials.username,
                    &credentials.salt,
                    &Json(&credentials.kdf),
                    &credentials.auth_hash,
                    &credentials.keys.as_ref().map(Json),
                    &credentials.must_change_password,
                    &credentials.active,
                ],
            )
            .await
            .map_err(|e| unique_violation(e, StoreError::DuplicateUsername))?;
        }
        if let Some(activation) = &commit.activation {
            let spent = tx
                .execute(
                    "UPDATE activation_tokens SET used = TRUE WHERE token_hash = $1 AND NOT used AND expires_at > $2 AND user_id = $3",
                    &[&activation.token_hash.as_slice(), &activation.now, &activation.user_id.0],
                )
                .await?;
            if spent != 1 {
                return Err(StoreError::ActivationUnavailable);
            }
            write_login(&tx, activation.user_id, &activation.login).await?;
            tx.execute("UPDATE credentials SET active = TRUE WHERE user_id = $1", &[&activation.user_id.0]).await?;
        }
        let mut last: Seq = tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[]).await?.get(0);
        for (scope, body) in &commit.changes {
            let kind = body.kind().as_str();
            let id = body.entity_id();
            let json = to_value(body)?;
            let scope = scope.to_string();
            last = tx
                .query_one(
                    "INSERT INTO changes (kind, id, scope, body) VALUES ($1, $2, $3, $4) RETURNING seq",
                    &[&kind, &id, &scope, &json],
                )
                .await?
                .get(0);
            tx.execute(
                "INSERT INTO entities (kind, id, parent, scope, body, seq) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (kind, id) DO UPDATE SET parent = excluded.parent, scope = excluded.scope,
                     body = excluded.body, seq = excluded.seq",
                &[&kind, &id, &parent_of(body), &scope, &json, &last],
            )
            .await?;
        }
        if let Some((author, request)) = &commit.mutation {
            let outcome = MutationOutcome::Applied { seq: last };
            tx.execute(
                "INSERT INTO mutations (id, author, request, outcome) VALUES ($1, $2, $3, $4)",
                &[&request.id, &author.0, &to_value(request)?, &to_value(&outcome)?],
            )
            .await
            .map_err(|e| unique_violation(e, StoreError::DuplicateMutation))?;
        }
        for activation in &commit.activations {
            tx.execute(
                "INSERT INTO activation_tokens (token_hash, user_id, request_id, expires_at) VALUES ($1, $2, $3, $4)",
                &[&activation.token_hash.as_slice(), &activation.user_id.0, &activation.request_id, &activation.expires_at],
            )
            .await?;
        }
        for job in &commit.jobs {
            tx.execute(
                "INSERT INTO jobs (id, kind, payload, run_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                &[&job.id, &job.kind, &job.payload, &job.run_at],
            )
            .await?;
        }
        if !commit.access.is_empty() {
            // The feed lock taken above also serialises the access log, so the chain has one head.
            let head = tx.query_opt("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1", &[]).await?;
            let (mut seq, mut prev) = match head {
                Some(row) => (row.get::<_, i64>(0), hash32(row.get(1))?),
                None => (0, GENESIS),
            };
            for entry in &commit.access {
                seq += 1;
                let hash = entry_hash(&prev, seq, entry);
                tx.execute(
                    &format!("INSERT INTO access_log ({ACCESS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
                    &[
                        &seq,
                        &entry.at_micros(),
                        &entry.actor.0,
                        &entry.organisation_id.0,
                        &entry.patient_id.0,
                        &entry.kind.as_str(),
                        &entry.device,
                        &prev.as_slice(),
                        &hash.as_slice(),
                    ],
                )
                .await?;
                prev = hash;
            }
        }
        if !commit.changes.is_empty() {
            self.own_commits.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(last);
            tx.execute("SELECT pg_notify($1, $2)", &[&FEED_CHANNEL, &last.to_string()]).await?;
        }
        tx.commit().await?;
        Ok(last)
    }

    async fn entity(&self, kind: EntityKind, id: Uuid) -> StoreResult<Option<ChangeBody>> {
        let client = self.client().await?;
        let row = client.query_opt("SELECT body FROM entities WHERE kind = $1 AND id = $2", &[&kind.as_str(), &id]).await?;
        row.map(|row| from_value(row.get(0))).transpose()
    }

    async fn entities_by_id(&self, kind: EntityKind, ids: &[Uuid]) -> StoreResult<Vec<ChangeBody>> {
        let client = self.client().await?;
        let rows = client.query("SELECT body FROM entities WHERE kind = $1 AND id = ANY($2)", &[&kind.as_str(), &ids]).await?;
        rows.into_iter().map(|row| from_value(row.get(0))).collect()
    }

    async fn children(&self, kind: EntityKind, parent: Uuid) -> StoreResult<Vec<ChangeBody>> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT body FROM entities WHERE kind = $1 AND parent = $2 ORDER BY seq", &[&kind.as_str(), &parent])
            .await?;
        rows.into_iter().map(|row| from_value(row.get(0))).collect()
    }

    async fn changes_since(&self, since: Seq, scopes: &[Scope], limit: u32) -> StoreResult<SyncPage> {
        let scopes: Vec<String> = scopes.iter().map(ToString::to_string).collect();
        let client = self.client().await?;
        // Read the ceiling first: every seq at or below it is committed (see the module doc).
        let latest: Seq = client.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[]).await?.get(0);
        let rows = client
            .query(
                "SELECT seq, scope, body FROM changes WHERE seq > $1 AND seq <= $2 AND scope = ANY($3)
                 ORDER BY seq LIMIT $4",
                &[&since, &latest, &scopes, &i64::from(limit)],
            )
            .await?;
        let has_more = rows.len() == limit as usize;
        let changes = rows
            .into_iter()
            .map(|row| {
                let scope = Scope::try_from(row.get::<_, String>(1)).map_err(StoreError::Corrupt)?;
                Ok(Change { seq: row.get(0), scope, body: from_value(row.get(2))? })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let cursor = match (has_more, changes.last()) {
            (true, Some(last)) => last.seq,
            _ => latest.max(since),
        };
        Ok(SyncPage { changes, cursor, has_more })
    }

    async fn latest_seq(&self) -> StoreResult<Seq> {
        let client = self.client().await?;
        Ok(client.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[]).await?.get(0))
    }

    async fn recorded_mutation(&self, id: Uuid) -> StoreResult<Option<RecordedMutation>> {
        let client = self.client().await?;
        let row = client.query_opt("SELECT author, request, outcome FROM mutations WHERE id = $1", &[&id]).await?;
        row.map(|row| {
            Ok(RecordedMutation {
                author: UserId(row.get(0)),
                request: from_value(row.get(1))?,
                outcome: from_value(row.get(2))?,
            })
        })
        .transpose()
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        let client = self.client().await?;
        let sql = format!("SELECT {CREDENTIALS_COLUMNS} FROM credentials WHERE username = $1");
        client.query_opt(&sql, &[&username]).await?.map(to_credentials).transpose()
    }

    async fn credentials_of(&self, user: UserId) -> StoreResult<Option<Credentials>> {
        let client = self.client().await?;
        let sql = format!("SELECT {CREDENTIALS_COLUMNS} FROM credentials WHERE user_id = $1");
        client.query_opt(&sql, &[&user.0]).await?.map(to_credentials).transpose()
    }

    async fn update_login(&self, user: UserId, update: LoginUpdate) -> StoreResult<()> {
        let client = self.client().await?;
        write_login(&client, user, &update).await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        let client = self.client().await?;
        let tokens = session.tokens;
        client
            .execute(
                "INSERT INTO sessions (id, user_id, device_name, created_at, access_hash, access_expires_at,
                     refresh_hash, refresh_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &session.id,
                    &session.user_id.0,
                    &session.device_name,
                    &session.created_at,
                    &tokens.access_hash.as_slice(),
                    &tokens.access_expires_at,
                    &tokens.refresh_hash.as_slice(),
                    &tokens.refresh_expires_at,
                ],
            )
            .await?;
        Ok(())
    }

    async fn session_by_access(&self, access_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<LiveSession>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT s.id, s.user_id, s.device_name, c.must_change_password
                 FROM sessions s JOIN credentials c ON c.user_id = s.user_id
                 WHERE s.access_hash = $1 AND NOT s.revoked AND c.active AND s.access_expires_at > $2",
                &[&access_hash.as_slice(), &now],
            )
            .await?;
        Ok(row.map(|row| LiveSession {
            id: row.get(0),
            user_id: UserId(row.get(1)),
            device_name: row.get(2),
            must_change_password: row.get(3),
        }))
    }

    async fn rotate_session(
        &self,
        refresh_hash: [u8; 32],
        now: OffsetDateTime,
        next: SessionTokens,
    ) -> StoreResult<Option<UserId>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "UPDATE sessions s SET access_hash = $3, access_expires_at = $4, refresh_hash = $5, refresh_expires_at = $6
                 FROM credentials c
                 WHERE s.refresh_hash = $1 AND NOT s.revoked AND s.refresh_expires_at > $2
                     AND c.user_id = s.user_id AND c.active
                 RETURNING s.user_id",
                &[
                    &refresh_hash.as_slice(),
                    &now,
                    &next.access_hash.as_slice(),
                    &next.access_expires_at,
                    &next.refresh_hash.as_slice(),
                    &next.refresh_expires_at,
                ],
            )
            .await?;
        Ok(row.map(|row| UserId(row.get(0))))
    }

    async fn revoke_session(&self, id: Uuid) -> StoreResult<()> {
        let client = self.client().await?;
        client.execute("UPDATE sessions SET revoked = TRUE WHERE id = $1", &[&id]).await?;
        Ok(())
    }

    async fn revoke_sessions_of(&self, user: UserId, keep: Option<Uuid>) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute("UPDATE sessions SET revoked = TRUE WHERE user_id = $1 AND id IS DISTINCT FROM $2", &[&user.0, &keep])
            .await?;
        Ok(())
    }

    async fn create_challenge(&self, challenge: StoredChallenge) -> StoreResult<()> {
        let client = self.client().await?;
        let wrong_attempts = i32::try_from(challenge.state.wrong_attempts).unwrap_or(i32::MAX);
        client
            .execute(
                "INSERT INTO code_challenges (id, user_id, username, device_name, code_hash, issued_at, wrong_attempts, used)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &challenge.id,
                    &challenge.user_id.0,
                    &challenge.username,
                    &challenge.device_name,
                    &challenge.code_hash.as_slice(),
                    &challenge.state.issued_at,
                    &wrong_attempts,
                    &challenge.state.used,
                ],
            )
            .await?;
        Ok(())
    }

    async fn challenge(&self, id: Uuid) -> StoreResult<Option<StoredChallenge>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT user_id, username, device_name, code_hash, issued_at, wrong_attempts, used
                 FROM code_challenges WHERE id = $1",
                &[&id],
            )
            .await?;
        row.map(|row| {
            Ok(StoredChallenge {
                id,
                user_id: UserId(row.get(0)),
                username: row.get(1),
                device_name: row.get(2),
                code_hash: hash32(row.get(3))?,
                state: CodeChallenge {
                    issued_at: row.get(4),
                    wrong_attempts: u32::try_from(row.get::<_, i32>(5)).unwrap_or(u32::MAX),
                    used: row.get(6),
                },
            })
        })
        .transpose()
    }

    async fn update_challenge(&self, id: Uuid, from: CodeChallenge, to: CodeChallenge) -> StoreResult<bool> {
        let client = self.client().await?;
        let attempts = |state: CodeChallenge| i32::try_from(state.wrong_attempts).unwrap_or(i32::MAX);
        let changed = client
            .execute(
                "UPDATE code_challenges SET wrong_attempts = $4, used = $5
                 WHERE id = $1 AND wrong_attempts = $2 AND used = $3",
                &[&id, &attempts(from), &from.used, &attempts(to), &to.used],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn entities_of_kind(&self, kind: EntityKind) -> StoreResult<Vec<ChangeBody>> {
        let client = self.client().await?;
        let rows = client.query("SELECT body FROM entities WHERE kind = $1 ORDER BY seq", &[&kind.as_str()]).await?;
        rows.into_iter().map(|row| from_value(row.get(0))).collect()
    }

    async fn set_account_active(&self, user: UserId, active: bool) -> StoreResult<()> {
        let client = self.client().await?;
        client.execute("UPDATE credentials SET active = $2 WHERE user_id = $1", &[&user.0, &active]).await?;
        Ok(())
    }

    async fn peek_activation(&self, token_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<(UserId, Uuid)>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT user_id, request_id FROM activation_tokens WHERE token_hash = $1 AND NOT used AND expires_at > $2",
                &[&token_hash.as_slice(), &now],
            )
            .await?;
        Ok(row.map(|row| (UserId(row.get(0)), row.get(1))))
    }

    async fn lease_due_job(&self, now: OffsetDateTime, lease_until: OffsetDateTime) -> StoreResult<Option<LeasedJob>> {
        let client = self.client().await?;
        // SKIP LOCKED: several instances lease different jobs without waiting on each other.
        let row = client
            .query_opt(
                "UPDATE jobs SET leased_until = $2 WHERE id = (
                     SELECT id FROM jobs WHERE NOT done AND run_at <= $1
                         AND (leased_until IS NULL OR leased_until <= $1)
                     ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING id, kind, payload",
                &[&now, &lease_until],
            )
            .await?;
        Ok(row.map(|row| LeasedJob { id: row.get(0), kind: row.get(1), payload: row.get(2) }))
    }

    async fn finish_job(&self, id: Uuid) -> StoreResult<()> {
        let client = self.client().await?;
        // The payload may hold a secret (an invitation's token): gone once the job is done.
        client.execute("UPDATE jobs SET done = TRUE, payload = 'null'::jsonb WHERE id = $1", &[&id]).await?;
        Ok(())
    }

    async fn register_his_bridge(&self, id: &str, organisation: OrganisationId, public_key: &str) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO his_bridges (id, organisation_id, public_key) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET organisation_id = excluded.organisation_id, public_key = excluded.public_key",
                &[&id, &organisation.0, &public_key],
            )
            .await?;
        Ok(())
    }

    async fn his_bridge(&self, id: &str) -> StoreResult<Option<(OrganisationId, String)>> {
        let client = self.client().await?;
        let row = client.query_opt("SELECT organisation_id, public_key FROM his_bridges WHERE id = $1", &[&id]).await?;
        Ok(row.map(|row| (OrganisationId(row.get(0)), row.get(1))))
    }

    async fn put_attachment_chunk(&self, chunk: AttachmentChunk) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO attachment_chunks (attachment_id, idx, conversation_id, uploaded_by, data) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (attachment_id, idx) DO NOTHING",
                &[&chunk.attachment_id, &i32::try_from(chunk.index).unwrap_or(i32::MAX), &chunk.conversation_id.0, &chunk.uploaded_by.0, &chunk.data],
            )
            .await?;
        Ok(())
    }

    async fn attachment_chunk(&self, attachment: Uuid, index: u32) -> StoreResult<Option<AttachmentChunk>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT conversation_id, uploaded_by, data FROM attachment_chunks WHERE attachment_id = $1 AND idx = $2",
                &[&attachment, &i32::try_from(index).unwrap_or(i32::MAX)],
            )
            .await?;
        Ok(row.map(|row| AttachmentChunk {
            attachment_id: attachment,
            index,
            conversation_id: kring_domain::ConversationId(row.get(0)),
            uploaded_by: UserId(row.get(1)),
            data: row.get(2),
        }))
    }

    async fn attachment_upload(&self, attachment: Uuid) -> StoreResult<Option<AttachmentUpload>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT MIN(conversation_id::text), MIN(uploaded_by::text), COUNT(*) FROM attachment_chunks WHERE attachment_id = $1
                 HAVING COUNT(*) > 0",
                &[&attachment],
            )
            .await?;
        row.map(|row| {
            let parse = |text: String| Uuid::parse_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()));
            Ok(AttachmentUpload {
                conversation_id: kring_domain::ConversationId(parse(row.get(0))?),
                uploaded_by: UserId(parse(row.get(1))?),
                chunks: u32::try_from(row.get::<_, i64>(2)).unwrap_or(u32::MAX),
            })
        })
        .transpose()
    }

    async fn use_launch_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<bool> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO used_launch_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
                &[&jti, &expires_at],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn access_log(
        &self,
        organisation: OrganisationId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AccessLogEntry>> {
        let client = self.client().await?;
        let sql =
            format!("SELECT {ACCESS_COLUMNS} FROM access_log WHERE organisation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3");
        let rows = client.query(&sql, &[&organisation.0, &before.unwrap_or(i64::MAX), &i64::from(limit)]).await?;
        rows.into_iter().map(to_access_entry).collect()
    }

    async fn access_log_chain(&self, after: i64, limit: u32) -> StoreResult<Vec<AccessLogEntry>> {
        let client = self.client().await?;
        let sql = format!("SELECT {ACCESS_COLUMNS} FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows = client.query(&sql, &[&after, &i64::from(limit)]).await?;
        rows.into_iter().map(to_access_entry).collect()
    }

    async fn login_throttle(&self, key: &str) -> StoreResult<Option<StoredThrottle>> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT failures, last_failure_at, locked_until, version FROM login_failures WHERE key = $1", &[&key])
            .await?;
        Ok(row.map(|row| StoredThrottle {
            throttle: Throttle {
                failures: u32::try_from(row.get::<_, i32>(0)).unwrap_or(u32::MAX),
                last_failure: row.get(1),
                locked_until: row.get(2),
            },
            version: row.get(3),
        }))
    }

    async fn replace_login_throttle(&self, key: &str, expected: Option<i64>, next: Option<Throttle>) -> StoreResult<bool> {
        let client = self.client().await?;
        let count = |next: &Throttle| i32::try_from(next.failures).unwrap_or(i32::MAX);
        let replaced = match (expected, next) {
            (None, None) => {
                let stored = client.query_opt("SELECT 1 FROM login_failures WHERE key = $1", &[&key]).await?;
                return Ok(stored.is_none());
            }
            (None, Some(next)) => {
                client
                    .execute(
                        "INSERT INTO login_failures (key, failures, last_failure_at, locked_until, version) VALUES ($1, $2, $3, $4, 1)
                         ON CONFLICT (key) DO NOTHING",
                        &[&key, &count(&next), &next.last_failure, &next.locked_until],
                    )
                    .await?
            }
            (Some(version), Some(next)) => {
                client
                    .execute(
                        "UPDATE login_failures SET failures = $2, last_failure_at = $3, locked_until = $4, version = version + 1
                         WHERE key = $1 AND version = $5",
                        &[&key, &count(&next), &next.last_failure, &next.locked_until, &version],
                    )
                    .await?
            }
            (Some(version), None) => {
                client.execute("DELETE FROM login_failures WHERE key = $1 AND version = $2", &[&key, &version]).await?
            }
        };
        Ok(replaced == 1)
    }

    async fn begin_feed_epoch(&self) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Under the feed lock: no commit lands between reading the latest seq and recording it.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK]).await?;
        tx.execute(
            "INSERT INTO feed_epochs (id, starts_after) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) FROM changes))",
            &[&Uuid::now_v7()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn newest_feed_epoch(&self) -> StoreResult<Option<Uuid>> {
        let client = self.client().await?;
        Ok(client.query_opt("SELECT id FROM feed_epochs ORDER BY n DESC LIMIT 1", &[]).await?.map(|row| row.get(0)))
    }

    async fn feed_epoch_holds(&self, epoch: Uuid, cursor: Seq) -> StoreResult<bool> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM feed_epochs WHERE id = $1)
                    AND $2 <= (SELECT COALESCE(MAX(seq), 0) FROM changes)
                    AND $2 <= COALESCE((SELECT MIN(starts_after) FROM feed_epochs
                                        WHERE n > (SELECT n FROM feed_epochs WHERE id = $1)), $2)",
                &[&epoch, &cursor],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn health(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[]).await.map_err(|error| match error.code() {
            Some(state) if *state == SqlState::DATA_CORRUPTED || *state == SqlState::INDEX_CORRUPTED => {
                StoreError::Broken(error.to_string())
            }
            _ => error.into(),
        })?;
        Ok(())
    }

    async fn server_secret(&self, name: &str) -> StoreResult<Vec<u8>> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &random_secret()],
            )
            .await?;
        Ok(client.query_one("SELECT value FROM server_secrets WHERE name = $1", &[&name]).await?.get(0))
    }

    fn follow_other_instances(&self, feed: FeedNotifier) {
        let config = self.config.clone();
        let own = self.own_commits.clone();
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(200);
            while !feed.is_closed() {
                tokio::select! {
                    result = listen(&config, &feed, &own) => {
                        if let Err(error) = result {
                            tracing::warn!(%error, "lost the feed notification connection; reconnecting");
                        }
                    }
                    () = feed.closed() => break,
                }
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = feed.closed() => break,
                }
                pause = (pause * 2).min(Duration::from_secs(10));
            }
        });
    }
}

/// LISTEN on the feed channel and publish every announced seq until the connection ends.
/// Catches up once after LISTEN, so a commit made while reconnecting is not missed.
async fn listen(
    config: &tokio_postgres::Config,
    feed: &FeedNotifier,
    own: &std::sync::Mutex<std::collections::HashSet<Seq>>,
) -> StoreResult<()> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (sender, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if sender.send(notification.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(error) => return Err(StoreError::from(error)),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {FEED_CHANNEL}")).await?;
    let latest: Seq = client.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[]).await?.get(0);
    feed.publish_in_store(latest);
    while let Some(payload) = notifications.recv().await {
        match payload.parse::<Seq>() {
            Ok(seq) if own.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&seq) => {}
            Ok(seq) => feed.publish_in_store(seq),
            Err(_) => tracing::warn!("ignored a malformed feed notification"),
        }
    }
    driver.await.map_err(|e| StoreError::Task(e.to_string()))?
}
