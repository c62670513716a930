// The import report (issue 14, PAT-1): what a valid extraction held that Kring left out, in
// words, and the text file the user can save. Reasons and places only, never content.
import type { ImportSummary, SkippedCount } from './api';
import { t } from './i18n';

/** "7 metingen zonder datum, 1 patiënt zonder BSN." */
export function skippedSentence(skipped: SkippedCount[]): string {
  return `${skipped.map((entry) => t.patients.skipReasons[entry.reason](entry.count)).join(', ')}.`;
}

/** The report as a text file: what was read, what was left out, and each place in the file. */
export function reportText(summary: ImportSummary, at: Date): string {
  const lines = [
    t.patients.reportTitle,
    at.toLocaleString(t.locale),
    '',
    t.patients.imported(summary.created, summary.updated, summary.measurements),
  ];
  if (summary.skipped.length > 0) {
    lines.push('', `${t.patients.skippedIntro} ${skippedSentence(summary.skipped)}`, '');
    for (const place of summary.skipped_places) {
      lines.push(`${place.place}: ${t.patients.skipReasons[place.reason](1)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
