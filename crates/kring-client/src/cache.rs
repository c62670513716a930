//! The local cache: synced entities, the feed cursor and the outbox, in one SQLite file.
//!
//! Encrypted at rest: every entity body and outbox request is sealed (XChaCha20-Poly1305) with a
//! key kept in the OS keyring, bound to its row (kind and id), so rows cannot be read or swapped
//! without the key. Readable without it: entity kinds, ids and seqs, the cursor, outbox ids. End-
//! to-end encrypted patient content arrives sealed to a vault and is stored sealed twice.

use crate::api::ServerUrl;
use crate::error::{ClientError, ClientResult};
use crate::secrets::{Keyring, Secret};
use base64::Engine;
use kring_domain::{ConversationId, UserId};
use kring_protocol::access_log::ChainHead;
use kring_protocol::{ChangeBody, EntityKind, ErrorCode, MutationRequest, Seq, SyncPage};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use uuid::Uuid;
use zeroize::Zeroizing;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/cache/0001_init.sql")),
    (2, include_str!("../../../migrations/cache/0002_encrypt_at_rest.sql")),
    (3, include_str!("../../../migrations/cache/0003_entity_parent.sql")),
    (4, include_str!("../../../migrations/cache/0004_pending_history.sql")),
    (5, include_str!("../../../migrations/cache/0005_entity_seq.sql")),
];

pub(crate) struct Cache {
    conn: Mutex<Connection>,
    key: Zeroizing<[u8; 32]>,
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

