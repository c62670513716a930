// What the logged-in user may do, from the permission table the app sends with the session.
import type { AccessLogEntry, Action, Directory, SessionState } from './api';

/** The screens of the logged-in app. */
export type Screen = 'directory' | 'staff' | 'account-requests' | 'access-log' | 'profile';

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

/** A short, pseudonymous label for a patient id (the first 8 characters), e.g. `P-0193a1b2`. */
export function patientLabel(entry: AccessLogEntry): string {
  return `P-${entry.patient_id.replace(/-/g, '').slice(0, 8)}`;
}
