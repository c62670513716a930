import { describe, expect, it } from 'vitest';
import type { AccessLogEntry, Directory, SessionState } from './api';
import { may, patientLabel, personNames, workplaces } from './session';

const session: SessionState = {
  me: {
    user_id: 'u1',
    username: 'huisarts',
    display_name: 'Anne de Vries',
    contracts: [
      { organisation_id: 'praktijk', organisation_name: 'Huisartsenpraktijk De Linde', role: 'huisarts' },
      { organisation_id: 'zorggroep', organisation_name: 'Zorggroep Delfland', role: 'kwaliteitsmedewerker' },
    ],
  },
  permissions: [
    { organisation_id: 'praktijk', actions: ['view_directory', 'reset_password', 'view_access_log'] },
    { organisation_id: 'zorggroep', actions: ['view_directory', 'view_reports'] },
  ],
  must_change_password: false,
  keys_were_reset: false,
  unlocked: true,
  idle_lock_minutes: 15,
  roles: [
    { role: 'huisarts', name: 'Huisarts', practice: true, network: false },
    { role: 'kwaliteitsmedewerker', name: 'Kwaliteitsmedewerker', practice: true, network: false },
  ],
};

describe('permissions in the UI (STAFF-5, SEC-2)', () => {
  it('allows an action only in the organisation where a role permits it', () => {
    expect(may(session, 'praktijk', 'view_access_log')).toBe(true);
    expect(may(session, 'zorggroep', 'view_access_log')).toBe(false);
    expect(may(session, 'elders', 'view_directory')).toBe(false);
  });

  it('lists each workplace once with the roles held there, for switching contracts (ACC-6)', () => {
    const withTwoRoles: SessionState = {
      ...session,
      me: { ...session.me, contracts: [...session.me.contracts, { organisation_id: 'praktijk', organisation_name: 'Huisartsenpraktijk De Linde', role: 'waarnemer' }] },
      roles: [...session.roles, { role: 'waarnemer', name: 'Waarnemer', practice: true, network: false }],
    };
    expect(workplaces(withTwoRoles)).toEqual([
      { id: 'praktijk', name: 'Huisartsenpraktijk De Linde', roles: ['Huisarts', 'Waarnemer'] },
      { id: 'zorggroep', name: 'Zorggroep Delfland', roles: ['Kwaliteitsmedewerker'] },
    ]);
  });
});

describe('access log labels', () => {
  it('names people from the directory, team members included', () => {
    const directory: Directory = {
      organisations: [
        {
          id: 'praktijk',
          name: 'De Linde',
          kind: 'gp_practice',
          city: 'Delft',
          agb: null,
          members: [{ user_id: 'u3', name: 'Peter Smit', role: 'accountbeheerder', role_name: 'Accountbeheerder', agb: null, functions: [], absent_until: null }],
          teams: [
            {
              id: 't',
              name: 'GGZ-team',
              contact_person: null,
              members: [{ user_id: 'u2', name: 'Mehmet Yılmaz', role: 'poh_ggz', role_name: 'POH-GGZ', agb: null, functions: [], absent_until: null }],
            },
          ],
        },
      ],
    };
    const names = personNames(directory);
    expect(names.get('u2')).toBe('Mehmet Yılmaz');
    expect(names.get('u3')).toBe('Peter Smit');
    expect(personNames(null).size).toBe(0);
  });

  it('shows a patient by name when readable, else by a pseudonym that differs per patient', () => {
    // Two patients of one import: UUIDv7s of the same millisecond share their first characters.
    const first = { patient_id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' } as AccessLogEntry;
    const second = { patient_id: '0193a1b2-c3d4-7a11-9b2c-77aa88bb99cc' } as AccessLogEntry;
    expect(patientLabel(first)).toBe('P-2e3f4a5b');
    expect(patientLabel(second)).not.toBe(patientLabel(first));
    expect(patientLabel(first, { [first.patient_id]: 'de Vries, Jan Willem' })).toBe('de Vries, Jan Willem');
  });
});
