// Logging in and out of the app the way a person does, for the tests against a region server
// with real mail (the login code comes from the SMTP sink's mailbox).
import assert from 'node:assert/strict';

export const DEMO_PASSWORD = 'Welkom-bij-Kring-2026';
export const NEW_PASSWORD = 'lange zomeravonden in Delft';
export const READY = '[data-testid="login-submit"]:not([disabled])';

/** Both login steps, with the code from the mail (or, for a user who gets codes by SMS, from the
 * texts: `mailbox` an SmsInbox and `email` the mobile number); then the first-password screen if
 * it comes. */
export async function login(app, mailbox, username, password, email, { firstLogin = false } = {}) {
  const seen = await mailbox.count(email);
  await app.find(READY);
  await app.type('[data-testid="username"]', username);
  await app.type('[data-testid="password"]', password);
  await app.click(READY);
  const mail = await mailbox.next(email, seen);
  const code = mail.match(/(?:Uw inlogcode voor Kring is: |Uw Kring-inlogcode is )(\d{6})/)?.[1];
  assert.ok(code, `a code in ${mail}`);
  await app.type('[data-testid="code"]', code);
  await app.click('[data-testid="code-submit"]:not([disabled])');
  if (firstLogin) {
    await app.type('[data-testid="new-password"]', NEW_PASSWORD);
    await app.type('[data-testid="repeat-password"]', NEW_PASSWORD);
    await app.click('[data-testid="password-submit"]:not([disabled])');
  }
  await app.find('[data-testid="current-user"]');
}

export async function logout(app) {
  await app.click('[data-testid="logout"]');
  await app.find(READY);
}

/** Long flows take more than the idle lock the test run starts with (12 s): choose 60 minutes for
 * this workstation on the profile page, as a GP at her own workstation may. */
export async function keepUnlocked(app) {
  await app.click('[data-testid="user-menu"]');
  await app.click('[data-testid="menu-profile"]');
  await app.find('[data-testid="idle-lock"]');
  await app.call('POST', '/execute/sync', {
    script: `const select = document.querySelector(arguments[0]);
      select.value = '60';
      select.dispatchEvent(new Event('change', { bubbles: true }));`,
    args: ['[data-testid="idle-lock"]'],
  });
  await app.find('[data-testid="idle-lock-saved"]');
  if (await app.count('[data-testid="lock-toggle"][data-state="closed"]')) {
    await app.click('[data-testid="lock-toggle"]');
    await app.type('[data-testid="unlock-password"]', NEW_PASSWORD);
    await app.click('[data-testid="unlock-submit"]:not([disabled])');
    await app.find('[data-testid="lock-toggle"][data-state="open"]');
  }
}
