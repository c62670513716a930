// Consultations end to end (CONS-1 … CONS-4, STAFF-5): the POH-GGZ asks the psychiatric
// consultation line (two psychiatrists) about a patient; a psychiatrist's desktop notifies and she
// sees it waiting; the other picks it up, answers and books a service; the first no longer sees
// it; the POH-GGZ reads answer and declaration; the GP sees the consultation on the patient's
// timeline without an open button, and the month's figures and the declaration under Rapportages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Session } from './webdriver.mjs';
import { Mailbox } from './mail.mjs';
import { DesktopNotifications } from './notifications.mjs';
import { SmsInbox } from './sms.mjs';
import { DEMO_PASSWORD, NEW_PASSWORD, keepUnlocked, login, logout } from './accounts.mjs';
import { importExtraction, openPatient } from './practice.mjs';

const driverUrl = process.env.KRING_WEBDRIVER_URL;
const driverUrlB = process.env.KRING_WEBDRIVER_URL_B;
const application = process.env.KRING_APP;
const shots = process.env.KRING_E2E_SHOTS;
const regionUrl = process.env.KRING_E2E_CONSULTATIONS_REGION_URL;
const desktopB = new DesktopNotifications(process.env.KRING_E2E_NOTIFICATIONS_B ?? '');
const mailbox = new Mailbox(process.env.KRING_E2E_MAIL ?? '');
const texts = new SmsInbox(process.env.KRING_E2E_TEXTS ?? '');
const SUBJECT = 'Somberheid na verlies';
const QUESTION = 'Mevrouw slaapt slecht sinds het overlijden van haar man. Graag advies over medicatie.';
const ANSWER = 'Start met slaaphygiëne; overweeg mirtazapine 15 mg voor de nacht.';

assert.ok(driverUrl && driverUrlB && application && shots && regionUrl, 'run through tests/e2e/run.sh');

/** The C tab's consultation with `subject`, opened. */
async function openConsultation(app) {
  await app.click('[data-testid="nav-conversations"]');
  await app.click('[data-testid="tab-consultations"]');
  await app.click('[data-testid="consultation-item"]');
  await app.waitForText('[data-testid="consultation-subject-view"]', SUBJECT);
}

