//! SQLite backend: the embedded server's store. One connection behind a mutex, used from
//! blocking tasks; WAL mode so a crash never loses a committed change.

use super::{
    parent_of, random_secret, AttachmentChunk, AttachmentUpload, Commit, Credentials, LeasedJob, LiveSession, LoginUpdate,
    Migration, NewSession, RecordedMutation, SessionTokens, Store, StoreError, StoreResult, StoredChallenge, StoredThrottle,
};
use crate::chain::{entry_hash, hex, GENESIS};
use async_trait::async_trait;
use kring_domain::{AccessKind, CodeChallenge, OrganisationId, PatientId, Throttle, UserId};
use kring_protocol::access_log::AccessLogEntry;
use kring_protocol::{Change, ChangeBody, EntityKind, MutationOutcome, Scope, Seq, SyncPage};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

mod rows;
use rows::*;

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: include_str!("../../../../../migrations/server/sqlite/0001_init.sql") },
    Migration { version: 2, sql: include_str!("../../../../../migrations/server/sqlite/0002_login_throttle.sql") },
    Migration { version: 3, sql: include_str!("../../../../../migrations/server/sqlite/0003_accounts_security.sql") },
    Migration { version: 4, sql: include_str!("../../../../../migrations/server/sqlite/0004_staff.sql") },
    Migration { version: 5, sql: include_str!("../../../../../migrations/server/sqlite/0005_his_launch.sql") },
    Migration { version: 6, sql: include_str!("../../../../../migrations/server/sqlite/0006_attachments.sql") },
    Migration { version: 7, sql: include_str!("../../../../../migrations/server/sqlite/0007_hardening.sql") },
];

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// A second connection for the hot reads (entities, feed pages, sessions): with WAL it reads
    /// the latest committed state while the writer waits on its fsync.
    reader: Arc<Mutex<Connection>>,
    /// Commits waiting to be written. Whoever holds the connection next writes all of them in one
    /// transaction, each in its own savepoint (group commit): one fsync for the commits that
    /// queued up meanwhile, while each stays atomic on its own.
    pending: Arc<Mutex<Vec<PendingCommit>>>,
    /// Why the database is broken, once an integrity check or a query found it corrupt: from
    /// then on every call through the writer is refused, so nothing is written into a damaged
    /// file and `/health` says so.
    broken: Arc<Mutex<Option<String>>>,
}

type PendingCommit = (Commit, tokio::sync::oneshot::Sender<StoreResult<Seq>>);

