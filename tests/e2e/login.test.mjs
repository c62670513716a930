// Desktop end-to-end: the real Kring binary under Xvfb, driven through tauri-driver.
// Run by tests/e2e/run.sh (from `make test`), which starts Xvfb and tauri-driver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './webdriver.mjs';

const driverUrl = process.env.KRING_WEBDRIVER_URL;
const application = process.env.KRING_APP;
const shots = process.env.KRING_E2E_SHOTS;
const DEMO_PASSWORD = 'Welkom-bij-Kring-2026';
const NEW_PASSWORD = 'lange zomeravonden in Delft';
const READY = '[data-testid="login-submit"]:not([disabled])';

assert.ok(driverUrl && application && shots, 'run through tests/e2e/run.sh');

describe('embedded demo region', () => {
  let app;
  before(async () => {
    const started = performance.now();
    app = await Session.start(driverUrl, application);
    await app.find(READY);
    console.log(`app start to usable login screen: ${Math.round(performance.now() - started)} ms`);
  });
  after(async () => app?.close());

  it('refuses a wrong password with a Dutch explanation', async () => {
    await app.type('[data-testid="username"]', 'huisarts');
    await app.type('[data-testid="password"]', 'niet-het-wachtwoord');
    await app.click(READY);
    const message = await app.waitForText('[data-testid="login-error"]', 'klopt niet');
    assert.match(message, /De gebruikersnaam of het wachtwoord klopt niet/);
  });

  it('asks for both fields before contacting the server', async () => {
    await app.type('[data-testid="username"]', '');
    await app.type('[data-testid="password"]', '');
    await app.click(READY);
    await app.waitForText('[data-testid="login-error"]', 'Vul uw gebruikersnaam en wachtwoord in');
  });

  it('locks an account after five wrong passwords and says for how long (ACC-7)', async () => {
    await app.type('[data-testid="username"]', 'verzorgende');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await app.find(READY); // the previous attempt has finished
      await app.type('[data-testid="password"]', `fout-${attempt}`);
      await app.click(READY);
      // Each attempt ends with the button enabled again and an error shown.
      await app.waitForText('[data-testid="login-error"]', attempt < 5 ? 'klopt niet' : 'Te veel');
    }
    const message = await app.text('[data-testid="login-error"]');
    assert.match(message, /Te veel mislukte inlogpogingen.*Probeer het over 1 minuut opnieuw/);
    await app.screenshot(`${shots}/locked.png`);
  });

  it('logs the demo GP in with the code from the demo mailbox (ACC-1)', async () => {
    await app.type('[data-testid="username"]', 'huisarts');
    await app.type('[data-testid="password"]', DEMO_PASSWORD);
    await app.click(READY);
    const step = await app.waitForText('[data-testid="code-step"]', 'gemaild naar');
    assert.match(step, /h•••s@demo\.kring\.nl/);
    const mail = await app.waitForText('[data-testid="dev-message"]', 'Uw inlogcode voor Kring is');
    assert.match(mail, /huisarts@demo\.kring\.nl/);
    await app.screenshot(`${shots}/code-step.png`);

    await app.type('[data-testid="code"]', '000000');
    await app.click('[data-testid="code-submit"]:not([disabled])');
    // Refused, unless 000000 happened to be the code; a WebDriver failure fails the step.
    const outcome = await app.waitForAny(['[data-testid="code-error"]', '[data-testid="first-password"]']);
    if (outcome === '[data-testid="code-error"]') {
      assert.match(await app.text('[data-testid="code-error"]'), /klopt niet/);
      await app.click('[data-testid="use-code"]');
      await app.click('[data-testid="code-submit"]:not([disabled])');
    }
    await app.find('[data-testid="first-password"]');
  });

  it('forces a password change before anything else and explains the rules (ACC-2)', async () => {
    await app.type('[data-testid="new-password"]', 'kort');
    await app.type('[data-testid="repeat-password"]', 'kort');
    await app.click('[data-testid="password-submit"]:not([disabled])');
    await app.waitForText('[data-testid="password-error"]', 'minstens 12 tekens');
    // The demo (temporary) password is not a new one (issue 13, ACC-2).
    await app.type('[data-testid="new-password"]', DEMO_PASSWORD);
    await app.type('[data-testid="repeat-password"]', DEMO_PASSWORD);
    await app.click('[data-testid="password-submit"]:not([disabled])');
    await app.waitForText('[data-testid="password-error"]', 'niet hetzelfde zijn als uw huidige');
    await app.type('[data-testid="new-password"]', NEW_PASSWORD);
    await app.type('[data-testid="repeat-password"]', NEW_PASSWORD);
    await app.screenshot(`${shots}/first-password.png`);
    await app.click('[data-testid="password-submit"]:not([disabled])');

    await app.find('[data-testid="directory"]');
    assert.equal(await app.text('[data-testid="current-user"]'), 'Anne de Vries');
    await app.waitForText('[data-testid="directory"]', 'Thuiszorg Hof van Delft');
    const directory = await app.text('[data-testid="directory"]');
    for (const expected of ['Huisartsenpraktijk De Linde', 'Zorggroep Delfland', 'GGZ Delfland', 'Mehmet Yılmaz', 'POH-GGZ medewerker']) {
      assert.ok(directory.includes(expected), `directory shows ${expected}`);
    }
    assert.equal((await app.findAll('[data-testid="organisation"]')).length, 5);
    await app.waitForText('[data-testid="connection-status"]', 'Verbonden');
    await app.find('[data-testid="lock-toggle"][data-state="open"]');
    await app.screenshot(`${shots}/directory.png`);
  });

  it('closes the lock by hand and opens it with the password (ACC-4)', async () => {
    await app.click('[data-testid="lock-toggle"][data-state="open"]');
    await app.waitForText('[data-testid="locked-banner"]', 'vergrendeld');
    await app.click('[data-testid="lock-toggle"][data-state="closed"]');
    await app.type('[data-testid="unlock-password"]', DEMO_PASSWORD);
    await app.click('[data-testid="unlock-submit"]:not([disabled])');
    await app.waitForText('[data-testid="unlock-error"]', 'klopt niet');
    await app.screenshot(`${shots}/unlock.png`);
    await app.type('[data-testid="unlock-password"]', NEW_PASSWORD);
    await app.click('[data-testid="unlock-submit"]:not([disabled])');
    await app.find('[data-testid="lock-toggle"][data-state="open"]');
    assert.equal(await app.count('[data-testid="locked-banner"]'), 0);
  });

  it('locks by itself after the idle time and unlocks again (ACC-7)', async () => {
    // The app runs with KRING_IDLE_LOCK_SECONDS (run.sh); waiting is on the lock's state.
    await app.find('[data-testid="lock-toggle"][data-state="closed"]');
    await app.screenshot(`${shots}/auto-locked.png`);
    await app.click('[data-testid="locked-banner"] button');
    await app.type('[data-testid="unlock-password"]', NEW_PASSWORD);
    await app.click('[data-testid="unlock-submit"]:not([disabled])');
    await app.find('[data-testid="lock-toggle"][data-state="open"]');
  });

  it('reads the demo extraction into the embedded demo and finds a patient (PAT-1, PAT-2)', async () => {
    await app.click('[data-testid="nav-patients"]');
    await app.click('[data-testid="import-demo"]');
    await app.waitForText('[data-testid="import-result"]', 'Ingelezen: 25 nieuwe en 0 bijgewerkte patiënten, 500 metingen.');
    await app.type('[data-testid="patient-search"]', 'Jansen');
    await app.waitForText('[data-testid="patient-count"]', 'van 25 patiënten');
    await app.screenshot(`${shots}/demo-patients.png`);
    await app.click('[data-testid="patient-row"] button');
    await app.waitForText('[data-testid="patient-page"]', 'HbA1c');
    await app.screenshot(`${shots}/demo-patient.png`);
  });

  it('shows the GP the verified access log of the practice (SEC-2)', async () => {
    await app.click('[data-testid="nav-access-log"]');
    const status = await app.waitForText('[data-testid="chain-status"]', 'Logboek gecontroleerd');
    assert.match(status, /niets gewijzigd of verwijderd/);
    assert.ok((await app.count('[data-testid="access-entry"]')) >= 25, 'the import of 25 patients is logged');
    await app.screenshot(`${shots}/access-log.png`);
  });

  it('switches to her care-group contract without logging out; the practice screens go (ACC-6)', async () => {
    await app.click('[data-testid="user-menu"]');
    await app.click('[data-testid="workplace"][aria-checked="false"]');
    await app.waitForText('.who small', 'Zorggroep Delfland');
    assert.equal(await app.count('[data-testid="nav-access-log"]'), 0, 'a quality officer sees no access log');
    assert.equal(await app.count('[data-testid="nav-staff"]'), 0);
    await app.screenshot(`${shots}/contract-switched.png`);
    await app.click('[data-testid="user-menu"]');
    await app.click('[data-testid="workplace"][aria-checked="false"]');
    await app.waitForText('.who small', 'Huisartsenpraktijk De Linde');
    await app.find('[data-testid="nav-access-log"]');
  });

  it('fills in a function on her profile, chosen from a filtered list (PROF-1)', async () => {
    await app.click('[data-testid="user-menu"]');
    await app.click('[data-testid="menu-profile"]');
    await app.type('[data-testid="function-filter"]', 'kader');
    await app.click('[data-testid="function-choice"]');
    await app.waitForText('[data-testid="functions"]', 'Kaderhuisarts');
    await app.click('[data-testid="profile-save"]:not([disabled])');
    await app.waitForText('[data-testid="profile-saved"]', 'opgeslagen');
    await app.screenshot(`${shots}/profile.png`);
  });

  it('logs out back to the login screen', async () => {
    await app.click('[data-testid="logout"]');
    await app.find(READY);
    assert.equal(await app.count('[data-testid="directory"]'), 0);
  });
});

describe('server settings', () => {
  it('refuses an invalid server address in plain Dutch', async () => {
    const app = await Session.start(driverUrl, application, ['--server-url', 'http://kring.voorbeeld.nl']);
    try {
      const message = await app.waitForText('[data-testid="login-error"]', 'serveradres is ongeldig');
      assert.match(message, /https:\/\//);
    } finally {
      await app.close();
    }
  });

  it('says so when the server cannot be reached', async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const app = await Session.start(driverUrl, application, ['--server-url', 'http://127.0.0.1:9']);
    try {
      await app.type('[data-testid="username"]', 'huisarts');
      await app.type('[data-testid="password"]', DEMO_PASSWORD);
      await app.click(READY);
      await app.waitForText('[data-testid="login-error"]', 'niet bereikbaar');
      await app.screenshot(`${shots}/unreachable.png`);
    } finally {
      await app.close();
    }
  });
});
