import { describe, expect, it } from 'vitest';
import type { Directory, MemberView } from './api';
import { countPeople, filterDirectory } from './directory';

const member = (user_id: string, name: string, role_name: string): MemberView => ({
  user_id,
  name,
  role: 'zorgverlener',
  role_name,
  agb: null,
  functions: [],
  absent_until: null,
});

const anne = member('1', 'Anne de Vries', 'Huisarts');
const mehmet = { ...member('2', 'Mehmet Yılmaz', 'POH-GGZ medewerker'), functions: ['Kaderhuisarts GGZ'] };
const fatima = member('3', 'Fatima el Amrani', 'Hoofdzorgverlener');
const peter = member('4', 'Peter Smit', 'Accountbeheerder');

const directory: Directory = {
  organisations: [
    {
      id: 'p',
      name: 'Huisartsenpraktijk De Linde',
      kind: 'gp_practice',
      city: 'Delft',
      agb: '01051234',
      teams: [
        { id: 't1', name: 'Praktijkteam', contact_person: null, members: [anne] },
        { id: 't2', name: 'GGZ-team', contact_person: null, members: [mehmet] },
      ],
      members: [peter],
    },
    {
      id: 'h',
      name: 'Thuiszorg Hof van Delft',
      kind: 'home_care',
      city: 'Delft',
      agb: null,
      teams: [{ id: 't3', name: 'Wijkteam Tanthof', contact_person: null, members: [fatima] }],
      members: [],
    },
  ],
};

describe('filterDirectory', () => {
  it('shows everything for an empty query', () => {
    expect(filterDirectory(directory, '  ')).toEqual(directory.organisations);
  });

  it('finds a person by name, ignoring case and accents (Yılmaz for yilmaz)', () => {
    const result = filterDirectory(directory, 'yilmaz');
    expect(result.map((o) => o.name)).toEqual(['Huisartsenpraktijk De Linde']);
    expect(result[0].teams.map((t) => t.name)).toEqual(['GGZ-team']);
    expect(result[0].members).toEqual([]);
  });

  it('finds people by role', () => {
    const result = filterDirectory(directory, 'accountbeheerder');
    expect(result[0].members).toEqual([peter]);
    expect(result[0].teams).toEqual([]);
  });

  it('finds people by a function from their profile (PROF-1)', () => {
    const found = filterDirectory(directory, 'kaderhuisarts');
    expect(found.flatMap((o) => [...o.members, ...o.teams.flatMap((t) => t.members)]).map((m) => m.name)).toEqual(['Mehmet Yılmaz']);
  });

  it('keeps a whole organisation when its name or kind matches', () => {
    const result = filterDirectory(directory, 'thuiszorg');
    expect(result).toHaveLength(1);
    expect(result[0].teams[0].members).toEqual([fatima]);
  });

  it('requires every word to match, across person and organisation', () => {
    expect(filterDirectory(directory, 'anne linde')[0].teams[0].members).toEqual([anne]);
    expect(filterDirectory(directory, 'anne tanthof')).toEqual([]);
  });

  it('counts each person once', () => {
    expect(countPeople(directory.organisations)).toBe(4);
  });
});
