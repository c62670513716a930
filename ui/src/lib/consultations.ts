// Consultation wording shared by the C tab and the patient's timeline (CONS-2, CONS-3).
import type { ConsultationSummary } from './api';
import { t } from './i18n';

/** "antwoord verwacht vóór do 4 dec 12:00", or null when nothing is awaited. */
export function deadlineText(item: ConsultationSummary): string | null {
  if (!item.deadline) return null;
  return t.consultations.deadline[item.deadline.kind](item.deadline.words);
}

/** "3 dec 2026 om 19:34", in the workstation's time. */
export function dateTime(iso: string): string {
  const at = new Date(iso);
  const date = at.toLocaleDateString(t.locale, { day: 'numeric', month: 'short', year: 'numeric' });
  const time = at.toLocaleTimeString(t.locale, { hour: '2-digit', minute: '2-digit' });
  return t.consultations.at(date, time);
}

/** The subject, or what stands in for it while it cannot be read. */
export function consultationSubject(item: ConsultationSummary): string {
  return item.subject ?? t.consultations.locked;
}
