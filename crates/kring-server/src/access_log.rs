//! The NEN 7513 access log (toegangslog, SEC-2): who opened which patient's data, what, when and
//! from which device. Entries are appended inside store transactions ([`crate::store::Commit`]
//! `access`) and hash-chained: each entry's hash covers the previous hash and every field, so
//! `chain::verify_links` finds the first altered, removed or inserted entry.
//!
//! Sources: the server records its own fetches of patient records (issue 5 onwards: every
//! patient handler appends here in the same commit); clients report openings of decrypted
//! content with `Mutation::RecordAccess`, through their durable outbox.

use crate::audience::sees_patient;
use crate::authz::{may, AuthUser};
use crate::chain::NewAccessEntry;
use crate::error::{ServerError, ServerResult};
use crate::plan::Planned;
use crate::store::Commit;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use kring_domain::{Action, OrganisationId};
use kring_protocol::access_log::{AccessLogPage, AccessRecord, ChainHead};
use kring_protocol::{ChangeBody, EntityKind};

/// `Mutation::RecordAccess`: a client reports that its user opened decrypted patient content.
/// Who and where come from the session and when from the server's clock; the reporter must see
/// the patient, and the organisation must be the patient's own.
pub(crate) async fn record(state: &AppState, user: &AuthUser, record: &AccessRecord) -> ServerResult<Planned> {
    let Some(ChangeBody::Patient(patient)) = state.store().entity(EntityKind::Patient, record.patient_id.0).await? else {
        return Err(ServerError::NotFound("patient"));
    };
    if patient.organisation_id != record.organisation_id {
        return Err(ServerError::InvalidRequest("the patient belongs to another organisation".into()));
    }
    if !sees_patient(state, user.id, &patient).await? {
        return Err(ServerError::Forbidden("logging access to a patient one does not see"));
    }
    let now = state.clock().now();
    state.access_limiter().admit(user.id, now)?;
    let entry = NewAccessEntry {
        at: now,
        actor: user.id,
        organisation_id: record.organisation_id,
        patient_id: record.patient_id,
        kind: record.kind,
        device: user.device_name.clone(),
    };
    Ok(Planned { commit: Commit { access: vec![entry], ..Commit::default() }, ..Planned::default() })
}

#[derive(Debug, serde::Deserialize)]
pub struct AccessLogQuery {
    pub organisation_id: OrganisationId,
    /// Entries older than this seq (the page after the one that ended there).
    pub before: Option<i64>,
    /// The head the client kept from its last view: the answer says what the chain holds there.
    pub known_head: Option<i64>,
}

/// Entries per page (newest first).
pub const PAGE: u32 = 100;

/// `GET /v1/access-log?organisation_id=…`: a page of the organisation's entries for those
/// allowed to see them (the GP), with the verification of the region's chain.
pub async fn view(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<AccessLogQuery>,
) -> ServerResult<Json<AccessLogPage>> {
    if !may(&state, user.id, query.organisation_id, Action::ViewAccessLog).await? {
        return Err(ServerError::Forbidden("viewing the access log"));
    }
    let entries = state.store().access_log(query.organisation_id, query.before, PAGE).await?;
    let next_before = (entries.len() == PAGE as usize).then(|| entries.last().map(|entry| entry.seq)).flatten();
    let (verification, head) = state.access_chain().verify(state.store(), state.clock().now()).await?;
    let anchor = match query.known_head {
        Some(seq) if seq > 0 => state
            .store()
            .access_log_chain(seq - 1, 1)
            .await?
            .into_iter()
            .find(|entry| entry.seq == seq)
            .map(|entry| ChainHead { seq: entry.seq, hash: entry.hash }),
        _ => None,
    };
    tracing::info!(user_id = %user.id, organisation_id = %query.organisation_id, "access log viewed");
    Ok(Json(AccessLogPage { entries, verification, head, anchor, next_before }))
}
