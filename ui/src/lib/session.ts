// What the logged-in user may do, from the permission table the app sends with the session.
import type { AccessLogEntry, Action, Directory, SessionState } from './api';

/** The screens of the logged-in app. */
export type Screen = 'directory' | 'patients' | 'patient' | 'conversations' | 'staff' | 'account-requests' | 'access-log' | 'matrix' | 'reports' | 'profile';

/** Whether the user may do `action` in `organisationId`. */
export function may(session: SessionState, organisationId: string, action: Action): boolean {
  return session.permissions.some((p) => p.organisation_id === organisationId && p.actions.includes(action));
}

/** The organisations the user works for, each with the Dutch names of their roles there (ACC-6). */
export function workplaces(session: SessionState): { id: string; name: string; roles: string[] }[] {
  const out: { id: string; name: string; roles: string[] }[] = [];
  for (const contract of session.me.contracts) {
    const role = session.roles.find((r) => r.role === contract.role)?.name ?? contract.role;
    const existing = out.find((o) => o.id === contract.organisation_id);
    if (existing) existing.roles.push(role);
    else out.push({ id: contract.organisation_id, name: contract.organisation_name, roles: [role] });
  }
  return out;
}

/** Names for the people in an access log, from the directory; unknown ids stay `null`. */
export function personNames(directory: Directory | null): Map<string, string> {
  const names = new Map<string, string>();
  for (const organisation of directory?.organisations ?? []) {
    for (const member of [...organisation.members, ...organisation.teams.flatMap((t) => t.members)]) {
      names.set(member.user_id, member.name);
    }
  }
  return names;
}

/**
 * Who was viewed: the patient's name when this user can read it (after unlock), otherwise a short
 * pseudonym from the id's random end (a UUIDv7 starts with its timestamp, so its first characters
 * are the same for every patient of one import), e.g. `P-3f4a5b6c`.
 */
export function patientLabel(entry: AccessLogEntry, names: Record<string, string> = {}): string {
  return names[entry.patient_id] || `P-${entry.patient_id.replace(/-/g, '').slice(-8)}`;
}

/** Age in whole years on `today` of someone born on `birthDate` (YYYY-MM-DD). */
export function ageOn(birthDate: string, today: Date): number {
  const [year, month, day] = birthDate.split('-').map(Number);
  let age = today.getFullYear() - year;
  if (today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day)) age -= 1;
  return age;
}

/** `1950-03-04` as Dutch users read it: `04-03-1950`. */
export function dutchDate(isoDate: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-');
  return `${day}-${month}-${year}`;
}

/** `04-03-1950`, `4-3-1950` or `1950-03-04` as ISO (`1950-03-04`), or `null` when it is no date. */
export function isoFromDutch(text: string): string | null {
  const trimmed = text.trim();
  let match = /^(\d{1,2})-(\d{1,2})-(\d{4})$/.exec(trimmed);
  let parts: [number, number, number] | null = null;
  if (match) parts = [Number(match[3]), Number(match[2]), Number(match[1])];
  match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(trimmed);
  if (match) parts = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!parts) return null;
  const [year, month, day] = parts;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
