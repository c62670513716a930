// Conversations end to end (CHAT-2, CHAT-5, CHAT-7, CHAT-8, CHAT-10, CHAT-11): two app instances, two
// users on two "workstations" (each its own home and session bus), against one region server.
// The GP starts a conversation with the district nurse; the nurse's desktop shows the OS
// notification (recorded by the notification server on her bus) without any content; she reads
// and answers, and the GP sees the answer arrive.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './webdriver.mjs';
import { Mailbox } from './mail.mjs';
import { DesktopNotifications } from './notifications.mjs';
import { DEMO_PASSWORD, keepUnlocked, login } from './accounts.mjs';

const driverUrl = process.env.KRING_WEBDRIVER_URL;
const driverUrlB = process.env.KRING_WEBDRIVER_URL_B;
const application = process.env.KRING_APP;
const shots = process.env.KRING_E2E_SHOTS;
const regionUrl = process.env.KRING_E2E_CHAT_REGION_URL;
const notificationsB = process.env.KRING_E2E_NOTIFICATIONS_B;
const desktopB = new DesktopNotifications(notificationsB ?? '');
const mailbox = new Mailbox(process.env.KRING_E2E_MAIL ?? '');

assert.ok(driverUrl && driverUrlB && application && shots && regionUrl && notificationsB, 'run through tests/e2e/run.sh');

describe('two caregivers exchange messages', () => {
  let gp;
  let nurse;
  before(async () => {
    gp = await Session.start(driverUrl, application, ['--server-url', regionUrl]);
    nurse = await Session.start(driverUrlB, application, ['--server-url', regionUrl]);
  });
  after(async () => {
    await gp?.close();
    await nurse?.close();
  });

  it('the GP starts a conversation with the district nurse (CHAT-2)', async () => {
    await login(gp, mailbox, 'huisarts', DEMO_PASSWORD, 'huisarts@demo.kring.nl', { firstLogin: true });
    await keepUnlocked(gp);
    await gp.click('[data-testid="nav-conversations"]');
    await gp.click('[data-testid="new-conversation-button"]');
    await gp.type('[data-testid="conversation-title"]', 'Wondzorg meneer K.');
    await gp.type('[data-testid="recipient-filter"]', 'Fatima');
    await gp.click('[data-testid="recipient-Fatima el Amrani"]');
    await gp.type('[data-testid="conversation-text"]', 'Kun je morgen de wond van meneer K. bekijken?');
    await gp.click('[data-testid="conversation-start"]:not([disabled])');
    await gp.waitForText('[data-testid="conversation-heading"]', 'Wondzorg meneer K.');
    await gp.waitForText('[data-testid="message"]', 'Kun je morgen de wond');
  });

  it('the nurse sees it in her inbox with the conversation cloud, and her desktop notifies a new message (CHAT-8, CHAT-11)', async () => {
    await login(nurse, mailbox, 'wijkverpleging', DEMO_PASSWORD, 'wijkverpleging@demo.kring.nl', { firstLogin: true });
    await keepUnlocked(nurse);
    await nurse.click('[data-testid="nav-conversations"]');
    await nurse.waitForText('[data-testid="conversation-item"]', 'Wondzorg meneer K.');
    await nurse.waitForText('[data-testid="unread-cloud"]', '1');
    await nurse.waitForText('[data-testid="nav-unread"]', '1');

    // The conversation is not in view on her screen: the next message raises a notification.
    const seen = (await desktopB.all()).length;
    await gp.type('[data-testid="composer"]', 'Hij is vanaf 10 uur thuis.');
    await gp.click('[data-testid="send"]:not([disabled])');
    const shown = await desktopB.next(seen);
    assert.equal(shown.app_name, 'Kring');
    assert.equal(shown.summary, 'Nieuw bericht in een gesprek');
    for (const secret of ['Wond', 'wond', 'meneer', '10 uur', 'Anne']) {
      assert.ok(!JSON.stringify(shown).includes(secret), `${secret} in the notification`);
    }
    await nurse.waitForText('[data-testid="unread-cloud"]', '2');
    // The inbox's tabs in words a GP knows (issue 13: "C ·" and "G ·" meant nothing).
    assert.match(await nurse.text('[data-testid="tab-conversations"]'), /^Gesprekken/);
    assert.match(await nurse.text('[data-testid="tab-consultations"]'), /^Consultaties/);
    // CHAT-5: the consultations tab opens (empty until consultations arrive) and the way back works.
    await nurse.click('[data-testid="tab-consultations"]');
    await nurse.waitForText('.list .empty', 'Nog geen consultaties');
    assert.equal(await nurse.count('[data-testid="conversation-item"]'), 0, 'no conversations under consultations');
    await nurse.click('[data-testid="tab-conversations"]');
    await nurse.find('[data-testid="conversation-item"]');
    await nurse.screenshot(`${shots}/conversations-inbox.png`);
  });

  it('she reads and answers; the GP sees the answer arrive (CHAT-11)', async () => {
    await nurse.click('[data-testid="conversation-item"]');
    await nurse.waitForText('[data-testid="conversation"]', 'Hij is vanaf 10 uur thuis.');
    await nurse.type('[data-testid="composer"]', 'Prima, ik ga om half 11 langs.');
    await nurse.click('[data-testid="send"]:not([disabled])');
    await gp.waitForText('[data-testid="conversation"]', 'Prima, ik ga om half 11 langs.');
    assert.equal(await nurse.count('[data-testid="unread-cloud"]'), 0, 'read once opened');
    await gp.screenshot(`${shots}/conversation.png`);
  });

  it('the nurse sends a photo of the wound; the GP sees its preview (CHAT-10)', async () => {
    // A 1x1 PNG, handed to the file input as a user's choice arrives.
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await nurse.find('[data-testid="attach-file"]');
    const pick = (name, data) =>
      nurse.call('POST', '/execute/sync', {
        script: `const [css, name, data] = arguments;
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const files = new DataTransfer();
          files.items.add(new File([bytes], name));
          const input = document.querySelector(css);
          input.files = files.files;
          input.dispatchEvent(new Event('change', { bubbles: true }));`,
        args: ['[data-testid="attach-file"]', name, data],
      });
    // A program renamed to .pdf is refused the moment it is picked, by name (issue 13).
    await pick('verslag.pdf', btoa('MZ\x90\x00 this is a program'));
    await nurse.waitForText('[data-testid="refused-files"]', 'verslag.pdf');
    assert.equal(await nurse.count('[data-testid="chosen-files"]'), 0, 'not accepted as a chip');
    await pick('wond.png', png);
    await nurse.waitForText('[data-testid="chosen-files"]', 'wond.png');
    await nurse.click('[data-testid="send"]:not([disabled])');
    await gp.waitForText('[data-testid="attachment"]', 'wond.png');
    await gp.find('[data-testid="attachment-preview"]');
    await nurse.find('[data-testid="attachment-preview"]');
    await nurse.screenshot(`${shots}/conversation-attachment.png`);
  });

  it('the nurse leaves: still readable, grey, without composer (CHAT-7)', async () => {
    await nurse.click('[data-testid="conversation-menu"]');
    await nurse.click('[data-testid="menu-leave"]');
    await nurse.click('[data-testid="confirm-leave"]');
    await nurse.find('[data-testid="left-notice"]');
    assert.equal(await nurse.count('[data-testid="composer"]'), 0);
    await nurse.waitForText('[data-testid="conversation"]', 'Prima, ik ga om half 11 langs.');
    await gp.waitForText('[data-testid="conversation-participants"]', '(verlaten)');
  });
});
