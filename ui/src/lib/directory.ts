// Searching the directory in the UI: pure functions, unit-tested.
import type { Directory, MemberView, OrganisationView } from './api';
import { t } from './i18n';

// Letters that Unicode does not decompose into a base letter plus accent (Yılmaz, Søren, Łukasz).
const UNDECOMPOSABLE: Record<string, string> = { ı: 'i', ø: 'o', ł: 'l', ß: 'ss', æ: 'ae', đ: 'd' };

function normalise(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/[ıøłßæđ]/g, (letter) => UNDECOMPOSABLE[letter]);
}

function memberMatches(member: MemberView, query: string): boolean {
  return normalise(`${member.name} ${member.role_name} ${member.functions.join(' ')}`).includes(query);
}

/**
 * Keep what matches every word of `query`: an organisation matching by name, kind or city stays
 * whole; otherwise only its matching teams (by name) and people (by name or role) stay.
 */
export function filterDirectory(directory: Directory, query: string): OrganisationView[] {
  const words = normalise(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return directory.organisations;
  const result: OrganisationView[] = [];
  for (const org of directory.organisations) {
    const orgText = normalise(`${org.name} ${t.directory.kinds[org.kind] ?? ''} ${org.city}`);
    if (words.every((w) => orgText.includes(w))) {
      result.push(org);
      continue;
    }
    const matches = (member: MemberView, teamName = '') =>
      words.every((w) => memberMatches(member, w) || normalise(teamName).includes(w) || orgText.includes(w));
    const teams = org.teams
      .map((team) => {
        const teamWhole = words.every((w) => normalise(team.name).includes(w) || orgText.includes(w));
        return teamWhole ? team : { ...team, members: team.members.filter((m) => matches(m, team.name)) };
      })
      .filter((team) => team.members.length > 0 || words.every((w) => normalise(team.name).includes(w) || orgText.includes(w)));
    const members = org.members.filter((m) => matches(m));
    if (teams.length > 0 || members.length > 0) {
      result.push({ ...org, teams, members });
    }
  }
  return result;
}

/** Everyone in the directory once, however many teams they are in. */
export function countPeople(organisations: OrganisationView[]): number {
  const ids = new Set<string>();
  for (const org of organisations) {
    for (const m of org.members) ids.add(m.user_id);
    for (const team of org.teams) for (const m of team.members) ids.add(m.user_id);
  }
  return ids.size;
}
