// Pure helpers for referrals (REF-1 … REF-4), the authorisation matrix (REF-2) and the care
// network (NET-2), kept out of the components so they are unit-tested.
import type {
  DataCategory, MatrixRequestView, MatrixView, NetworkMemberView, OrganisationKind, RecipientView, ReferralForm, ReferralOptions,
  ReferralStatus, ReferralSummary, ReferralTarget, ReferralView, SuspectedDisorder,
} from './api';
import { t } from './i18n';
import { nl } from './i18n/nl';

/** Every data category, in the order the matrix and the forms list them. */
export const DATA_CATEGORIES = Object.keys(nl.referrals.categories) as DataCategory[];

/** Every kind of organisation, in the directory's order. */
export const ORGANISATION_KINDS = Object.keys(nl.directory.kinds) as OrganisationKind[];

/** Still running: feedback can come and the shared data follow new extractions. */
export function isOpen(status: ReferralStatus): boolean {
  return status === 'sent' || status === 'in_treatment' || status === 'feedback_given';
}

/**
 * Asks for the user's attention: a running referral to my organisation nobody took yet, or one
 * with unread messages in its conversation. A referral my practice sent waits for the receiver,
 * not me; a finished one asks nothing more (its messages keep their own cloud).
 */
export function needsAttention(referral: ReferralSummary): boolean {
  return isOpen(referral.status) && (referral.unread > 0 || (referral.direction === 'received' && referral.status === 'sent'));
}

/** The number on the "Verwijzingen" tab (the cloud). */
export function waitingReferrals(list: ReferralSummary[]): number {
  return list.filter(needsAttention).length;
}

export type ReferralGroup = 'waiting' | 'open' | 'finished';

/**
 * The list in three parts: what asks for my attention, what runs, what is finished; each in the
 * list's own order (newest change first). Empty parts are left out.
 */
export function referralGroups(list: ReferralSummary[]): { group: ReferralGroup; referrals: ReferralSummary[] }[] {
  const groupOf = (r: ReferralSummary): ReferralGroup => (needsAttention(r) ? 'waiting' : isOpen(r.status) ? 'open' : 'finished');
  return (['waiting', 'open', 'finished'] as const)
    .map((group) => ({ group, referrals: list.filter((r) => groupOf(r) === group) }))
    .filter((part) => part.referrals.length > 0);
}

/** The patient's name, or that it is sealed while the lock is closed. */
export function referralPatient(referral: ReferralSummary): string {
  return referral.patient_name ?? t.referrals.locked;
}

/** "Aan Thuiszorg Hof van Delft, Team Noord" for one my practice sent; "Van Huisartsenpraktijk De Linde" for one I receive. */
export function referralParty(referral: ReferralSummary): string {
  return referral.direction === 'sent' ? t.referrals.to(referral.to_organisation, referral.to_team) : t.referrals.from(referral.practice);
}

/**
 * The targets of the general referral dialog. A GGZ provider has its own two-step dialog with the
 * referral letter (REF-4), so it is not offered there.
 */
export function generalTargets(options: ReferralOptions): ReferralTarget[] {
  return options.targets.filter((target) => target.kind !== 'ggz_provider');
}

export function ggzTargets(options: ReferralOptions): ReferralTarget[] {
  return options.targets.filter((target) => target.kind === 'ggz_provider');
}

/** The referral dialogs' fields as the user filled them in ('' where nothing was chosen). */
export interface ReferralDraft {
  patientId: string;
  organisationId: string;
  teamId: string;
  reason: string;
  disorder: SuspectedDisorder | '';
  remarks: string;
  phone: string;
  onBehalfOf: string;
}

/**
 * The form `refer` and the letter preview take. The phone number goes only when the HIS has none
 * and one was typed (otherwise the HIS's goes along); "namens" only from a POH-GGZ, who must name
 * the GP (REF-4).
 */
export function referralForm(draft: ReferralDraft, options: ReferralOptions): ReferralForm {
  const phone = draft.phone.trim();
  return {
    patient_id: draft.patientId,
    organisation_id: draft.organisationId,
    team_id: draft.teamId || null,
    reason: draft.reason,
    suspected_disorder: draft.disorder || null,
    remarks: draft.remarks,
    phone: options.phone === null && phone !== '' ? phone : null,
    on_behalf_of: options.on_behalf_required && draft.onBehalfOf ? draft.onBehalfOf : null,
  };
}

/** An empty draft for a patient. */
export function emptyDraft(patientId: string, organisationId = ''): ReferralDraft {
  return { patientId, organisationId, teamId: '', reason: '', disorder: '', remarks: '', phone: '', onBehalfOf: '' };
}

/** The Dutch names of the categories that go along, in the matrix's order. */
export function categoryNames(categories: DataCategory[]): string[] {
  return DATA_CATEGORIES.filter((c) => categories.includes(c)).map((c) => t.referrals.categories[c]);
}

/** "25-11-2026" in the computer's time zone, for a moment (RFC 3339). */
export function localDate(iso: string): string {
  return new Date(iso).toLocaleDateString(t.locale, { day: '2-digit', month: '2-digit', year: 'numeric' });
}

/** "25-11-2026 14:05" in the computer's time zone: each step of a referral's history. */
export function localDateTime(iso: string): string {
  const at = new Date(iso);
  return `${localDate(iso)} ${at.toLocaleTimeString(t.locale, { hour: '2-digit', minute: '2-digit' })}`;
}

/**
 * Whether an open referral's view is behind the list: its status or last step changed (a
 * colleague took it, feedback came, an extraction refreshed the data). Opening is written to the
 * access log, so the pane opens again only then, not on every change of data (a letter's PDF
 * that has not arrived yet is looked for when the user saves it).
 */
export function isStale(view: ReferralView, summary: ReferralSummary): boolean {
  return (
    view.summary.status !== summary.status ||
    view.summary.changed_at !== summary.changed_at ||
    view.summary.taken_by !== summary.taken_by
  );
}

/** How someone came into the care network: "Gesprek", "Verwijzing", "Handmatig toegevoegd door …" (NET-2). */
export function joinedHow(member: NetworkMemberView): string {
  return member.joined_via === 'manual' ? t.network.addedBy(member.added_by) : t.network.via[member.joined_via];
}

/** Who can still be added to the care network by hand: who sees the patient and is not in it. */
export function addableCaregivers(recipients: RecipientView[], network: NetworkMemberView[]): RecipientView[] {
  const members = new Set(network.map((m) => m.user_id));
  return recipients.filter((r) => !members.has(r.user_id));
}

/** The kinds a partner can ask the matrix to send data to: every kind but the region's operator. */
export function requestableKinds(): OrganisationKind[] {
  return ORGANISATION_KINDS.filter((kind) => kind !== 'region_operator');
}

/** The categories the matrix does not yet let go to `kind`: what one can ask for (REF-2). */
export function missingCategories(matrix: MatrixView['matrix'], kind: OrganisationKind): DataCategory[] {
  const permitted = matrix.rows.find((row) => row.kind === kind)?.categories ?? [];
  return DATA_CATEGORIES.filter((c) => !permitted.includes(c));
}

/** A request's state: "Open", "Goedgekeurd (versie 2)" or "Afgewezen". */
export function matrixRequestStatus(request: MatrixRequestView): string {
  if (request.approved === null) return t.matrix.open;
  return request.approved ? t.matrix.approved(request.version) : t.matrix.rejected;
}
