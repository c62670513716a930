//! SQLite backend: the embedded server's store. One connection behind a mutex, used from
//! blocking tasks; WAL mode so a crash never loses a committed change.

use super::{
    parent_of, random_secret, Commit, Credentials, LoginFailures, Migration, NewSession, RecordedMutation, Store,
    StoreError, StoreResult,
};
use async_trait::async_trait;
use kring_domain::UserId;
use kring_protocol::{Change, ChangeBody, EntityKind, MutationOutcome, Scope, Seq, SyncPage};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: include_str!("../../../../migrations/server/sqlite/0001_init.sql") },
    Migration { version: 2, sql: include_str!("../../../../migrations/server/sqlite/0002_login_throttle.sql") },
];

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Open (or create) the database file and apply pending migrations.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut conn = Connection::open(path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            migrate(&mut conn)?;
            Ok(Self { conn: Arc::new(Mutex::new(conn)) })
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    async fn with_conn<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")?;
    for migration in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [migration.version],
            |row| row.get(0),
        )?;
        if !applied {
            tx.execute_batch(migration.sql)?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES (?1)", [migration.version])?;
            tracing::info!(version = migration.version, "applied sqlite migration");
        }
        tx.commit()?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn rfc3339(at: OffsetDateTime) -> StoreResult<String> {
    at.format(&Rfc3339).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn latest_seq(conn: &Connection) -> StoreResult<Seq> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |row| row.get(0))?)
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