impl SqliteStore {
    /// Open (or create) the database file and apply pending migrations.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut conn = Connection::open(&path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            migrate(&mut conn)?;
            let broken = integrity_problem(&conn);
            if let Some(problem) = &broken {
                tracing::error!(%problem, "the database failed its integrity check; writes are refused until it is restored");
            }
            let reader = Connection::open(&path)?;
            reader.pragma_update(None, "query_only", "ON")?;
            reader.busy_timeout(std::time::Duration::from_secs(5))?;
            Ok(Self {
                conn: Arc::new(Mutex::new(conn)),
                reader: Arc::new(Mutex::new(reader)),
                pending: Arc::default(),
                broken: Arc::new(Mutex::new(broken)),
            })
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Run `f` on the writer connection; refused once the database is known to be broken.
    async fn with_conn<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        if let Some(problem) = self.broken() {
            return Err(StoreError::Broken(problem));
        }
        self.noticing_corruption(Self::on(Arc::clone(&self.conn), f).await)
    }

    /// Run a read on the reader connection; refused too once the database is known to be broken
    /// (a damaged file can answer wrongly as well as fail).
    async fn with_reader<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        if let Some(problem) = self.broken() {
            return Err(StoreError::Broken(problem));
        }
        self.noticing_corruption(Self::on(Arc::clone(&self.reader), f).await)
    }

    fn broken(&self) -> Option<String> {
        self.broken.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A corrupt page found in use (reading or writing) marks the store broken, like a failed
    /// check at start.
    fn noticing_corruption<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        let problem = match &result {
            Err(StoreError::Sqlite(error)) if is_corrupt(error) => error.to_string(),
            Err(StoreError::Broken(problem)) => problem.clone(),
            _ => return result,
        };
        let mut broken = self.broken.lock().unwrap_or_else(PoisonError::into_inner);
        if broken.is_none() {
            tracing::error!(%problem, "the database is corrupt; nothing is read or written until it is restored");
            *broken = Some(problem.clone());
        }
        Err(StoreError::Broken(problem))
    }

    async fn on<T, F>(conn: Arc<Mutex<Connection>>, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn commit(&self, commit: Commit) -> StoreResult<Seq> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).push((commit, reply));
        let pending = Arc::clone(&self.pending);
        self.with_conn(move |conn| {
            let batch = std::mem::take(&mut *pending.lock().unwrap_or_else(PoisonError::into_inner));
            if batch.is_empty() {
                // An earlier holder of the connection wrote this commit with its own.
                return Ok(());
            }
            let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut results = Vec::with_capacity(batch.len());
            for (commit, reply) in batch {
                let savepoint = tx.savepoint()?;
                let result = write_commit(&savepoint, &commit);
                if result.is_ok() {
                    savepoint.commit()?;
                }
                // A failed commit's savepoint rolls back when dropped; the others stay.
                results.push((reply, result));
            }
            match tx.commit() {
                Ok(()) => {
                    for (reply, result) in results {
                        let _ = reply.send(result);
                    }
                }
                Err(error) => {
                    let corrupt = is_corrupt(&error);
                    for (reply, _) in results {
                        let failure = format!("commit failed: {error}");
                        let _ = reply.send(Err(if corrupt { StoreError::Broken(failure) } else { StoreError::Task(failure) }));
                    }
                }
            }
            Ok(())
        })
        .await?;
        let result = answer.await.map_err(|_| StoreError::Task("the commit was dropped".into()))?;
        self.noticing_corruption(result)
    }

    async fn entity(&self, kind: EntityKind, id: Uuid) -> StoreResult<Option<ChangeBody>> {
        self.with_reader(move |conn| {
            let body: Option<String> = conn
                .prepare_cached("SELECT body FROM entities WHERE kind = ?1 AND id = ?2")?
                .query_row(params![kind.as_str(), id.to_string()], |row| row.get(0))
                .optional()?;
            body.as_deref().map(from_json).transpose()
        })
        .await
    }

    async fn entities_by_id(&self, kind: EntityKind, ids: &[Uuid]) -> StoreResult<Vec<ChangeBody>> {
        let ids = serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.with_reader(move |conn| {
            let mut statement =
                conn.prepare_cached("SELECT body FROM entities WHERE kind = ?1 AND id IN (SELECT value FROM json_each(?2))")?;
            let rows = statement
                .query_map(params![kind.as_str(), ids], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            rows.iter().map(|body| from_json(body)).collect()
        })
        .await
    }

    async fn children(&self, kind: EntityKind, parent: Uuid) -> StoreResult<Vec<ChangeBody>> {
        self.with_reader(move |conn| {
            let mut statement = conn.prepare_cached("SELECT body FROM entities WHERE kind = ?1 AND parent = ?2 ORDER BY seq")?;
            let rows = statement
                .query_map(params![kind.as_str(), parent.to_string()], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            rows.iter().map(|body| from_json(body)).collect()
        })
        .await
    }

    async fn changes_since(&self, since: Seq, scopes: &[Scope], limit: u32) -> StoreResult<SyncPage> {
        let scopes: Vec<String> = scopes.iter().map(ToString::to_string).collect();
        self.with_reader(move |conn| {
            let latest = latest_seq(conn)?;
            let placeholders = vec!["?"; scopes.len()].join(", ");
            let sql =
                format!("SELECT seq, scope, body FROM changes WHERE seq > ? AND scope IN ({placeholders}) ORDER BY seq LIMIT ?");
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
        self.with_reader(|conn| latest_seq(conn)).await
    }

    async fn recorded_mutation(&self, id: Uuid) -> StoreResult<Option<RecordedMutation>> {
        self.with_reader(move |conn| {
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
        self.with_conn(move |conn| read_credentials(conn, "username", username)).await
    }

    async fn credentials_of(&self, user: UserId) -> StoreResult<Option<Credentials>> {
        self.with_conn(move |conn| read_credentials(conn, "user_id", user.to_string())).await
    }

    async fn update_login(&self, user: UserId, update: LoginUpdate) -> StoreResult<()> {
        self.with_conn(move |conn| write_login(conn, user, &update)).await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        self.with_conn(move |conn| {
            let tokens = session.tokens;
            conn.execute(
                "INSERT INTO sessions (id, user_id, device_name, created_at, access_hash, access_expires_at,
                     refresh_hash, refresh_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    session.id.to_string(),
                    session.user_id.to_string(),
                    session.device_name,
                    rfc3339(session.created_at)?,
                    tokens.access_hash.to_vec(),
                    rfc3339(tokens.access_expires_at)?,
                    tokens.refresh_hash.to_vec(),
                    rfc3339(tokens.refresh_expires_at)?
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_by_access(&self, access_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<LiveSession>> {
        self.with_reader(move |conn| {
            let row: Option<(String, String, String, String, bool)> = conn
                .query_row(
                    "SELECT s.id, s.user_id, s.device_name, s.access_expires_at, c.must_change_password
                     FROM sessions s JOIN credentials c ON c.user_id = s.user_id
                     WHERE s.access_hash = ?1 AND s.revoked = 0 AND c.active = 1",
                    [access_hash.to_vec()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
                )
                .optional()?;
            let Some((id, user_id, device_name, expires_at, must_change_password)) = row else { return Ok(None) };
            if parse_time(&expires_at)? <= now {
                return Ok(None);
            }
            Ok(Some(LiveSession {
                id: parse_uuid(&id)?,
                user_id: UserId(parse_uuid(&user_id)?),
                device_name,
                must_change_password,
            }))
        })
        .await
    }

    async fn rotate_session(
        &self,
        refresh_hash: [u8; 32],
        now: OffsetDateTime,
        next: SessionTokens,
    ) -> StoreResult<Option<UserId>> {
        self.with_conn(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT s.user_id, s.refresh_expires_at FROM sessions s JOIN credentials c ON c.user_id = s.user_id
                     WHERE s.refresh_hash = ?1 AND s.revoked = 0 AND c.active = 1",
                    [refresh_hash.to_vec()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((user_id, expires_at)) = row else { return Ok(None) };
            if parse_time(&expires_at)? <= now {
                return Ok(None);
            }
            tx.execute(
                "UPDATE sessions SET access_hash = ?2, access_expires_at = ?3, refresh_hash = ?4, refresh_expires_at = ?5
                 WHERE refresh_hash = ?1",
                params![
                    refresh_hash.to_vec(),
                    next.access_hash.to_vec(),
                    rfc3339(next.access_expires_at)?,
                    next.refresh_hash.to_vec(),
                    rfc3339(next.refresh_expires_at)?
                ],
            )?;
            tx.commit()?;
            Ok(Some(UserId(parse_uuid(&user_id)?)))
        })
        .await
    }

    async fn revoke_session(&self, id: Uuid) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute("UPDATE sessions SET revoked = 1 WHERE id = ?1", [id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn revoke_sessions_of(&self, user: UserId, keep: Option<Uuid>) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute(
                "UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND id IS NOT ?2",
                params![user.to_string(), keep.map(|id| id.to_string())],
            )?;
            Ok(())
        })
        .await
    }

    async fn create_challenge(&self, challenge: StoredChallenge) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO code_challenges (id, user_id, username, device_name, code_hash, issued_at, wrong_attempts, used)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    challenge.id.to_string(),
                    challenge.user_id.to_string(),
                    challenge.username,
                    challenge.device_name,
                    challenge.code_hash.to_vec(),
                    rfc3339(challenge.state.issued_at)?,
                    challenge.state.wrong_attempts,
                    challenge.state.used
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn challenge(&self, id: Uuid) -> StoreResult<Option<StoredChallenge>> {
        self.with_conn(move |conn| {
            let row: Option<(String, String, String, Vec<u8>, String, u32, bool)> = conn
                .query_row(
                    "SELECT user_id, username, device_name, code_hash, issued_at, wrong_attempts, used
                     FROM code_challenges WHERE id = ?1",
                    [id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?)),
                )
                .optional()?;
            row.map(|(user_id, username, device_name, code_hash, issued_at, wrong_attempts, used)| {
                Ok(StoredChallenge {
                    id,
                    user_id: UserId(parse_uuid(&user_id)?),
                    username,
                    device_name,
                    code_hash: hash32(code_hash)?,
                    state: CodeChallenge { issued_at: parse_time(&issued_at)?, wrong_attempts, used },
                })
            })
            .transpose()
        })
        .await
    }

    async fn update_challenge(&self, id: Uuid, from: CodeChallenge, to: CodeChallenge) -> StoreResult<bool> {
        self.with_conn(move |conn| {
            let changed = conn.execute(
                "UPDATE code_challenges SET wrong_attempts = ?4, used = ?5
                 WHERE id = ?1 AND wrong_attempts = ?2 AND used = ?3",
                params![id.to_string(), from.wrong_attempts, from.used, to.wrong_attempts, to.used],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn entities_of_kind(&self, kind: EntityKind) -> StoreResult<Vec<ChangeBody>> {
        self.with_conn(move |conn| {
            let mut statement = conn.prepare_cached("SELECT body FROM entities WHERE kind = ?1 ORDER BY seq")?;
            let rows = statement.query_map([kind.as_str()], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            rows.iter().map(|body| from_json(body)).collect()
        })
        .await
    }

    async fn set_account_active(&self, user: UserId, active: bool) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute("UPDATE credentials SET active = ?2 WHERE user_id = ?1", params![user.to_string(), active])?;
            Ok(())
        })
        .await
    }

    async fn peek_activation(&self, token_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<(UserId, Uuid)>> {
        self.with_conn(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT user_id, request_id FROM activation_tokens WHERE token_hash = ?1 AND used = 0 AND expires_at > ?2",
                    params![token_hash.to_vec(), rfc3339(now)?],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            row.map(|(user, request)| Ok((UserId(parse_uuid(&user)?), parse_uuid(&request)?))).transpose()
        })
        .await
    }

    async fn lease_due_job(&self, now: OffsetDateTime, lease_until: OffsetDateTime) -> StoreResult<Option<LeasedJob>> {
        self.with_conn(move |conn| {
            let now = rfc3339(now)?;
            let row: Option<(String, String, String)> = conn
                .query_row(
                    "UPDATE jobs SET leased_until = ?2 WHERE id = (
                         SELECT id FROM jobs WHERE done = 0 AND run_at <= ?1
                             AND (leased_until IS NULL OR leased_until <= ?1)
                         ORDER BY run_at LIMIT 1)
                     RETURNING id, kind, payload",
                    params![now, rfc3339(lease_until)?],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            row.map(|(id, kind, payload)| Ok(LeasedJob { id: parse_uuid(&id)?, kind, payload: from_json(&payload)? })).transpose()
        })
        .await
    }

    async fn finish_job(&self, id: Uuid) -> StoreResult<()> {
        self.with_conn(move |conn| {
            // The payload may hold a secret (an invitation's token): gone once the job is done.
            conn.execute("UPDATE jobs SET done = 1, payload = 'null' WHERE id = ?1", [id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn register_his_bridge(&self, id: &str, organisation: OrganisationId, public_key: &str) -> StoreResult<()> {
        let (id, public_key) = (id.to_owned(), public_key.to_owned());
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO his_bridges (id, organisation_id, public_key) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET organisation_id = excluded.organisation_id, public_key = excluded.public_key",
                params![id, organisation.to_string(), public_key],
            )?;
            Ok(())
        })
        .await
    }

    async fn his_bridge(&self, id: &str) -> StoreResult<Option<(OrganisationId, String)>> {
        let id = id.to_owned();
        self.with_conn(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row("SELECT organisation_id, public_key FROM his_bridges WHERE id = ?1", [id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            row.map(|(org, key)| Ok((OrganisationId(parse_uuid(&org)?), key))).transpose()
        })
        .await
    }

    async fn put_attachment_chunk(&self, chunk: AttachmentChunk) -> StoreResult<()> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO attachment_chunks (attachment_id, idx, conversation_id, uploaded_by, data) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (attachment_id, idx) DO NOTHING",
                params![
                    chunk.attachment_id.to_string(),
                    chunk.index,
                    chunk.conversation_id.to_string(),
                    chunk.uploaded_by.to_string(),
                    chunk.data
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn attachment_chunk(&self, attachment: Uuid, index: u32) -> StoreResult<Option<AttachmentChunk>> {
        self.with_reader(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT conversation_id, uploaded_by, data FROM attachment_chunks WHERE attachment_id = ?1 AND idx = ?2",
                )?
                .query_row(params![attachment.to_string(), index], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, Vec<u8>>(2)?))
                })
                .optional()?;
            row.map(|(conversation, uploader, data)| {
                Ok(AttachmentChunk {
                    attachment_id: attachment,
                    index,
                    conversation_id: kring_domain::ConversationId(parse_uuid(&conversation)?),
                    uploaded_by: UserId(parse_uuid(&uploader)?),
                    data,
                })
            })
            .transpose()
        })
        .await
    }

    async fn attachment_upload(&self, attachment: Uuid) -> StoreResult<Option<AttachmentUpload>> {
        self.with_reader(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT MIN(conversation_id), MIN(uploaded_by), COUNT(*) FROM attachment_chunks WHERE attachment_id = ?1
                     HAVING COUNT(*) > 0",
                )?
                .query_row(params![attachment.to_string()], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, u32>(2)?))
                })
                .optional()?;
            row.map(|(conversation, uploader, chunks)| {
                Ok(AttachmentUpload {
                    conversation_id: kring_domain::ConversationId(parse_uuid(&conversation)?),
                    uploaded_by: UserId(parse_uuid(&uploader)?),
                    chunks,
                })
            })
            .transpose()
        })
        .await
    }

    async fn use_launch_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<bool> {
        let jti = jti.to_owned();
        self.with_conn(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO used_launch_tokens (jti, expires_at) VALUES (?1, ?2) ON CONFLICT (jti) DO NOTHING",
                params![jti, rfc3339(expires_at)?],
            )?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn access_log(
        &self,
        organisation: OrganisationId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AccessLogEntry>> {
        self.with_reader(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {ACCESS_COLUMNS} FROM access_log WHERE organisation_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"
            ))?;
            let rows = statement
                .query_map(params![organisation.to_string(), before.unwrap_or(i64::MAX), limit], access_entry)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(to_access_entry).collect()
        })
        .await
    }

    async fn access_log_chain(&self, after: i64, limit: u32) -> StoreResult<Vec<AccessLogEntry>> {
        self.with_reader(move |conn| {
            let mut statement =
                conn.prepare_cached(&format!("SELECT {ACCESS_COLUMNS} FROM access_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"))?;
            let rows = statement.query_map(params![after, limit], access_entry)?.collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(to_access_entry).collect()
        })
        .await
    }

    async fn login_throttle(&self, key: &str) -> StoreResult<Option<StoredThrottle>> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            let row: Option<(u32, Option<String>, Option<String>, i64)> = conn
                .query_row(
                    "SELECT failures, last_failure_at, locked_until, version FROM login_failures WHERE key = ?1",
                    [key],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let Some((failures, last, locked, version)) = row else { return Ok(None) };
            let throttle = Throttle {
                failures,
                last_failure: last.as_deref().map(parse_time).transpose()?,
                locked_until: locked.as_deref().map(parse_time).transpose()?,
            };
            Ok(Some(StoredThrottle { throttle, version }))
        })
        .await
    }

    async fn replace_login_throttle(&self, key: &str, expected: Option<i64>, next: Option<Throttle>) -> StoreResult<bool> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            let time = |at: Option<OffsetDateTime>| at.map(rfc3339).transpose();
            let replaced = match (expected, next) {
                (None, None) => {
                    let stored: i64 = conn.query_row("SELECT COUNT(*) FROM login_failures WHERE key = ?1", [&key], |row| row.get(0))?;
                    return Ok(stored == 0);
                }
                (None, Some(next)) => conn.execute(
                    "INSERT INTO login_failures (key, failures, last_failure_at, locked_until, version) VALUES (?1, ?2, ?3, ?4, 1)
                     ON CONFLICT (key) DO NOTHING",
                    params![key, next.failures, time(next.last_failure)?, time(next.locked_until)?],
                )?,
                (Some(version), Some(next)) => conn.execute(
                    "UPDATE login_failures SET failures = ?2, last_failure_at = ?3, locked_until = ?4, version = version + 1
                     WHERE key = ?1 AND version = ?5",
                    params![key, next.failures, time(next.last_failure)?, time(next.locked_until)?, version],
                )?,
                (Some(version), None) => {
                    conn.execute("DELETE FROM login_failures WHERE key = ?1 AND version = ?2", params![key, version])?
                }
            };
            Ok(replaced == 1)
        })
        .await
    }

    async fn begin_feed_epoch(&self) -> StoreResult<()> {
        self.with_conn(|conn| {
            conn.execute(
                "INSERT INTO feed_epochs (id, starts_after) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) FROM changes))",
                [Uuid::now_v7().to_string()],
            )?;
            Ok(())
        })
        .await
    }

    async fn newest_feed_epoch(&self) -> StoreResult<Option<Uuid>> {
        self.with_reader(|conn| {
            let id: Option<String> =
                conn.query_row("SELECT id FROM feed_epochs ORDER BY n DESC LIMIT 1", [], |row| row.get(0)).optional()?;
            id.as_deref().map(parse_uuid).transpose()
        })
        .await
    }

    async fn feed_epoch_holds(&self, epoch: Uuid, cursor: Seq) -> StoreResult<bool> {
        self.with_reader(move |conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM feed_epochs WHERE id = ?1)
                    AND ?2 <= (SELECT COALESCE(MAX(seq), 0) FROM changes)
                    AND ?2 <= COALESCE((SELECT MIN(starts_after) FROM feed_epochs
                                        WHERE n > (SELECT n FROM feed_epochs WHERE id = ?1)), ?2)",
                params![epoch.to_string(), cursor],
                |row| row.get(0),
            )?)
        })
        .await
    }

    async fn health(&self) -> StoreResult<()> {
        self.with_reader(|conn| {
            conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |row| row.get::<_, i64>(0))?;
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
