// The only door from the UI to the app: every call goes through Tauri's `invoke` here.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export type Role =
  | 'huisarts' | 'assistent' | 'assistent_fin' | 'poh_s' | 'poh_s_zonder_financieel'
  | 'kwaliteitsmedewerker' | 'aios' | 'waarnemer' | 'poh_ggz' | 'zorgverlener'
  | 'hoofdzorgverlener' | 'accountbeheerder' | 'consultatiegever';

export type OrganisationKind =
  | 'gp_practice' | 'care_group' | 'home_care' | 'ggz_provider' | 'neighbourhood_team' | 'region_operator';

export interface Contract {
  organisation_id: string;
  organisation_name: string;
  role: Role;
}

export interface Me {
  user_id: string;
  username: string;
  display_name: string;
  contracts: Contract[];
}

export interface DemoAccount {
  username: string;
  description: string;
}

export interface AppInfo {
  mode: 'embedded' | 'remote';
  server_url: string;
  demo_accounts: DemoAccount[];
  demo_password: string | null;
  version: string;
}

export interface Member {
  user_id: string;
  name: string;
  role: Role;
  role_name: string;
  agb: string | null;
}

export interface Team {
  id: string;
  name: string;
  contact_person: Member | null;
  members: Member[];
}

export interface Organisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  city: string;
  agb: string | null;
  teams: Team[];
  members: Member[];
}

export interface Directory {
  organisations: Organisation[];
}

export type ClientEvent =
  | { type: 'connection'; state: 'online' | 'offline' }
  | { type: 'data_changed' }
  | { type: 'mutation_rejected'; id: string; code: string; message: string };

/** What a failed command rejects with. */
export interface CommandError {
  code: string;
  message: string;
  /** With `rate_limited`: seconds until a new attempt is accepted. */
  retry_after_seconds?: number;
}

/** Normalise anything a command throws into a `CommandError`. */
export function asCommandError(error: unknown): CommandError {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
    const retry =
      'retry_after_seconds' in error && typeof error.retry_after_seconds === 'number' ? error.retry_after_seconds : undefined;
    return { code: error.code, message, retry_after_seconds: retry };
  }
  return { code: 'internal', message: String(error) };
}

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  login: (username: string, password: string) => invoke<Me>('login', { username, password }),
  logout: () => invoke<void>('logout'),
  directory: () => invoke<Directory>('directory'),
  setTeamContact: (teamId: string, contact: string | null) => invoke<void>('set_team_contact', { teamId, contact }),
  onClientEvent: (handler: (event: ClientEvent) => void): Promise<UnlistenFn> =>
    listen<ClientEvent>('kring://client-event', (event) => handler(event.payload)),
};
