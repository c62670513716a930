// Referrals end to end (REF-1 … REF-4, NET-2): two workstations against one region server. The GP
// refers a patient to home care and sees which data go along; the district nurse's desktop
// notifies, she takes the referral, adds a colleague to the care network and sends feedback; the
// GP closes it and sees how each member joined. Then the POH-GGZ refers another patient to the
// GGZ provider on behalf of the GP, and the letter PDF the app made reads back with pdftotext.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Session } from './webdriver.mjs';
import { Mailbox } from './mail.mjs';
import { DesktopNotifications } from './notifications.mjs';
import { SmsInbox } from './sms.mjs';
import { DEMO_PASSWORD, keepUnlocked, login, logout } from './accounts.mjs';
import { importExtraction, openPatient } from './practice.mjs';

const execFileAsync = promisify(execFile);
const driverUrl = process.env.KRING_WEBDRIVER_URL;
const driverUrlB = process.env.KRING_WEBDRIVER_URL_B;
const application = process.env.KRING_APP;
const shots = process.env.KRING_E2E_SHOTS;
const regionUrl = process.env.KRING_E2E_REFERRALS_REGION_URL;
const notificationsB = process.env.KRING_E2E_NOTIFICATIONS_B;
const desktopB = new DesktopNotifications(notificationsB ?? '');
const mailbox = new Mailbox(process.env.KRING_E2E_MAIL ?? '');
const texts = new SmsInbox(process.env.KRING_E2E_TEXTS ?? '');
const REASON = 'Wondcontrole en bloeddrukcontrole na val, graag 2x per week.';
const GGZ_REASON = 'Sinds maanden somber en slaapt slecht; vraag om diagnostiek en behandeling.';

assert.ok(driverUrl && driverUrlB && application && shots && regionUrl && notificationsB, 'run through tests/e2e/run.sh');

/** Record the consent for network care from the Acties tab's referral panel (PAT-6). */
async function recordConsent(app) {
  await app.click('[data-testid="tab-actions"]');
  await app.waitForText('[data-testid="referrals-needs-consent"]', 'toestemming');
  await app.click('[data-testid="referrals-record-consent"]');
  await app.click('[data-testid="consent-giver-patient"]');
  await app.click('[data-testid="consent-submit"]');
  await app.waitForText('[data-testid="consent-status"]', 'Toestemming netwerkzorg');
}

/** Open the Verwijzingen tab of the inbox and the referral whose item mentions `text`. */
async function openReferral(app, text) {
  await app.click('[data-testid="nav-conversations"]');
  await app.click('[data-testid="tab-referrals"]');
  await app.waitForText('[data-testid="referral-item"]', text);
  const items = await app.findAll('[data-testid="referral-item"]');
  for (const item of items) {
    const content = await app.call('GET', `/element/${item}/text`);
    if (content.includes(text)) {
      await app.call('POST', `/element/${item}/click`, {});
      await app.find('[data-testid="referral-pane"] [data-testid="referral-history"]');
      return;
    }
  }
  throw new Error(`no referral item with ${text}`);
}

