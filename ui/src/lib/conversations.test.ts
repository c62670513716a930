import { describe, expect, it } from 'vitest';
import type { ConversationSummary, MessageView } from './api';
import { setLanguage } from './i18n';
import { awaySentence, chooseAttachments, type AttachmentCheck, hisReturnedMark, hisReturnNotice, conversationTitle, fileSize, messageStatus, messageTime, otherParticipants, toUpload, unreadConversations } from './conversations';

const summary = (over: Partial<ConversationSummary> = {}): ConversationSummary => ({
  id: 'c1',
  title: 'Medicatie',
  patient: null,
  participants: [
    { user_id: 'me', name: 'Anne de Vries', active: true, inhabitant: false, via_inbox: null, away: null },
    { user_id: 'poh', name: 'Mehmet Yılmaz', active: false, inhabitant: false, via_inbox: null, away: null },
    { user_id: 'nurse', name: 'Fatima el Amrani', active: true, inhabitant: false, via_inbox: null, away: null },
  ],
  last_message_at: null,
  unread: 0,
  active: true,
  archived: false,
  sending: 0,
  returned_to_his: null,
  ...over,
});

describe('conversation helpers', () => {
  it('CHAT-4: says until when someone is absent, or when they work again', () => {
    expect(awaySentence('Lisa Jansen', { reason: 'absent', until: '2027-01-03' })).toBe('Lisa Jansen is afwezig tot en met 03-01-2027.');
    expect(awaySentence('Lisa Jansen', { reason: 'not_working_today', back: '2026-11-26' })).toMatch(/werkt vandaag niet; weer aanwezig op 26-11-2026/);
  });

  it('CHAT-5: a sealed title says so instead of showing nothing', () => {
    expect(conversationTitle(summary())).toBe('Medicatie');
    expect(conversationTitle(summary({ title: null }))).toMatch(/Versleuteld gesprek/);
  });

  it('CHAT-7: leavers are marked in the participant line, and I am not in it', () => {
    expect(otherParticipants(summary(), 'me')).toBe('Mehmet Yılmaz (verlaten), Fatima el Amrani');
  });

  it('CHAT-8: counts conversations with unread messages, not messages, and not ones I left', () => {
    const list = [summary({ unread: 3 }), summary({ unread: 1 }), summary({ unread: 0 }), summary({ unread: 2, active: false })];
    expect(unreadConversations(list)).toBe(2);
  });

  it('CHAT-11: a message in the outbox says it is being sent', () => {
    const message: MessageView = { id: 'm', author_id: 'me', author_name: 'Anne', text: 'x', sent_at: null, mine: true, state: 'sending', attachments: [] };
    expect(messageStatus(message)).toBe('wordt verzonden…');
    expect(messageStatus({ ...message, state: 'refused' })).toBe('niet verzonden');
  });

  it('shows the time today, "gisteren" yesterday, and the date before', () => {
    const now = new Date(2026, 10, 25, 15, 0);
    expect(messageTime(new Date(2026, 10, 25, 14, 5).toISOString(), now)).toBe('14:05');
    expect(messageTime(new Date(2026, 10, 24, 9, 30).toISOString(), now)).toBe('gisteren 09:30');
    expect(messageTime(new Date(2026, 10, 2, 9, 30).toISOString(), now)).toBe('02-11-2026 09:30');
  });

  it('says "yesterday" and writes sizes the English way once English is chosen (issue 13)', () => {
    setLanguage('en');
    try {
      const now = new Date(2026, 10, 25, 15, 0);
      expect(messageTime(new Date(2026, 10, 24, 9, 30).toISOString(), now)).toBe('yesterday 09:30');
      expect(fileSize(3_100_000)).toBe('3.1 MB');
    } finally {
      setLanguage('nl');
    }
  });

  it('CHAT-10: sizes read as Dutch users expect, and files travel as base64', async () => {
    expect(fileSize(3_100_000)).toBe('3,1 MB');
    expect(fileSize(840_000)).toBe('840 kB');
    expect(fileSize(12)).toBe('12 B');
    const upload = await toUpload(new File([new Uint8Array([0xff, 0xd8, 0xff, 0x00])], 'wond.jpg'));
    expect(upload).toEqual({ name: 'wond.jpg', data: '/9j/AA==' });
  });
});

describe('chooseAttachments (issue 13: checked at selection, naming the file)', () => {
  const file = (name: string, size: number) => ({ name, size }) as File;
  // Stands in for the app's check (kring-domain's rule, tested in Rust and in the e2e): refuses by name.
  const check: AttachmentCheck = async (picked, attached) =>
    attached >= 2 ? 'attachment_too_many' : picked.name.endsWith('.exe') ? 'attachment_kind_not_allowed' : picked.size > 100 ? 'attachment_too_large' : null;

  it('keeps what the app accepts and names each refused file with its reason', async () => {
    const { files, refused } = await chooseAttachments([], [file('scan.pdf', 500), file('setup.exe', 10), file('foto.JPG', 10)], check);
    expect(files.map((f) => f.name)).toEqual(['foto.JPG']);
    expect(refused).toEqual([
      { name: 'scan.pdf', code: 'attachment_too_large' },
      { name: 'setup.exe', code: 'attachment_kind_not_allowed' },
    ]);
  });

  it('tells the app how many are attached already, counting the ones just accepted', async () => {
    const { files, refused } = await chooseAttachments([file('1.pdf', 10)], [file('2.pdf', 10), file('3.pdf', 10)], check);
    expect(files.map((f) => f.name)).toEqual(['1.pdf', '2.pdf']);
    expect(refused).toEqual([{ name: '3.pdf', code: 'attachment_too_many' }]);
  });
});

describe('hisReturnedMark (issue 13: a conversation is not sent to the HIS twice by accident)', () => {
  it('says who sent it back, when and with how many messages', () => {
    const now = new Date('2026-12-03T15:00:00');
    const mark = hisReturnedMark({ at: new Date('2026-12-01T10:05:00').toISOString(), by: 'Mehmet Yılmaz', messages: 2 }, now);
    expect(mark).toBe('Teruggestuurd naar het HIS door Mehmet Yılmaz (01-12-2026 10:05, 2 berichten).');
  });
});

describe('hisReturnNotice (issue 13: say where it went)', () => {
  it('names the folder for a file and the address for ZorgMail', () => {
    const folder = hisReturnNotice({ reference: 'K1', messages: 2, delivered: { kind: 'folder', path: '/home/a/his-export/K1.edi' } });
    expect(folder).toContain('/home/a/his-export/K1.edi');
    expect(folder).not.toMatch(/Verstuurd naar het HIS/);
    expect(hisReturnNotice({ reference: 'K2', messages: 1, delivered: { kind: 'zorg_mail', address: '500012345@lms.lifeline.nl' } })).toContain(
      'ZorgMail-adres 500012345@lms.lifeline.nl',
    );
  });
});
