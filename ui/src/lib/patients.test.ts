import { describe, expect, it } from 'vitest';
import { ageOn, dutchDate, isoFromDutch } from './session';
import { errorMessage } from './i18n';
import { nl } from './i18n/nl';

describe('patient dates (PAT-2, PAT-4)', () => {
  it('reads a birth date as Dutch users type it and refuses impossible dates', () => {
    expect(isoFromDutch('04-03-1950')).toBe('1950-03-04');
    expect(isoFromDutch('4-3-1950')).toBe('1950-03-04');
    expect(isoFromDutch(' 1950-03-04 ')).toBe('1950-03-04');
    expect(isoFromDutch('31-02-1950')).toBeNull();
    expect(isoFromDutch('1950')).toBeNull();
    expect(isoFromDutch('04/03/1950')).toBeNull();
  });

  it('shows ISO dates the Dutch way and counts age by birthday', () => {
    expect(dutchDate('1950-03-04')).toBe('04-03-1950');
    expect(ageOn('1950-03-04', new Date(2026, 2, 3))).toBe(75);
    expect(ageOn('1950-03-04', new Date(2026, 2, 4))).toBe(76);
  });
});

describe('launch and extraction messages (PAT-1, PAT-3, PAT-4)', () => {
  it('tells the user what to do about an unverified BSN and a used link', () => {
    expect(errorMessage('launch_bsn_not_verified')).toMatch(/niet geverifieerd/);
    expect(errorMessage('launch_replayed')).toMatch(/al gebruikt/);
  });

  it('says where in the file the problem is', () => {
    expect(nl.patients.refusedAt(8, 315, 'entry[1].resource')).toBe('regel 8, kolom 315, veld entry[1].resource');
    expect(nl.patients.refusedAt(null, null, 'entry[3].resource.birthDate')).toBe('veld entry[3].resource.birthDate');
  });
});
