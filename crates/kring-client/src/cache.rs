//! The local cache: synced entities, the feed cursor and the outbox, in one SQLite file.
//!
//! Issue 3 encrypts this file at rest (key in the OS keyring); sealed patient content is stored
//! sealed either way.

use crate::api::ServerUrl;
use crate::error::{ClientError, ClientResult};
use kring_domain::UserId;
use kring_protocol::{ChangeBody, EntityKind, ErrorCode, MutationRequest, Seq, SyncPage};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use uuid::Uuid;

const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../../migrations/cache/0001_init.sql"))];

pub(crate) struct Cache {
    conn: Mutex<Connection>,
}

/// A mutation in the outbox, as the UI shows it ("wordt verzonden", or refused with a reason).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    pub request: MutationRequest,
    /// `None` while waiting to be sent; the server's refusal code once rejected.
    pub rejected: Option<ErrorCode>,
}

impl Cache {
    /// One cache file per server and user, named so neither is readable from the name.
    pub fn file_name(server: &ServerUrl, user: UserId) -> String {
        let digest = Sha256::digest(format!("{}|{user}", server.as_str()).as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("cache-{hex}.sqlite")
    }

    pub fn open(path: &Path) -> ClientResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ClientError::Internal(format!("cache directory: {e}")))?;
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")?;
        for (version, sql) in MIGRATIONS {
            let tx = conn.transaction()?;
            let applied: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| r.get(0))?;
            if !applied {
                tx.execute_batch(sql)?;
                tx.execute("INSERT INTO schema_migrations (version) VALUES (?1)", [version])?;
            }
            tx.commit()?;
        }
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn cursor(&self) -> ClientResult<Seq> {
        let value: Option<String> = self
            .conn()
            .query_row("SELECT value FROM sync_state WHERE key = 'cursor'", [], |row| row.get(0))
            .optional()?;
        value.map_or(Ok(0), |v| v.parse().map_err(|_| ClientError::Internal("corrupt cursor".into())))
    }

    /// Apply a page of changes and move the cursor, in one transaction. A change older than what
    /// the cache holds (a replayed page) is ignored, so applying twice is harmless.
    pub fn apply(&self, page: &SyncPage) -> ClientResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for change in &page.changes {
            let body = serde_json::to_string(&change.body).map_err(|e| ClientError::Internal(e.to_string()))?;
            tx.execute(
                "INSERT INTO entities (kind, id, scope, body, seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, id) DO UPDATE SET scope = excluded.scope, body = excluded.body, seq = excluded.seq
                 WHERE excluded.seq > entities.seq",
                params![change.body.kind().as_str(), change.body.entity_id().to_string(), change.scope.to_string(), body, change.seq],
            )?;
        }
        tx.execute(
            "INSERT INTO sync_state (key, value) VALUES ('cursor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(excluded.value AS INTEGER) > CAST(sync_state.value AS INTEGER)",
            [page.cursor.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// All cached entities of one kind, in feed order.
    pub fn entities(&self, kind: EntityKind) -> ClientResult<Vec<ChangeBody>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached("SELECT body FROM entities WHERE kind = ?1 ORDER BY seq")?;
        let rows = statement.query_map([kind.as_str()], |row| row.get::<_, String>(0))?;
        rows.map(|row| {
            let text = row?;
            serde_json::from_str(&text).map_err(|e| ClientError::Internal(format!("corrupt cache entry: {e}")))
        })
        .collect()
    }

    pub fn enqueue(&self, request: &MutationRequest) -> ClientResult<()> {
        let json = serde_json::to_string(request).map_err(|e| ClientError::Internal(e.to_string()))?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
        self.conn().execute(
            "INSERT INTO outbox (id, request, created_at) VALUES (?1, ?2, ?3)",
            params![request.id.to_string(), json, now],
        )?;
        Ok(())
    }

    /// Mutations still to send, oldest first.
    pub fn pending(&self) -> ClientResult<Vec<OutboxEntry>> {
        Ok(self.outbox()?.into_iter().filter(|entry| entry.rejected.is_none()).collect())
    }

    pub fn outbox(&self) -> ClientResult<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached("SELECT request, error_code FROM outbox ORDER BY position")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)))?;
        rows.map(|row| {
            let (request, error) = row?;
            let corrupt = |e: serde_json::Error| ClientError::Internal(format!("corrupt outbox entry: {e}"));
            Ok(OutboxEntry {
                request: serde_json::from_str(&request).map_err(corrupt)?,
                rejected: error.map(|code| serde_json::from_str(&code)).transpose().map_err(corrupt)?,
            })
        })
        .collect()
    }

    pub fn remove_from_outbox(&self, id: Uuid) -> ClientResult<()> {
        self.conn().execute("DELETE FROM outbox WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    pub fn mark_rejected(&self, id: Uuid, code: ErrorCode) -> ClientResult<()> {
        let code = serde_json::to_string(&code).map_err(|e| ClientError::Internal(e.to_string()))?;
        self.conn().execute(
            "UPDATE outbox SET state = 'rejected', error_code = ?2 WHERE id = ?1",
            params![id.to_string(), code],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kring_domain::{OrganisationId, OrganisationKind, TeamId};
    use kring_protocol::{Change, Mutation, OrganisationEntry, Scope};

    fn org(name: &str, id: OrganisationId) -> ChangeBody {
        ChangeBody::Organisation(OrganisationEntry { id, name: name.into(), kind: OrganisationKind::HomeCare, agb: None, city: "Delft".into() })
    }

    #[test]
    fn applying_a_page_twice_or_out_of_order_keeps_the_newest_state() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let id = OrganisationId::new();
        let newer = SyncPage { changes: vec![Change { seq: 9, scope: Scope::Directory, body: org("Nieuw", id) }], cursor: 9, has_more: false };
        let older = SyncPage { changes: vec![Change { seq: 4, scope: Scope::Directory, body: org("Oud", id) }], cursor: 4, has_more: false };
        cache.apply(&newer).unwrap();
        cache.apply(&older).unwrap();
        cache.apply(&newer).unwrap();
        assert_eq!(cache.entities(EntityKind::Organisation).unwrap(), vec![org("Nieuw", id)]);
        assert_eq!(cache.cursor().unwrap(), 9, "the cursor never moves back");
    }

    #[test]
    fn outbox_survives_reopening_and_keeps_order_and_rejections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        let requests: Vec<MutationRequest> = (0..3)
            .map(|_| MutationRequest { id: Uuid::now_v7(), mutation: Mutation::SetTeamContact { team_id: TeamId::new(), contact: None } })
            .collect();
        {
            let cache = Cache::open(&path).unwrap();
            for request in &requests {
                cache.enqueue(request).unwrap();
            }
            cache.mark_rejected(requests[1].id, ErrorCode::Forbidden).unwrap();
        }
        let cache = Cache::open(&path).unwrap();
        let pending: Vec<Uuid> = cache.pending().unwrap().into_iter().map(|e| e.request.id).collect();
        assert_eq!(pending, vec![requests[0].id, requests[2].id]);
        let all = cache.outbox().unwrap();
        assert_eq!(all[1].rejected, Some(ErrorCode::Forbidden));
        cache.remove_from_outbox(requests[0].id).unwrap();
        assert_eq!(cache.outbox().unwrap().len(), 2);
    }
}