describe('referring a patient, the care network and the GGZ letter', () => {
  let gp;
  let nurse;
  // The nurse's window opens when she comes in and closes when she is done: both share one
  // display, and a screenshot shows the window on top.
  before(async () => {
    gp = await Session.start(driverUrl, application, ['--server-url', regionUrl]);
  });
  after(async () => {
    await gp?.close();
    await nurse?.close();
  });

  it('the GP refers to home care and sees which data go along (REF-1, REF-2)', async () => {
    await login(gp, mailbox, 'huisarts', DEMO_PASSWORD, 'huisarts@demo.kring.nl', { firstLogin: true });
    await keepUnlocked(gp);
    await importExtraction(gp);

    await openPatient(gp, 'Bakker', 'Bakker, Anna');
    await recordConsent(gp);
    await openPatient(gp, 'Vries', 'de Vries, Jan Willem');
    await recordConsent(gp);
    await gp.click('[data-testid="refer-button"]:not([disabled])');
    await gp.choose('[data-testid="referral-target"]', 'Thuiszorg Hof van Delft');
    // Home care receives blood pressure and weight under the region's matrix, not medication.
    await gp.waitForText('[data-testid="referral-categories"]', 'Bloeddruk');
    const shared = await gp.text('[data-testid="referral-categories"]');
    assert.match(shared, /Gewicht/);
    assert.doesNotMatch(shared, /Medicatie/);
    await gp.waitForText('[data-testid="referral-receivers"]', 'Thuiszorg Hof van Delft');
    // No reason: its own Dutch message, nothing sent.
    await gp.click('[data-testid="referral-send"]:not([disabled])');
    await gp.waitForText('[data-testid="referral-error"]', 'Vul de reden van verwijzing in.');
    await gp.type('[data-testid="referral-reason"]', REASON);
    await gp.screenshot(`${shots}/referral-form.png`);
    // The nurse is logged in before the referral arrives, so her desktop can notify it.
    nurse = await Session.start(driverUrlB, application, ['--server-url', regionUrl]);
    await login(nurse, mailbox, 'wijkverpleging', DEMO_PASSWORD, 'wijkverpleging@demo.kring.nl', { firstLogin: true });
    await keepUnlocked(nurse);
    const seen = (await desktopB.all()).length;
    await gp.click('[data-testid="referral-send"]:not([disabled])');
    await gp.waitGone('[data-testid="referral-dialog"]');
    await gp.click('[data-testid="tab-timeline"]');
    await gp.waitForText('[data-testid="timeline"]', 'Verwijzing verzonden');

    // The nurse's desktop says there is something new, and nothing about whom (CHAT-11).
    const shown = await desktopB.next(seen);
    assert.equal(shown.app_name, 'Kring');
    for (const secret of ['Vries', 'Wond', 'bloeddruk', 'Anne']) {
      assert.ok(!JSON.stringify(shown).includes(secret), `${secret} in the notification`);
    }
  });

  it('the nurse takes it, adds a colleague and sends feedback (REF-3, NET-2)', async () => {
    await nurse.click('[data-testid="nav-conversations"]');
    await nurse.waitForText('[data-testid="referrals-cloud"]', '1');
    await openReferral(nurse, 'de Vries');
    await nurse.waitForText('[data-testid="referral-reason-text"]', REASON);
    await nurse.waitForText('[data-testid="referral-shared-categories"]', 'Bloeddruk');
    // The blood pressure from the HIS, in the patient page's chart: what the matrix let through.
    await nurse.waitForText('[data-testid="referral-trend"]', 'Systolische bloeddruk');
    await nurse.screenshot(`${shots}/referrals-list.png`);

    await nurse.click('[data-testid="referral-take"]:not([disabled])');
    await nurse.click('[data-testid="colleague-option"][data-name="Joost Visser"]');
    await nurse.click('[data-testid="add-colleagues-confirm"]:not([disabled])');
    await nurse.waitForText('[data-testid="referral-taken-by"]', 'Fatima el Amrani');
    assert.equal(await nurse.count('[data-testid="referral-withdraw"]'), 0, 'only the practice withdraws');

    // Feedback without text or attachment is refused in Dutch; with text it goes.
    await nurse.click('[data-testid="referral-feedback"]:not([disabled])');
    await nurse.click('[data-testid="feedback-send"]:not([disabled])');
    await nurse.waitForText('[data-testid="feedback-error"]', 'Schrijf een terugkoppeling');
    await nurse.type('[data-testid="feedback-text"]', 'Eerste bezoek gedaan, wond geneest goed. RR 138/84.');
    await nurse.click('[data-testid="feedback-send"]:not([disabled])');
    await nurse.waitForText('[data-testid="referral-history"]', 'Teruggekoppeld');

    // She asks the region to let medication go to home care (REF-2); an explanation is required.
    await nurse.click('[data-testid="open-matrix"]');
    await nurse.waitForText('[data-testid="matrix-version"]', 'Versie 1');
    await nurse.choose('[data-testid="matrix-request-kind"]', 'Thuiszorg');
    await nurse.choose('[data-testid="matrix-request-category"]', 'Medicatie');
    await nurse.click('[data-testid="matrix-request-send"]:not([disabled])');
    await nurse.waitForText('[data-testid="matrix-error"]', 'Schrijf waarom');
    await nurse.type('[data-testid="matrix-request-explanation"]', 'Wij delen medicatie uit en moeten weten wat de patiënt gebruikt.');
    await nurse.click('[data-testid="matrix-request-send"]:not([disabled])');
    await nurse.find('[data-testid="matrix-request-sent"]');
    await nurse.waitForText('[data-testid="matrix-request-status"]', 'In afwachting');
    await nurse.click('[data-testid="matrix-close"]');

    // At the patient's home she measures a blood pressure (CARE-4): an impossible one is refused
    // in Dutch; the real one joins the chart as a home value.
    await nurse.click('[data-testid="nav-patients"]');
    await nurse.type('[data-testid="patient-search"]', 'Vries');
    await nurse.click('[data-testid="patient-row"] button');
    await nurse.waitForText('[data-testid="patient-name"]', 'de Vries, Jan Willem');
    await nurse.click('[data-testid="home-measurement-add"]');
    await nurse.choose('[data-testid="home-kind"]', 'Bloeddruk');
    await nurse.type('[data-testid="home-value-0"]', '84');
    await nurse.type('[data-testid="home-value-1"]', '152');
    await nurse.click('[data-testid="home-save"]:not([disabled])');
    await nurse.waitForText('[data-testid="home-error"]', 'De onderdruk moet lager zijn dan de bovendruk');
    await nurse.type('[data-testid="home-value-0"]', '152');
    await nurse.type('[data-testid="home-value-1"]', '84');
    await nurse.click('[data-testid="home-save"]:not([disabled])');
    await nurse.waitGone('[data-testid="home-measurement-dialog"]');
    await nurse.find('[data-testid="trend-row"][data-source="home"][data-value="152"]');
    await nurse.find('[data-testid="trend-home-legend"]');
    await nurse.screenshot(`${shots}/home-measurement.png`);

    // She starts the health plan (CARE-2): a problem needs a title.
    await nurse.click('[data-testid="tab-plan"]');
    await nurse.click('[data-testid="plan-add-problem"]');
    await nurse.click('[data-testid="plan-save"]:not([disabled])');
    await nurse.waitForText('[data-testid="plan-error"]', 'Geef het probleem, doel of de actie een titel.');
    await nurse.type('[data-testid="plan-title"]', 'Valgevaar');
    await nurse.type('[data-testid="plan-text"]', 'Twee keer gevallen in december.');
    await nurse.click('[data-testid="plan-save"]:not([disabled])');
    await nurse.waitGone('[data-testid="health-plan-dialog"]');
    await nurse.waitForText('[data-testid="plan-item"]', 'Gewijzigd door Fatima el Amrani');
    await nurse.click('[data-testid="plan-add-action"]');
    await nurse.type('[data-testid="plan-title"]', 'Valpreventietraining aanvragen');
    await nurse.click('[data-testid="plan-save"]:not([disabled])');
    await nurse.waitGone('[data-testid="health-plan-dialog"]');
    await nurse.waitForText('[data-testid="plan-section-action"]', 'Wie: De patiënt');
    await nurse.screenshot(`${shots}/health-plan.png`);
  });

  it('the GP sees the feedback, closes the referral and sees how each member joined (REF-3, NET-2)', async () => {
    await openReferral(gp, 'de Vries');
    await gp.waitForText('[data-testid="referral-view-status"]', 'Teruggekoppeld');
    await gp.waitForText('[data-testid="referral-taken-by"]', 'Fatima el Amrani');
    // The feedback's text is in the referral itself, not only in its conversation (REF-3).
    await gp.waitForText('[data-testid="referral-messages"]', 'Eerste bezoek gedaan, wond geneest goed.');
    // Withdrawing is no longer offered once a caregiver took it.
    assert.equal(await gp.count('[data-testid="referral-withdraw"]'), 0, 'withdraw after taking');
    await gp.click('[data-testid="referral-close"]:not([disabled])');
    await gp.click('[data-testid="referral-close-confirm"]');
    await gp.waitForText('[data-testid="referral-view-status"]', 'Gesloten');
    await openReferral(nurse, 'de Vries');
    await nurse.waitForText('[data-testid="referral-view-status"]', 'Gesloten');
    await nurse.close();
    nurse = null;

    await openPatient(gp, 'Vries', 'de Vries, Jan Willem');
    await gp.click('[data-testid="tab-actions"]');
    await gp.waitForText('[data-testid="network-member"][data-name="Fatima el Amrani"] [data-testid="network-joined"]', 'Verwijzing');
    await gp.waitForText(
      '[data-testid="network-member"][data-name="Joost Visser"] [data-testid="network-joined"]',
      'Handmatig toegevoegd door Fatima el Amrani',
    );
    await gp.screenshot(`${shots}/care-network.png`);
    // The nurse's health plan items, with who wrote them (CARE-2).
    await gp.click('[data-testid="tab-plan"]');
    await gp.waitForText('[data-testid="plan-section-problem"]', 'Valgevaar');
    await gp.waitForText('[data-testid="plan-section-problem"]', 'Fatima el Amrani');
    await gp.click('[data-testid="tab-timeline"]');
    await gp.waitForText('[data-testid="timeline"]', 'Verwijzing gesloten');
    await gp.waitForText('[data-testid="timeline"]', 'Terugkoppeling op verwijzing');
    await logout(gp);
  });

  it('the POH-GGZ refers to the GGZ provider on behalf of the GP; the letter PDF reads back (REF-4)', async () => {
    // Her login code comes by SMS.
    await login(gp, texts, 'pohggz', DEMO_PASSWORD, '+31612340002', { firstLogin: true });
    await keepUnlocked(gp);
    await openPatient(gp, 'Bakker', 'Bakker, Anna');
    await gp.click('[data-testid="tab-actions"]');
    await gp.click('[data-testid="ggz-refer-button"]:not([disabled])');
    // Step 1 needs the reason.
    await gp.click('[data-testid="ggz-next"]');
    await gp.waitForText('[data-testid="ggz-error"]', 'Vul de reden van verwijzing in.');
    await gp.type('[data-testid="ggz-reason"]', GGZ_REASON);
    await gp.choose('[data-testid="ggz-disorder"]', 'Depressieve stoornis');
    await gp.find('[data-testid="ggz-disorder-explanation"]');
    // The letter beside the form follows what was typed, with the medication the matrix lets go.
    await gp.waitForText('[data-testid="ggz-letter-preview"]', GGZ_REASON);
    await gp.waitForText('[data-testid="ggz-letter-preview"]', 'Depressieve stoornis');
    await gp.waitForText('[data-testid="ggz-letter-preview"]', 'Metformine 500 mg tablet');
    await gp.screenshot(`${shots}/ggz-referral-letter.png`);
    await gp.click('[data-testid="ggz-next"]');

    // Step 2: on whose behalf, and the phone number the extraction lacks.
    await gp.find('[data-testid="ggz-on-behalf"]');
    await gp.type('[data-testid="ggz-phone"]', '06-1234');
    await gp.click('[data-testid="ggz-send"]:not([disabled])');
    await gp.waitForText('[data-testid="ggz-error"]', 'geen geldig telefoonnummer');
    await gp.type('[data-testid="ggz-phone"]', '06-12345678');
    await gp.click('[data-testid="ggz-send"]:not([disabled])');
    await gp.waitForText('[data-testid="ggz-error"]', 'namens welke huisarts');
    await gp.choose('[data-testid="ggz-on-behalf"]', 'Anne de Vries');
    await gp.click('[data-testid="ggz-send"]:not([disabled])');
    await gp.waitGone('[data-testid="ggz-dialog"]');
    await gp.click('[data-testid="tab-timeline"]');
    await gp.waitForText('[data-testid="timeline"]', 'Verwijzing verzonden');

    await openReferral(gp, 'Bakker');
    await gp.find('[data-testid="referral-item"] [data-testid="referral-ggz"]');
    await gp.click('[data-testid="referral-letter-save"]');
    const saved = await gp.waitForText('[data-testid="referral-letter-saved"]', '.pdf');
    const path = saved.match(/Opgeslagen in (.+\.pdf)/)?.[1];
    assert.ok(path, `a path in ${saved}`);
    const { stdout: letter } = await execFileAsync('pdftotext', ['-layout', path, '-']);
    const flat = letter.replace(/\s+/g, ' ');
    assert.match(flat, /Verwijsbrief/);
    assert.match(flat, /Bakker/);
    assert.ok(flat.includes(GGZ_REASON), 'the reason in the letter');
    assert.match(flat, /Mehmet Yılmaz/);
    assert.match(flat, /Namens Anne de Vries/);
    assert.match(flat, /Metformine 500 mg tablet/);
    assert.match(flat.replace(/[\s-]/g, ''), /Telefoon(06|\+316)12345678/);
    // HbA1c is not in the matrix's row for GGZ providers: not in the letter either.
    assert.doesNotMatch(flat, /HbA1c/);
    await gp.screenshot(`${shots}/ggz-referral.png`);
    await logout(gp);
  });

  it("the region operator approves the nurse's request: the matrix has a version 2 (REF-2)", async () => {
    await login(gp, mailbox, 'regiobeheer', DEMO_PASSWORD, 'regiobeheer@demo.kring.nl', { firstLogin: true });
    await gp.click('[data-testid="nav-matrix"]');
    await gp.waitForText('[data-testid="matrix-request"]', 'Wij delen medicatie uit');
    assert.equal(await gp.count('[data-testid="matrix-request-send"]'), 0, 'the operator decides, and does not ask');
    await gp.screenshot(`${shots}/matrix-operator.png`);
    await gp.click('[data-testid="matrix-approve"]:not([disabled])');
    await gp.waitForText('[data-testid="matrix-version"]', 'Versie 2');
    await gp.waitForText('[data-testid="matrix-version"]', 'Ruud Hermans');
    await gp.waitForText('[data-testid="matrix-request-status"]', 'Goedgekeurd (versie 2)');
  });
});
