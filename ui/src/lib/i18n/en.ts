// English texts, beside the Dutch ones: same keys, kept complete by the type.
import type { Messages } from './nl';

export const en: Messages = {
  appName: 'Kring',
  tagline: 'Working together safely around the patient',
  taglineDetail:
    'GP practice, mental-health nurse, district nursing and mental-health care in one secure place. Messages and patient data are end-to-end encrypted.',
  login: {
    title: 'Log in',
    subtitle: 'Log in with your Kring account.',
    username: 'Username',
    password: 'Password',
    submit: 'Log in',
    busy: 'Logging in…',
    starting: 'Kring is starting…',
    demoTitle: 'Demo environment',
    demoIntro: 'Choose a demo account. The password for all accounts is:',
    demoUse: 'Use',
    server: 'Server',
    embedded: 'embedded (this computer)',
  },
  errors: {
    invalid_credentials: 'The username or password is wrong. Check both and try again.',
    missing_credentials: 'Enter your username and password.',
    server_unreachable: 'The Kring server cannot be reached. Check the network connection and try again.',
    invalid_server_url: 'The configured server address is invalid. Use an address starting with https://.',
    session_expired: 'Your session has expired. Please log in again.',
    rate_limited: 'Too many failed login attempts. To protect your account, logging in is blocked for a while.',
    forbidden: 'You are not allowed to do this.',
    invalid_request: 'This change is not allowed.',
    refused: 'The server refused the request.',
    protocol: 'The server gave an unexpected answer. Try again later.',
    cache: 'The local data could not be read or saved.',
    internal: 'Something went wrong in Kring. Try again; if it keeps failing, contact your administrator.',
  },
  retryAfter: (seconds: number) => {
    const minutes = Math.ceil(seconds / 60);
    return minutes <= 1 ? 'Try again in 1 minute.' : `Try again in ${minutes} minutes.`;
  },
  topbar: {
    directory: 'Directory',
    online: 'Connected',
    offline: 'No connection — changes will be sent later',
    logout: 'Log out',
    userMenu: 'User menu',
  },
  directory: {
    title: 'Directory',
    subtitle: 'Organisations, teams and caregivers in your region.',
    search: 'Search by name, organisation, team or role',
    empty: 'No data yet. The directory is being synchronised…',
    noResults: 'No results for this search.',
    contactPerson: 'Contact person',
    noContactPerson: 'No contact person',
    noMembers: 'No staff in this team yet.',
    withoutTeam: 'Other staff',
    agb: 'AGB',
    organisations: (n: number) => (n === 1 ? '1 organisation' : `${n} organisations`),
    people: (n: number) => (n === 1 ? '1 person' : `${n} people`),
    kinds: {
      gp_practice: 'GP practice',
      care_group: 'Care group',
      home_care: 'Home care',
      ggz_provider: 'Mental-health provider',
      neighbourhood_team: 'Neighbourhood team',
      region_operator: 'Region operator',
    },
  },
};
