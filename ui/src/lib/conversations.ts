// Pure helpers for the conversation screens (CHAT-4, CHAT-5, CHAT-8), kept out of the components
// so they are unit-tested.
import { api, asCommandError, type Away, type ClientErrorCode, type ConversationSummary, type HisReturnMark, type HisReturnReceipt, type MessageView } from './api';
import { t } from './i18n';
import { dutchDate } from './session';

/** The sentence a sender sees about an absent recipient (CHAT-4). */
export function awaySentence(name: string, away: Away): string {
  return away.reason === 'absent' ? t.conversations.absentUntil(name, dutchDate(away.until)) : t.conversations.notWorking(name, dutchDate(away.back));
}

/** "14:05" today, "gisteren 14:05" (in the UI's language), else "25-11-2026 14:05", in the computer's time zone. */
export function messageTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString(t.locale, { hour: '2-digit', minute: '2-digit' });
  const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();
  if (sameDay(at, now)) return time;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(at, yesterday)) return t.conversations.yesterday(time);
  const date = at.toLocaleDateString(t.locale, { day: '2-digit', month: '2-digit', year: 'numeric' });
  return `${date} ${time}`;
}

/** The list line's title: the title, or that it is sealed while locked. */
export function conversationTitle(summary: ConversationSummary): string {
  return summary.title ?? t.conversations.locked;
}

/** The other participants' names, with "(verlaten)" for those who left. */
export function otherParticipants(summary: ConversationSummary, me: string): string {
  return summary.participants
    .filter((p) => p.user_id !== me)
    .map((p) => (p.active ? p.name : `${p.name} ${t.conversations.leftMark}`))
    .join(', ');
}

/** Conversations with unread messages: the count on "Gesprekken" (the conversation cloud, CHAT-8). */
export function unreadConversations(list: ConversationSummary[]): number {
  return list.filter((c) => c.active && c.unread > 0).length;
}

/** What a message shows under its text: its time, or that it is on its way / refused. */
export function messageStatus(message: MessageView): string {
  if (message.state === 'sending') return t.conversations.sending;
  if (message.state === 'refused') return t.conversations.refused;
  return message.sent_at ? messageTime(message.sent_at) : '';
}

/** "3,1 MB", "840 kB", "12 B": a file size as users of the UI's language read it. */
export function fileSize(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toLocaleString(t.locale, { maximumFractionDigits: 1 })} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return `${bytes} B`;
}

/** A chosen file as the send command takes it (content base64). */
export async function toUpload(file: File): Promise<{ name: string; data: string }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { name: file.name, data: btoa(binary) };
}

/** A picked file that cannot go along, and why (an error code the UI translates). */
export interface RefusedFile {
  name: string;
  code: ClientErrorCode;
}

/**
 * Add the files just picked to those chosen, checked at once (issue 13: a 25 MB file was a chip
 * until "Versturen" refused it without naming it). The content check (a program named .pdf) stays
 * with kring-client at sending.
 */
/** The first bytes of a file, base64: what the app needs to know its kind (`ATTACHMENT_HEAD_BYTES`). */
export async function fileHead(file: File, bytes = 4096): Promise<string> {
  return (await toUpload(new File([file.slice(0, bytes)], file.name))).data;
}

/** Asks the app whether a picked file can go along (kring-domain's one rule); resolves to a refusal code or null. */
export type AttachmentCheck = (file: File, attached: number) => Promise<ClientErrorCode | null>;

/**
 * CHAT-10 (issue 13): picked files are checked one by one the moment they are picked, so a file
 * that cannot go along is named at once, not at "Versturen".
 */
/** The app's check: kring-domain's rule through the `check_attachment` command. */
export const checkWithApp: AttachmentCheck = async (file, attached) => {
  try {
    await api.checkAttachment(file.name, file.size, await fileHead(file), attached);
    return null;
  } catch (error) {
    return asCommandError(error).code;
  }
};

export async function chooseAttachments(chosen: File[], picked: File[], check: AttachmentCheck): Promise<{ files: File[]; refused: RefusedFile[] }> {
  const files = [...chosen];
  const refused: RefusedFile[] = [];
  for (const file of picked) {
    const code = await check(file, files.length);
    if (code === null) files.push(file);
    else refused.push({ name: file.name, code });
  }
  return { files, refused };
}

/** The mark that a conversation went to the HIS, with when and by whom (CHAT-6). */
export function hisReturnedMark(mark: HisReturnMark, now: Date = new Date()): string {
  return t.conversations.hisReturned(messageTime(mark.at, now), mark.by ?? t.conversations.someone, mark.messages);
}

/** What the user is told after "Terugsturen naar HIS": where it went, not that it is "in the HIS". */
export function hisReturnNotice(receipt: HisReturnReceipt): string {
  return receipt.delivered.kind === 'zorg_mail'
    ? t.conversations.hisMailed(receipt.delivered.address, receipt.reference)
    : t.conversations.hisWritten(receipt.delivered.path, receipt.reference);
}
