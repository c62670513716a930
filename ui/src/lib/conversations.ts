// Pure helpers for the conversation screens (CHAT-4, CHAT-5, CHAT-8), kept out of the components
// so they are unit-tested.
import type { Away, ConversationSummary, HisReturnMark, HisReturnReceipt, MessageView } from './api';
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

/** The limits kring-domain sets on attachments (`conversation::MAX_ATTACHMENT_BYTES`, `MAX_ATTACHMENTS`). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
export const MAX_ATTACHMENTS = 5;
const ALLOWED_EXTENSIONS = ['.pdf', '.png', '.jpg', '.jpeg', '.txt', '.docx', '.xlsx'];

/** A picked file that cannot go along, and why (an error code the UI translates). */
export interface RefusedFile {
  name: string;
  code: 'attachment_too_large' | 'attachment_empty' | 'attachment_kind_not_allowed' | 'attachment_too_many';
}

/**
 * Add the files just picked to those chosen, checked at once (issue 13: a 25 MB file was a chip
 * until "Versturen" refused it without naming it). The content check (a program named .pdf) stays
 * with kring-client at sending.
 */
export function chooseAttachments(chosen: File[], picked: File[]): { files: File[]; refused: RefusedFile[] } {
  const files = [...chosen];
  const refused: RefusedFile[] = [];
  for (const file of picked) {
    const name = file.name.toLowerCase();
    if (!ALLOWED_EXTENSIONS.some((extension) => name.endsWith(extension))) {
      refused.push({ name: file.name, code: 'attachment_kind_not_allowed' });
    } else if (file.size === 0) {
      refused.push({ name: file.name, code: 'attachment_empty' });
    } else if (file.size > MAX_ATTACHMENT_BYTES) {
      refused.push({ name: file.name, code: 'attachment_too_large' });
    } else if (files.length >= MAX_ATTACHMENTS) {
      refused.push({ name: file.name, code: 'attachment_too_many' });
    } else {
      files.push(file);
    }
  }
  return { files, refused };
}

/** What the user is told after "Terugsturen naar HIS": where it went, not that it is "in the HIS". */
/** The mark that a conversation went to the HIS, with when and by whom (CHAT-6). */
export function hisReturnedMark(mark: HisReturnMark, now: Date = new Date()): string {
  return t.conversations.hisReturned(messageTime(mark.at, now), mark.by, mark.messages);
}

export function hisReturnNotice(receipt: HisReturnReceipt): string {
  return receipt.delivered.kind === 'zorg_mail'
    ? t.conversations.hisMailed(receipt.delivered.address, receipt.reference)
    : t.conversations.hisWritten(receipt.delivered.path, receipt.reference);
}
