import { describe, expect, it } from 'vitest';
import type { ImportSummary } from './api';
import { reportText, skippedSentence } from './importReport';

// Issue 14: a valid file is imported and what Kring left out is told and can be saved.
const summary: ImportSummary = {
  created: 2493,
  updated: 0,
  measurements: 40112,
  skipped: [
    { reason: 'undated_measurement', count: 7 },
    { reason: 'patient_without_bsn', count: 1 },
  ],
  skipped_places: [
    { reason: 'patient_without_bsn', place: 'entry[3]' },
    { reason: 'undated_measurement', place: 'entry[12]' },
  ],
};

describe('the import report (PAT-1)', () => {
  it('says what was left out, counted per reason, in Dutch', () => {
    expect(skippedSentence(summary.skipped)).toBe('7 metingen zonder datum, 1 patiënt zonder BSN.');
  });

  it('saves reasons and places, one line each, and nothing else', () => {
    const text = reportText(summary, new Date('2026-12-03T10:00:00'));
    expect(text).toContain('Ingelezen: 2493 nieuwe en 0 bijgewerkte patiënten, 40112 metingen.');
    expect(text).toContain('entry[3]: 1 patiënt zonder BSN');
    expect(text).toContain('entry[12]: 1 meting zonder datum');
    expect(text.trim().split('\n').length).toBe(9);
  });
});