#[async_trait]
impl Store for SqliteStore {
    async fn commit(&self, commit: Commit) -> StoreResult<Seq> {
        self.with_conn(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for credentials in &commit.credentials {
                tx.execute(
                    "INSERT INTO credentials (user_id, username, salt, kdf, auth_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        credentials.user_id.to_string(),
                        credentials.username,
                        credentials.salt,
                        to_json(&credentials.kdf)?,
                        credentials.auth_hash
                    ],
                )
                .map_err(|e| if is_unique_violation(&e) { StoreError::DuplicateUsername } else { e.into() })?;
            }
            let mut last = latest_seq(&tx)?;
            for (scope, body) in &commit.changes {
                let kind = body.kind().as_str();
                let id = body.entity_id().to_string();
                let json = to_json(body)?;
                last = tx.query_row(
                    "INSERT INTO changes (kind, id, scope, body) VALUES (?1, ?2, ?3, ?4) RETURNING seq",
                    params![kind, id, scope.to_string(), json],
                    |row| row.get(0),
                )?;
                tx.execute(
                    "INSERT INTO entities (kind, id, parent, scope, body, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (kind, id) DO UPDATE SET parent = excluded.parent, scope = excluded.scope,
                         body = excluded.body, seq = excluded.seq",
                    params![kind, id, parent_of(body).map(|p| p.to_string()), scope.to_string(), json, last],
                )?;
            }
            if let Some((author, request)) = &commit.mutation {
                let outcome = MutationOutcome::Applied { seq: last };
                tx.execute(
                    "INSERT INTO mutations (id, author, request, outcome) VALUES (?1, ?2, ?3, ?4)",
                    params![request.id.to_string(), author.to_string(), to_json(request)?, to_json(&outcome)?],
                )
                .map_err(|e| if is_unique_violation(&e) { StoreError::DuplicateMutation } else { e.into() })?;
            }
            tx.commit()?;
            Ok(last)
        })
        .await
    }

    async fn entity(&self, kind: EntityKind, id: Uuid) -> StoreResult<Option<ChangeBody>> {
        self.with_conn(move |conn| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM entities WHERE kind = ?1 AND id = ?2",
                    params![kind.as_str(), id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            body.as_deref().map(from_json).transpose()
        })
        .await
    }

    async fn children(&self, kind: EntityKind, parent: Uuid) -> StoreResult<Vec<ChangeBody>> {
        self.with_conn(move |conn| {
            let mut statement =
                conn.prepare_cached("SELECT body FROM entities WHERE kind = ?1 AND parent = ?2 ORDER BY seq")?;
            let rows = statement
                .query_map(params![kind.as_str(), parent.to_string()], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            rows.iter().map(|body| from_json(body)).collect()
        })
        .await
    }

    async fn changes_since(&self, since: Seq, scopes: &[Scope], limit: u32) -> StoreResult<SyncPage> {
        let scopes: Vec<String> = scopes.iter().map(ToString::to_string).collect();
        self.with_conn(move |conn| {
            let latest = latest_seq(conn)?;
            let placeholders = vec!["?"; scopes.len()].join(", ");
            let sql = format!(
                "SELECT seq, scope, body FROM changes WHERE seq > ? AND scope IN ({placeholders}) ORDER BY seq LIMIT ?"
            );
            let mut values: Vec<rusqlite::types::Value> = vec![since.into()];
            values.extend(scopes.into_iter().map(Into::into));
            values.push(i64::from(limit).into());
            let mut statement = conn.prepare(&sql)?;
            let rows = statement
                .query_map(params_from_iter(values), |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let has_more = rows.len() == limit as usize;
            let changes = rows
                .into_iter()
                .map(|(seq, scope, body)| {
                    let scope = Scope::try_from(scope).map_err(StoreError::Corrupt)?;
                    Ok(Change { seq, scope, body: from_json(&body)? })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let cursor = match (has_more, changes.last()) {
                (true, Some(last)) => last.seq,
                _ => latest.max(since),
            };
            Ok(SyncPage { changes, cursor, has_more })
        })
        .await
    }

    async fn latest_seq(&self) -> StoreResult<Seq> {
        self.with_conn(|conn| latest_seq(conn)).await
    }

    async fn recorded_mutation(&self, id: Uuid) -> StoreResult<Option<RecordedMutation>> {
        self.with_conn(move |conn| {
            let row: Option<(String, String, String)> = conn
                .query_row("SELECT author, request, outcome FROM mutations WHERE id = ?1", [id.to_string()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            row.map(|(author, request, outcome)| {
                Ok(RecordedMutation {
                    author: UserId(parse_uuid(&author)?),
                    request: from_json(&request)?,
                    outcome: from_json(&outcome)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        let username = username.to_owned();
        self.with_conn(move |conn| {
            let row: Option<(String, String, String, String, bool)> = conn
                .query_row(
                    "SELECT user_id, salt, kdf, auth_hash, active FROM credentials WHERE username = ?1",
                    [username],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
                )
                .optional()?;
            row.map(|(user_id, salt, kdf, auth_hash, active)| {
                Ok(Credentials { user_id: UserId(parse_uuid(&user_id)?), salt, kdf: from_json(&kdf)?, auth_hash, active })
            })
            .transpose()
        })
        .await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, device_name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    session.token_hash.to_vec(),
                    session.user_id.to_string(),
                    session.device_name,
                    rfc3339(session.created_at)?,
                    rfc3339(session.expires_at)?
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_user(&self, token_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<UserId>> {
        self.with_conn(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT s.user_id, s.expires_at FROM sessions s JOIN credentials c ON c.user_id = s.user_id
                     WHERE s.token_hash = ?1 AND s.revoked = 0 AND c.active = 1",
                    [token_hash.to_vec()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((user_id, expires_at)) = row else { return Ok(None) };
            let expires_at =
                OffsetDateTime::parse(&expires_at, &Rfc3339).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((expires_at > now).then_some(UserId(parse_uuid(&user_id)?)))
        })
        .await
    }

    async fn revoke_session(&self, token_hash: [u8; 32]) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", [token_hash.to_vec()])?;
            Ok(())
        })
        .await
    }

    async fn login_failures(&self, key: &str) -> StoreResult<LoginFailures> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            let row: Option<(u32, Option<String>)> = conn
                .query_row("SELECT failures, locked_until FROM login_failures WHERE key = ?1", [key], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            let Some((failures, locked_until)) = row else { return Ok(LoginFailures::default()) };
            let locked_until = locked_until
                .map(|text| OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()?;
            Ok(LoginFailures { failures, locked_until })
        })
        .await
    }

    async fn add_login_failure(&self, key: &str) -> StoreResult<u32> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            Ok(conn.query_row(
                "INSERT INTO login_failures (key, failures) VALUES (?1, 1)
                 ON CONFLICT (key) DO UPDATE SET failures = failures + 1 RETURNING failures",
                [key],
                |row| row.get(0),
            )?)
        })
        .await
    }

    async fn lock_login(&self, key: &str, until: OffsetDateTime) -> StoreResult<()> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            conn.execute("UPDATE login_failures SET locked_until = ?2 WHERE key = ?1", params![key, rfc3339(until)?])?;
            Ok(())
        })
        .await
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            conn.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }

    async fn server_secret(&self, name: &str) -> StoreResult<Vec<u8>> {
        let name = name.to_owned();
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO server_secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                params![name, random_secret()],
            )?;
            Ok(conn.query_row("SELECT value FROM server_secrets WHERE name = ?1", [name], |row| row.get(0))?)
        })
        .await
    }
}
