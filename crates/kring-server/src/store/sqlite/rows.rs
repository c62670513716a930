//! The SQLite store's plumbing below the `Store` methods: migrations, JSON and time columns, row
//! shapes, writing a commit (feed, entities, access log, jobs) and a login update, and telling
//! corruption and unique violations apart.

use super::*;

pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")?;
    for migration in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [migration.version], |row| {
                row.get(0)
            })?;
        if !applied {
            tx.execute_batch(migration.sql)?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES (?1)", [migration.version])?;
            tracing::info!(version = migration.version, "applied sqlite migration");
        }
        tx.commit()?;
    }
    Ok(())
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn parse_uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A moment as SQLite keeps it: RFC 3339 in UTC with all nine fraction digits, so that comparing
/// the strings (`run_at <= ?`) compares the moments. (A time in Dutch local time, as the business
/// clock gives, or a fraction of another length would sort wrongly as text.)
pub(super) fn rfc3339(at: OffsetDateTime) -> StoreResult<String> {
    const UTC_FIXED: &[time::format_description::FormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");
    at.to_offset(time::UtcOffset::UTC).format(UTC_FIXED).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn parse_time(text: &str) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn hash32(bytes: Vec<u8>) -> StoreResult<[u8; 32]> {
    bytes.try_into().map_err(|_| StoreError::Corrupt("hash length".into()))
}

pub(super) const CREDENTIALS_COLUMNS: &str =
    "user_id, username, salt, kdf, auth_hash, active, key_material, must_change_password, keys_were_reset";

pub(super) type CredentialsRow = (String, String, String, String, String, bool, Option<String>, bool, bool);

pub(super) fn read_credentials(conn: &Connection, filter: &str, value: String) -> StoreResult<Option<Credentials>> {
    let sql = format!("SELECT {CREDENTIALS_COLUMNS} FROM credentials WHERE {filter} = ?1");
    let row: Option<CredentialsRow> = conn
        .query_row(&sql, [value], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
        })
        .optional()?;
    row.map(|(user_id, username, salt, kdf, auth_hash, active, keys, must_change_password, keys_were_reset)| {
        Ok(Credentials {
            user_id: UserId(parse_uuid(&user_id)?),
            username,
            salt,
            kdf: from_json(&kdf)?,
            auth_hash,
            active,
            keys: keys.as_deref().map(from_json).transpose()?,
            must_change_password,
            keys_were_reset,
        })
    })
    .transpose()
}

pub(super) type AccessRow = (i64, i64, String, String, String, String, String, Vec<u8>, Vec<u8>);

pub(super) fn access_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccessRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?, row.get(8)?))
}
pub(super) fn to_access_entry(row: AccessRow) -> StoreResult<AccessLogEntry> {
    let (seq, at_micros, actor, organisation_id, patient_id, kind, device, prev_hash, hash) = row;
    Ok(AccessLogEntry {
        seq,
        at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_micros) * 1000)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        actor: UserId(parse_uuid(&actor)?),
        organisation_id: OrganisationId(parse_uuid(&organisation_id)?),
        patient_id: PatientId(parse_uuid(&patient_id)?),
        kind: AccessKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("access kind {kind}")))?,
        device,
        prev_hash: hex(&prev_hash),
        hash: hex(&hash),
    })
}

pub(super) const ACCESS_COLUMNS: &str = "seq, at_micros, actor, organisation_id, patient_id, kind, device, prev_hash, hash";

pub(super) fn latest_seq(conn: &Connection) -> StoreResult<Seq> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |row| row.get(0))?)
}