    /// Open the cache at `path` with its key from the keyring. A cache whose key is gone (the
    /// kernel keyring empties at reboot) cannot be read: it is removed and synced anew.
    pub fn open(path: &Path, keyring: &std::sync::Arc<dyn Keyring>) -> ClientResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ClientError::Internal(format!("cache directory: {e}")))?;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (key, new_key) = Secret::new(keyring, &format!("cache-key:{name}")).key()?;
        if new_key {
            for suffix in ["", "-wal", "-shm"] {
                let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
                match std::fs::remove_file(&file) {
                    Ok(()) => tracing::info!("removed a cache whose key is gone; syncing anew"),
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(ClientError::Internal(format!("removing an unreadable cache: {error}"))),
                }
            }
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
        Ok(Self { conn: Mutex::new(conn), key })
    }

    fn seal<T: serde::Serialize>(&self, context: &str, value: &T) -> ClientResult<String> {
        let json = Zeroizing::new(serde_json::to_vec(value).map_err(|e| ClientError::Internal(e.to_string()))?);
        let sealed = kring_crypto::seal_with_key(&self.key, context.as_bytes(), &json)?;
        Ok(base64::engine::general_purpose::STANDARD_NO_PAD.encode(sealed))
    }

    fn open_row<T: serde::de::DeserializeOwned>(&self, context: &str, stored: &str) -> ClientResult<T> {
        let corrupt = |what: String| ClientError::Internal(format!("unreadable cache row: {what}"));
        let sealed = base64::engine::general_purpose::STANDARD_NO_PAD.decode(stored).map_err(|e| corrupt(e.to_string()))?;
        let json = kring_crypto::open_with_key(&self.key, context.as_bytes(), &sealed).map_err(|e| corrupt(e.to_string()))?;
        serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn cursor(&self) -> ClientResult<Seq> {
        let value: Option<String> =
            self.conn().query_row("SELECT value FROM sync_state WHERE key = 'cursor'", [], |row| row.get(0)).optional()?;
        value.map_or(Ok(0), |v| v.parse().map_err(|_| ClientError::Internal("corrupt cursor".into())))
    }

    /// The newest link of the server's access-log chain this client has seen (SEC-2): the next
    /// view checks that the chain still holds it.
    pub fn access_log_head(&self) -> ClientResult<Option<ChainHead>> {
        let value: Option<String> = self
            .conn()
            .query_row("SELECT value FROM sync_state WHERE key = 'access_log_head'", [], |row| row.get(0))
            .optional()?;
        let Some(value) = value else { return Ok(None) };
        let (seq, hash) = value.split_once(':').ok_or_else(|| ClientError::Internal("corrupt access log head".into()))?;
        let seq = seq.parse().map_err(|_| ClientError::Internal("corrupt access log head".into()))?;
        Ok(Some(ChainHead { seq, hash: hash.to_owned() }))
    }

    /// Keep `head` as the newest link seen, unless a newer one is kept already.
    pub fn keep_access_log_head(&self, head: &ChainHead) -> ClientResult<()> {
        self.conn().execute(
            "INSERT INTO sync_state (key, value) VALUES ('access_log_head', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(substr(excluded.value, 1, instr(excluded.value, ':') - 1) AS INTEGER)
                 >= CAST(substr(sync_state.value, 1, instr(sync_state.value, ':') - 1) AS INTEGER)",
            [format!("{}:{}", head.seq, head.hash)],
        )?;
        Ok(())
    }

    /// The feed epoch the cursor belongs to (`None` before the first page or after a restart).
    pub fn feed_epoch(&self) -> ClientResult<Option<Uuid>> {
        let value: Option<String> =
            self.conn().query_row("SELECT value FROM sync_state WHERE key = 'feed_epoch'", [], |row| row.get(0)).optional()?;
        value.map(|v| Uuid::parse_str(&v).map_err(|_| ClientError::Internal("corrupt feed epoch".into()))).transpose()
    }

    /// Apply a page of changes and move the cursor (with the epoch it belongs to, when it comes
    /// from the feed), in one transaction; `history` are conversations whose older messages are
    /// still to be fetched. A change older than what the cache holds (a replayed page) is
    /// ignored, so applying twice is harmless.
    pub fn apply(&self, page: &SyncPage, epoch: Option<Uuid>, history: &[ConversationId]) -> ClientResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        self.write_entities(&tx, page)?;
        tx.execute(
            "INSERT INTO sync_state (key, value) VALUES ('cursor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(excluded.value AS INTEGER) > CAST(sync_state.value AS INTEGER)",
            [page.cursor.to_string()],
        )?;
        if let Some(epoch) = epoch {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES ('feed_epoch', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [epoch.to_string()],
            )?;
        }
        for conversation in history {
            tx.execute(
                "INSERT INTO pending_history (conversation_id) VALUES (?1) ON CONFLICT DO NOTHING",
                [conversation.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Upsert a page's entities; a change older than what the cache holds is ignored.
    fn write_entities(&self, tx: &rusqlite::Transaction<'_>, page: &SyncPage) -> ClientResult<()> {
        for change in &page.changes {
            let (kind, id) = (change.body.kind().as_str(), change.body.entity_id().to_string());
            let body = self.seal(&entity_context(kind, &id), &change.body)?;
            tx.execute(
                "INSERT INTO entities (kind, id, parent, scope, body, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (kind, id) DO UPDATE SET scope = excluded.scope, body = excluded.body, seq = excluded.seq
                 WHERE excluded.seq > entities.seq",
                params![kind, id, parent_of(&change.body), change.scope.to_string(), body, change.seq],
            )?;
        }
        Ok(())
    }

    /// Conversations whose history is still to be fetched.
    pub fn pending_history(&self) -> ClientResult<Vec<ConversationId>> {
        let conn = self.conn();
        let mut statement = conn.prepare("SELECT conversation_id FROM pending_history")?;
        let ids = statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        ids.iter()
            .map(|id| {
                Uuid::parse_str(id).map(ConversationId).map_err(|_| ClientError::Internal("corrupt pending history".into()))
            })
            .collect()
    }

    /// Store a conversation's history and take it off the list, in one transaction.
    pub fn apply_history(&self, conversation: ConversationId, page: &SyncPage) -> ClientResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        self.write_entities(&tx, page)?;
        tx.execute("DELETE FROM pending_history WHERE conversation_id = ?1", [conversation.to_string()])?;
        tx.commit()?;
        Ok(())
    }

    /// The server no longer holds this cache's place in its feed (a restored database): forget
    /// every synced entity and the cursor, and sync from the start. The outbox stays (its
    /// mutations are idempotent), and so does the access-log head (SEC-2). Until the first full
    /// sync is done ([`Cache::rebuilding`]), every conversation's history is fetched again.
    pub fn restart_feed(&self) -> ClientResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM entities", [])?;
        tx.execute("DELETE FROM sync_state WHERE key IN ('cursor', 'feed_epoch')", [])?;
        tx.execute(
            "INSERT INTO sync_state (key, value) VALUES ('rebuilding', '1') ON CONFLICT (key) DO UPDATE SET value = '1'",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the cache is being filled again after [`Cache::restart_feed`].
    pub fn rebuilding(&self) -> ClientResult<bool> {
        let value: Option<String> =
            self.conn().query_row("SELECT value FROM sync_state WHERE key = 'rebuilding'", [], |row| row.get(0)).optional()?;
        Ok(value.is_some())
    }

    pub fn finish_rebuild(&self) -> ClientResult<()> {
        self.conn().execute("DELETE FROM sync_state WHERE key = 'rebuilding'", [])?;
        Ok(())
    }

    /// All cached entities of one kind, in feed order.
    pub fn entities(&self, kind: EntityKind) -> ClientResult<Vec<ChangeBody>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached("SELECT id, body FROM entities WHERE kind = ?1 ORDER BY seq")?;
        let rows = statement.query_map([kind.as_str()], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (id, body) = row?;
            self.open_row(&entity_context(kind.as_str(), &id), &body)
        })
        .collect()
    }

    /// The cached entities of `kind` under `parent` (a conversation's messages), in feed order.
    pub fn children(&self, kind: EntityKind, parent: Uuid) -> ClientResult<Vec<ChangeBody>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached("SELECT id, body FROM entities WHERE kind = ?1 AND parent = ?2 ORDER BY seq")?;
        let rows = statement.query_map(params![kind.as_str(), parent.to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        rows.map(|row| {
            let (id, body) = row?;
            self.open_row(&entity_context(kind.as_str(), &id), &body)
        })
        .collect()
    }

    /// The newest seq among the cached entities of `kinds` (0 when there are none): what a read
    /// model built from those kinds compares to know whether it is still current.
    pub fn latest_seq_of(&self, kinds: &[EntityKind]) -> ClientResult<Seq> {
        let conn = self.conn();
        let mut latest = 0;
        for kind in kinds {
            let seq: Option<Seq> =
                conn.query_row("SELECT MAX(seq) FROM entities WHERE kind = ?1", [kind.as_str()], |row| row.get(0))?;
            latest = latest.max(seq.unwrap_or(0));
        }
        Ok(latest)
    }

    /// One cached entity.
    pub fn entity(&self, kind: EntityKind, id: Uuid) -> ClientResult<Option<ChangeBody>> {
        let id = id.to_string();
        let body: Option<String> = self
            .conn()
            .query_row("SELECT body FROM entities WHERE kind = ?1 AND id = ?2", params![kind.as_str(), id], |row| row.get(0))
            .optional()?;
        body.map(|body| self.open_row(&entity_context(kind.as_str(), &id), &body)).transpose()
    }

    pub fn enqueue(&self, request: &MutationRequest) -> ClientResult<()> {
        let sealed = self.seal(&outbox_context(request.id), request)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
        self.conn().execute(
            "INSERT INTO outbox (id, request, created_at) VALUES (?1, ?2, ?3)",
            params![request.id.to_string(), sealed, now],
        )?;
        Ok(())
    }

    /// Mutations still to send, oldest first.
    pub fn pending(&self) -> ClientResult<Vec<OutboxEntry>> {
        Ok(self.outbox()?.into_iter().filter(|entry| entry.rejected.is_none()).collect())
    }

    pub fn outbox(&self) -> ClientResult<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached("SELECT id, request, error_code FROM outbox ORDER BY position")?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, Option<String>>(2)?)))?;
        rows.map(|row| {
            let (id, request, error) = row?;
            let id = Uuid::parse_str(&id).map_err(|e| ClientError::Internal(format!("corrupt outbox id: {e}")))?;
            let corrupt = |e: serde_json::Error| ClientError::Internal(format!("corrupt outbox entry: {e}"));
            Ok(OutboxEntry {
                request: self.open_row(&outbox_context(id), &request)?,
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
        self.conn()
            .execute("UPDATE outbox SET state = 'rejected', error_code = ?2 WHERE id = ?1", params![id.to_string(), code])?;
        Ok(())
    }
}

/// The parent the cache indexes a row under (see [`Cache::children`]).
fn parent_of(body: &ChangeBody) -> Option<String> {
    match body {
        ChangeBody::Message(message) => Some(message.conversation_id.to_string()),
        ChangeBody::HisReturn(back) => Some(back.conversation_id.to_string()),
        ChangeBody::Referral(referral) => Some(referral.patient_id.to_string()),
        ChangeBody::Consultation(consultation) => Some(consultation.patient_id.to_string()),
        ChangeBody::HomeMeasurement(measurement) => Some(measurement.patient_id.to_string()),
        ChangeBody::HealthPlanItem(item) => Some(item.patient_id.to_string()),
        _ => None,
    }
}

fn entity_context(kind: &str, id: &str) -> String {
    format!("kring cache v1|entity|{kind}|{id}")
}

fn outbox_context(id: Uuid) -> String {
    format!("kring cache v1|outbox|{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kring_domain::{OrganisationId, OrganisationKind, TeamId};
    use kring_protocol::{Change, Mutation, OrganisationEntry, Scope};

    /// Cache keys live in the keyring by file name: each test gets its own name (and keyring).
    fn unique_path(dir: &tempfile::TempDir) -> std::path::PathBuf {
        dir.path().join(format!("cache-test-{}.sqlite", Uuid::now_v7()))
    }

    fn raw_file_contains(path: &Path, needle: &str) -> bool {
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
            bytes.extend(wal);
        }
        bytes.windows(needle.len()).any(|window| window == needle.as_bytes())
    }

    #[test]
    fn acc_7_the_cache_file_holds_no_readable_names_or_mutations() {
        let dir = tempfile::tempdir().unwrap();
        let path = unique_path(&dir);
        let keyring: std::sync::Arc<dyn Keyring> = std::sync::Arc::new(crate::MemoryKeyring::default());
        let cache = Cache::open(&path, &keyring).unwrap();
        let id = OrganisationId::new();
        let page = SyncPage {
            changes: vec![Change { seq: 1, scope: Scope::Directory, body: org("Thuiszorg Zonnebloem", id) }],
            cursor: 1,
            has_more: false,
        };
        cache.apply(&page, None, &[]).unwrap();
        let team = TeamId::new();
        cache
            .enqueue(&MutationRequest { id: Uuid::now_v7(), mutation: Mutation::SetTeamContact { team_id: team, contact: None } })
            .unwrap();
        assert_eq!(cache.entities(EntityKind::Organisation).unwrap(), vec![org("Thuiszorg Zonnebloem", id)]);
        assert!(!raw_file_contains(&path, "Zonnebloem"), "entity bodies are sealed on disk");
        assert!(!raw_file_contains(&path, &team.to_string()), "outbox requests are sealed on disk");
        assert!(raw_file_contains(&path, &id.to_string()), "ids stay readable (the check itself works)");
    }

    #[test]
    fn acc_7_a_cache_whose_key_is_gone_is_rebuilt_empty_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = unique_path(&dir);
        let keyring: std::sync::Arc<dyn Keyring> = std::sync::Arc::new(crate::MemoryKeyring::default());
        {
            let cache = Cache::open(&path, &keyring).unwrap();
            let page = SyncPage {
                changes: vec![Change { seq: 5, scope: Scope::Directory, body: org("Oud", OrganisationId::new()) }],
                cursor: 5,
                has_more: false,
            };
            cache.apply(&page, None, &[]).unwrap();
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        Secret::new(&keyring, &format!("cache-key:{name}")).delete().unwrap();
        let cache = Cache::open(&path, &keyring).unwrap();
        assert_eq!(cache.cursor().unwrap(), 0, "synced again from the start");
        assert!(cache.entities(EntityKind::Organisation).unwrap().is_empty());
    }

    #[test]
    fn acc_7_a_row_moved_to_another_id_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = unique_path(&dir);
        let keyring: std::sync::Arc<dyn Keyring> = std::sync::Arc::new(crate::MemoryKeyring::default());
        let cache = Cache::open(&path, &keyring).unwrap();
        let (a, b) = (OrganisationId::new(), OrganisationId::new());
        let page = SyncPage {
            changes: vec![
                Change { seq: 1, scope: Scope::Directory, body: org("A", a) },
                Change { seq: 2, scope: Scope::Directory, body: org("B", b) },
            ],
            cursor: 2,
            has_more: false,
        };
        cache.apply(&page, None, &[]).unwrap();
        cache
            .conn()
            .execute(
                "UPDATE entities SET body = (SELECT body FROM entities WHERE id = ?1) WHERE id = ?2",
                params![a.to_string(), b.to_string()],
            )
            .unwrap();
        assert!(matches!(cache.entities(EntityKind::Organisation), Err(ClientError::Internal(_))));
    }

    fn org(name: &str, id: OrganisationId) -> ChangeBody {
        ChangeBody::Organisation(OrganisationEntry {
            id,
            name: name.into(),
            kind: OrganisationKind::HomeCare,
            agb: None,
            city: "Delft".into(),
            care_group: None,
        })
    }

    #[test]
    fn applying_a_page_twice_or_out_of_order_keeps_the_newest_state() {
        let dir = tempfile::tempdir().unwrap();
        let keyring: std::sync::Arc<dyn Keyring> = std::sync::Arc::new(crate::MemoryKeyring::default());
        let cache = Cache::open(&unique_path(&dir), &keyring).unwrap();
        let id = OrganisationId::new();
        let newer = SyncPage {
            changes: vec![Change { seq: 9, scope: Scope::Directory, body: org("Nieuw", id) }],
            cursor: 9,
            has_more: false,
        };
        let older = SyncPage {
            changes: vec![Change { seq: 4, scope: Scope::Directory, body: org("Oud", id) }],
            cursor: 4,
            has_more: false,
        };
        cache.apply(&newer, None, &[]).unwrap();
        cache.apply(&older, None, &[]).unwrap();
        cache.apply(&newer, None, &[]).unwrap();
        assert_eq!(cache.entities(EntityKind::Organisation).unwrap(), vec![org("Nieuw", id)]);
        assert_eq!(cache.cursor().unwrap(), 9, "the cursor never moves back");
    }

    #[test]
    fn outbox_survives_reopening_and_keeps_order_and_rejections() {
        let dir = tempfile::tempdir().unwrap();
        let path = unique_path(&dir);
        let keyring: std::sync::Arc<dyn Keyring> = std::sync::Arc::new(crate::MemoryKeyring::default());
        let requests: Vec<MutationRequest> = (0..3)
            .map(|_| MutationRequest {
                id: Uuid::now_v7(),
                mutation: Mutation::SetTeamContact { team_id: TeamId::new(), contact: None },
            })
            .collect();
        {
            let cache = Cache::open(&path, &keyring).unwrap();
            for request in &requests {
                cache.enqueue(request).unwrap();
            }
            cache.mark_rejected(requests[1].id, ErrorCode::Forbidden).unwrap();
        }
        let cache = Cache::open(&path, &keyring).unwrap();
        let pending: Vec<Uuid> = cache.pending().unwrap().into_iter().map(|e| e.request.id).collect();
        assert_eq!(pending, vec![requests[0].id, requests[2].id]);
        let all = cache.outbox().unwrap();
        assert_eq!(all[1].rejected, Some(ErrorCode::Forbidden));
        cache.remove_from_outbox(requests[0].id).unwrap();
        assert_eq!(cache.outbox().unwrap().len(), 2);
    }
}
