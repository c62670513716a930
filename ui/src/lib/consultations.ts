// Consultation wording shared by the C tab and the patient's timeline (CONS-2, CONS-3).
import type { ConsultationSummary } from './api';
import { t } from './i18n';

/** "antwoord verwacht vóór do 4 dec 12:00", or null when nothing is awaited. */
export function deadlineText(item: ConsultationSummary): string | null {
  if (!item.deadline) return null;
  return t.consultations.deadline[item.deadline.kind](item.deadline.words);
}

/** The subject, or what stands in for it while it cannot be read. */
export function consultationSubject(item: ConsultationSummary): string {
  return item.subject ?? t.consultations.locked;
}
