// Desktop end-to-end: the real Kring binary under Xvfb, driven through tauri-driver.
// Run by tests/e2e/run.sh (from `make test`), which starts Xvfb and tauri-driver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { Session } from './webdriver.mjs';

const driverUrl = process.env.KRING_WEBDRIVER_URL;
const application = process.env.KRING_APP;
const shots = process.env.KRING_E2E_SHOTS;
const DEMO_PASSWORD = 'Welkom-bij-Kring-2026';
const READY = '[data-testid="login-submit"]:not([disabled])';

assert.ok(driverUrl && application && shots, 'run through tests/e2e/run.sh');

describe('embedded demo region', () => {
  let app;
  before(async () => {
    await mkdir(shots, { recursive: true });
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

  it('logs the demo GP in and shows the organisation directory', async () => {
    await app.type('[data-testid="username"]', 'huisarts');
    await app.type('[data-testid="password"]', DEMO_PASSWORD);
    await app.click(READY);
    await app.find('[data-testid="directory"]');
    assert.equal(await app.text('[data-testid="current-user"]'), 'Anne de Vries');
    await app.waitForText('[data-testid="directory"]', 'Thuiszorg Hof van Delft');
    const directory = await app.text('[data-testid="directory"]');
    for (const expected of ['Huisartsenpraktijk De Linde', 'Zorggroep Delfland', 'GGZ Delfland', 'Mehmet Yılmaz', 'POH-GGZ medewerker']) {
      assert.ok(directory.includes(expected), `directory shows ${expected}`);
    }
    assert.equal((await app.findAll('[data-testid="organisation"]')).length, 4);
    await app.waitForText('[data-testid="connection-status"]', 'Verbonden');
    await app.screenshot(`${shots}/directory.png`);
  });

  it('logs out back to the login screen', async () => {
    await app.click('[data-testid="logout"]');
    await app.find(READY);
    assert.equal((await app.findAll('[data-testid="directory"]')).length, 0);
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
