// All Dutch text of the UI, in one place. Keys are English; en.ts has the same keys.
export const nl = {
  appName: 'Kring',
  tagline: 'Veilig samenwerken rond de patiënt',
  taglineDetail:
    'Huisartsenpraktijk, POH-GGZ, wijkverpleging en GGZ in één beveiligde omgeving. Berichten en patiëntgegevens zijn end-to-end versleuteld.',
  login: {
    title: 'Inloggen',
    subtitle: 'Log in met uw Kring-account.',
    username: 'Gebruikersnaam',
    password: 'Wachtwoord',
    submit: 'Inloggen',
    busy: 'Bezig met inloggen…',
    starting: 'Kring wordt gestart…',
    demoTitle: 'Demo-omgeving',
    demoIntro: 'Kies een demo-account. Het wachtwoord is voor alle accounts:',
    demoUse: 'Gebruik',
    server: 'Server',
    embedded: 'ingebouwd (deze computer)',
  },
  errors: {
    invalid_credentials: 'De gebruikersnaam of het wachtwoord klopt niet. Controleer beide en probeer het opnieuw.',
    missing_credentials: 'Vul uw gebruikersnaam en wachtwoord in.',
    server_unreachable:
      'De Kring-server is niet bereikbaar. Controleer de netwerkverbinding en probeer het opnieuw. Lukt het niet, neem dan contact op met uw beheerder.',
    invalid_server_url:
      'Het ingestelde serveradres is ongeldig. Gebruik een adres dat begint met https:// (bijvoorbeeld https://kring.regio.nl). Vraag uw beheerder om het juiste adres.',
    session_expired: 'Uw sessie is verlopen. Log opnieuw in.',
    rate_limited: 'Te veel mislukte inlogpogingen. Om uw account te beschermen is inloggen tijdelijk geblokkeerd.',
    forbidden: 'U heeft geen toestemming voor deze handeling.',
    invalid_request: 'Deze wijziging is niet toegestaan.',
    refused: 'De server heeft het verzoek geweigerd.',
    protocol: 'De server gaf een onverwacht antwoord. Probeer het later opnieuw.',
    cache: 'De lokale gegevens konden niet worden gelezen of opgeslagen.',
    internal: 'Er ging iets mis in Kring. Probeer het opnieuw; blijft het misgaan, neem dan contact op met uw beheerder.',
  } as Record<string, string>,
  retryAfter: (seconds: number) => {
    const minutes = Math.ceil(seconds / 60);
    return minutes <= 1 ? 'Probeer het over 1 minuut opnieuw.' : `Probeer het over ${minutes} minuten opnieuw.`;
  },
  topbar: {
    directory: 'Smoelenboek',
    online: 'Verbonden',
    offline: 'Geen verbinding — wijzigingen worden later verzonden',
    logout: 'Uitloggen',
    userMenu: 'Gebruikersmenu',
  },
  directory: {
    title: 'Smoelenboek',
    subtitle: 'Organisaties, teams en zorgverleners in uw regio.',
    search: 'Zoek op naam, organisatie, team of rol',
    empty: 'Nog geen gegevens. Het smoelenboek wordt gesynchroniseerd…',
    noResults: 'Geen resultaten voor deze zoekopdracht.',
    contactPerson: 'Aanspreekpunt',
    noContactPerson: 'Geen aanspreekpunt',
    noMembers: 'Nog geen medewerkers in dit team.',
    withoutTeam: 'Overige medewerkers',
    agb: 'AGB',
    organisations: (n: number) => (n === 1 ? '1 organisatie' : `${n} organisaties`),
    people: (n: number) => (n === 1 ? '1 persoon' : `${n} personen`),
    kinds: {
      gp_practice: 'Huisartsenpraktijk',
      care_group: 'Zorggroep',
      home_care: 'Thuiszorg',
      ggz_provider: 'GGZ-aanbieder',
      neighbourhood_team: 'Sociaal wijkteam',
      region_operator: 'Regiobeheer',
    } as Record<string, string>,
  },
};

export type Messages = typeof nl;