describe('a consultation with the psychiatric consultation line', () => {
  let practice;
  let specialist;
  before(async () => {
    practice = await Session.start(driverUrl, application, ['--server-url', regionUrl]);
  });
  after(async () => {
    await practice?.close();
    await specialist?.close();
  });

  it('the POH-GGZ asks the group; the subject is held to 25 characters (CONS-1)', async () => {
    // The GP imports the practice's patients (and so holds the practice key the POH-GGZ gets).
    await login(practice, mailbox, 'huisarts', DEMO_PASSWORD, 'huisarts@demo.kring.nl', { firstLogin: true });
    await importExtraction(practice);
    await logout(practice);
    await login(practice, texts, 'pohggz', DEMO_PASSWORD, '+31612340002', { firstLogin: true });
    await keepUnlocked(practice);
    await openPatient(practice, 'Bakker', 'Bakker, Anna');
    await practice.click('[data-testid="tab-actions"]');
    await practice.click('[data-testid="consultation-ask"]');
    await practice.waitForText('[data-testid="consultation-agreement"]', 'Antwoord binnen 24 werkuren');
    await practice.type('[data-testid="consultation-subject"]', 'Somberheid na verlies van partner');
    await practice.type('[data-testid="consultation-question"]', QUESTION);
    await practice.waitForText('[data-testid="consultation-subject-count"]', '33');
    await practice.click('[data-testid="consultation-send"]:not([disabled])');
    await practice.waitForText('[data-testid="consultation-error"]', 'hoogstens 25 tekens');
    await practice.type('[data-testid="consultation-subject"]', SUBJECT);
    await practice.screenshot(`${shots}/consultation-form.png`);

    // A psychiatrist of the group is logged in on his own workstation before it arrives.
    specialist = await Session.start(driverUrlB, application, ['--server-url', regionUrl]);
    await login(specialist, mailbox, 'psychiater2', DEMO_PASSWORD, 'psychiater2@demo.kring.nl', { firstLogin: true });
    await keepUnlocked(specialist);
    const seen = (await desktopB.all()).length;
    await practice.click('[data-testid="consultation-send"]:not([disabled])');
    await practice.waitGone('[data-testid="consultation-dialog"]');
    await practice.waitForText('[data-testid="timeline-consultation"]', SUBJECT);
    await practice.find('[data-testid="timeline-consultation-open"]');

    // His desktop says there is something new, and nothing about whom or what; the C tab has it.
    const shown = await desktopB.next(seen);
    for (const secret of ['Bakker', 'Somberheid', 'slaapt', 'Mehmet']) {
      assert.ok(!JSON.stringify(shown).includes(secret), `${secret} in the notification`);
    }
    await specialist.click('[data-testid="nav-conversations"]');
    await specialist.waitForText('[data-testid="consultations-cloud"]', '1');
    await openConsultation(specialist);
    await specialist.find('[data-testid="consultation-pick-up"]');
    // Before anyone picks it up, a specialist does not write in it.
    assert.equal(await specialist.count('[data-testid="composer"]'), 0, 'no composer before pickup');
    await specialist.waitForText('[data-testid="read-only-notice"]', 'Pak de consultatie op om te antwoorden');
    await logout(specialist);
  });

  it('the other psychiatrist picks it up, answers and books a service (CONS-2, CONS-4)', async () => {
    await login(specialist, mailbox, 'psychiater', DEMO_PASSWORD, 'psychiater@demo.kring.nl', { firstLogin: true });
    await specialist.click('[data-testid="nav-conversations"]');
    await specialist.waitForText('[data-testid="consultations-cloud"]', '1');
    await openConsultation(specialist);
    await specialist.waitForText('[data-testid="consultation-deadline"]', 'antwoord verwacht vóór');
    await specialist.waitForText('[data-testid="consultation-pane"]', QUESTION);
    await specialist.screenshot(`${shots}/consultation-c-tab.png`);
    await specialist.click('[data-testid="consultation-pick-up"]:not([disabled])');
    await specialist.waitForText('[data-testid="consultation-picked-up-by"]', 'Lisa Jansen');
    await specialist.type('[data-testid="composer"]', ANSWER);
    await specialist.click('[data-testid="send"]:not([disabled])');
    await specialist.waitForText('[data-testid="consultation-view-status"]', 'Beantwoord');
    await specialist.choose('[data-testid="consultation-service"]', 'PCH-K');
    await specialist.click('[data-testid="consultation-declare"]:not([disabled])');
    await specialist.waitForText('[data-testid="consultation-declaration"]', 'PCH-K · Consultatie psychiater, kort advies');
    await logout(specialist);
  });

  it('the first psychiatrist no longer sees it (CONS-2)', async () => {
    await login(specialist, mailbox, 'psychiater2', NEW_PASSWORD, 'psychiater2@demo.kring.nl');
    await specialist.click('[data-testid="nav-conversations"]');
    await specialist.click('[data-testid="tab-consultations"]');
    await specialist.find('[data-testid="consultations-empty"]');
    assert.equal(await specialist.count('[data-testid="consultation-item"]'), 0, 'picked up by a colleague');
    await specialist.close();
    specialist = null;
  });

  it('the POH-GGZ reads answer and declaration; the GP sees the timeline item without opening it (CONS-3)', async () => {
    await openConsultation(practice);
    await practice.waitForText('[data-testid="consultation-view-status"]', 'Beantwoord');
    await practice.waitForText('[data-testid="consultation-pane"]', ANSWER);
    await practice.waitForText('[data-testid="consultation-declaration"]', 'geboekt door Lisa Jansen');
    await logout(practice);

    await login(practice, mailbox, 'huisarts', NEW_PASSWORD, 'huisarts@demo.kring.nl');
    await openPatient(practice, 'Bakker', 'Bakker, Anna');
    await practice.click('[data-testid="tab-timeline"]');
    await practice.waitForText('[data-testid="timeline-consultation"]', SUBJECT);
    await practice.waitForText('[data-testid="timeline-consultation-status"]', 'Beantwoord');
    await practice.find('[data-testid="timeline-consultation-closed"]');
    assert.equal(await practice.count('[data-testid="timeline-consultation-open"]'), 0, 'no open button for the GP');
    await practice.screenshot(`${shots}/consultation-timeline.png`);

    // STAFF-5: this month's figures and the declaration, without patient data.
    await practice.click('[data-testid="nav-reports"]');
    await practice.find('[data-testid="dashboard-bar"][data-series="declared"][data-value="1"]');
    await practice.find('[data-testid="dashboard-bar"][data-series="answered_within"][data-value="1"]');
    await practice.waitForText('[data-testid="declaration-row"]', 'PCH-K');
    await practice.click('[data-testid="declarations-export"]');
    const saved = await practice.waitForText('[data-testid="declarations-saved"]', '.csv');
    const path = saved.match(/Opgeslagen in (.+\.csv)/)?.[1];
    assert.ok(path, `a path in ${saved}`);
    const csv = await readFile(path, 'utf8');
    assert.match(csv, /;PCH-K;Consultatie psychiater, kort advies;Lisa Jansen;/);
    assert.doesNotMatch(csv, /Bakker|Somberheid/);
    await practice.screenshot(`${shots}/consultation-dashboard.png`);
  });
});