/// Write one commit's rows (inside the caller's transaction or savepoint); the seq of its last
/// change, or the latest seq when it has none.
pub(super) fn write_commit(tx: &Connection, commit: &Commit) -> StoreResult<Seq> {
    for expected in &commit.unchanged {
        let body: Option<String> = tx
            .prepare_cached("SELECT body FROM entities WHERE kind = ?1 AND id = ?2")?
            .query_row(params![expected.kind().as_str(), expected.entity_id().to_string()], |row| row.get(0))
            .optional()?;
        if body.as_deref().map(from_json::<ChangeBody>).transpose()?.as_ref() != Some(expected) {
            return Err(StoreError::Stale);
        }
    }
    for (kind, id) in &commit.absent {
        let exists = tx
            .prepare_cached("SELECT 1 FROM entities WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind.as_str(), id.to_string()], |_| Ok(()))
            .optional()?
            .is_some();
        if exists {
            return Err(StoreError::Stale);
        }
    }
    for credentials in &commit.credentials {
        tx.execute(
            "INSERT INTO credentials (user_id, username, salt, kdf, auth_hash, key_material, must_change_password, active)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                credentials.user_id.to_string(),
                credentials.username,
                credentials.salt,
                to_json(&credentials.kdf)?,
                credentials.auth_hash,
                credentials.keys.as_ref().map(to_json).transpose()?,
                credentials.must_change_password,
                credentials.active
            ],
        )
        .map_err(|e| if is_unique_violation(&e) { StoreError::DuplicateUsername } else { e.into() })?;
    }
    if let Some(activation) = &commit.activation {
        let spent = tx.execute(
            "UPDATE activation_tokens SET used = 1 WHERE token_hash = ?1 AND used = 0 AND expires_at > ?2 AND user_id = ?3",
            params![activation.token_hash.to_vec(), rfc3339(activation.now)?, activation.user_id.to_string()],
        )?;
        if spent != 1 {
            return Err(StoreError::ActivationUnavailable);
        }
        write_login(tx, activation.user_id, &activation.login)?;
        tx.execute("UPDATE credentials SET active = 1 WHERE user_id = ?1", [activation.user_id.to_string()])?;
    }
    let mut last = latest_seq(tx)?;
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
    for activation in &commit.activations {
        tx.execute(
            "INSERT INTO activation_tokens (token_hash, user_id, request_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                activation.token_hash.to_vec(),
                activation.user_id.to_string(),
                activation.request_id.to_string(),
                rfc3339(activation.expires_at)?
            ],
        )?;
    }
    for job in &commit.jobs {
        tx.execute(
            "INSERT INTO jobs (id, kind, payload, run_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
            params![job.id.to_string(), job.kind, to_json(&job.payload)?, rfc3339(job.run_at)?],
        )?;
    }
    if !commit.access.is_empty() {
        let head: Option<(i64, Vec<u8>)> = tx
            .query_row("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let (mut seq, mut prev) = match head {
            Some((seq, hash)) => (seq, hash32(hash)?),
            None => (0, GENESIS),
        };
        for entry in &commit.access {
            seq += 1;
            let hash = entry_hash(&prev, seq, entry);
            tx.execute(
                &format!("INSERT INTO access_log ({ACCESS_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![
                    seq,
                    entry.at_micros(),
                    entry.actor.to_string(),
                    entry.organisation_id.to_string(),
                    entry.patient_id.to_string(),
                    entry.kind.as_str(),
                    entry.device,
                    prev.to_vec(),
                    hash.to_vec()
                ],
            )?;
            prev = hash;
        }
    }
    Ok(last)
}

pub(super) fn write_login(conn: &Connection, user: UserId, update: &LoginUpdate) -> StoreResult<()> {
    conn.execute(
        "UPDATE credentials SET salt = ?2, kdf = ?3, auth_hash = ?4, key_material = ?5,
             must_change_password = ?6, keys_were_reset = ?7 WHERE user_id = ?1",
        params![
            user.to_string(),
            update.salt,
            to_json(&update.kdf)?,
            update.auth_hash,
            update.keys.as_ref().map(to_json).transpose()?,
            update.must_change_password,
            update.keys_were_reset
        ],
    )?;
    Ok(())
}

/// SQLite's quick check (structure and record format, without cross-checking indexes: linear in
/// the file's size, seconds for gigabytes). `None` when it passes.
pub(super) fn integrity_problem(conn: &Connection) -> Option<String> {
    let result: rusqlite::Result<Vec<String>> =
        conn.prepare("PRAGMA quick_check(5)").and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect());
    match result {
        Ok(lines) if lines == ["ok"] => None,
        Ok(lines) => Some(lines.join("; ")),
        Err(error) => Some(error.to_string()),
    }
}

pub(super) fn is_corrupt(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _)
        if matches!(e.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

pub(super) fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

#[cfg(test)]
mod tests {
    use super::{parse_time, rfc3339};
    use time::macros::datetime;

    #[test]
    fn stored_times_sort_as_text_as_the_moments_do_whatever_their_offset_or_fraction() {
        // A business-time deadline carries the Dutch offset; the clock's now is UTC with nanos.
        let moments = [
            datetime!(2037-12-29 09:59:59.5 +01:00),
            datetime!(2037-12-29 09:00:00 UTC),
            datetime!(2037-12-29 09:00:00.000000001 UTC),
            datetime!(2037-12-29 10:00:00.25 +01:00),
            datetime!(2037-12-29 08:00:00 -01:00),
        ];
        for a in moments {
            for b in moments {
                let (text_a, text_b) = (rfc3339(a).unwrap(), rfc3339(b).unwrap());
                assert_eq!(text_a.cmp(&text_b), a.cmp(&b), "{text_a} vs {text_b}");
            }
            assert_eq!(parse_time(&rfc3339(a).unwrap()).unwrap(), a);
        }
    }
}
