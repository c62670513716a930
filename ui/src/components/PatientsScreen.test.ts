import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { PatientOverview, SessionState } from '../lib/api';
import PatientsScreen from './PatientsScreen.svelte';

// The screen's search against a stand-in for the app: each request waits until the test answers.
const requests: { query: string; answer: (overview: PatientOverview) => void }[] = [];
vi.mock('../lib/api', async (original) => ({
  ...(await original<typeof import('../lib/api')>()),
  api: {
    patients: (query: string) => new Promise((answer) => requests.push({ query, answer })),
    onImportProgress: async () => () => {},
    onClientEvent: async () => () => {},
  },
}));

const session = { unlocked: true, permissions: [] } as unknown as SessionState;
const found = (total: number, shown: number) => ({ total, patients: Array.from({ length: shown }, (_, i) => ({ id: `p${i}`, name: `P ${i}`, birth_date: '1950-03-04', bsn: '', programmes: [], has_consent: false })) }) as unknown as PatientOverview;

let component: ReturnType<typeof mount>;
const field = () => document.querySelector<HTMLInputElement>('[data-testid="patient-search"]')!;
const count = () => document.querySelector('[data-testid="patient-count"]')?.textContent;
function type(text: string) {
  field().value = text;
  field().dispatchEvent(new Event('input', { bubbles: true }));
}

beforeEach(async () => {
  vi.useFakeTimers();
  requests.length = 0;
  component = mount(PatientsScreen, {
    target: document.body,
    props: { session, organisationId: 'praktijk', demo: false, onopen() {}, onunlock() {}, onconversation() {} },
  });
  flushSync();
  requests.shift()!.answer(found(25, 25));
  await vi.advanceTimersByTimeAsync(0);
});

afterEach(() => {
  unmount(component);
  vi.useRealTimers();
});

describe('the patient search (issue 13)', () => {
  it('asks once typing pauses, not for every key', async () => {
    for (const text of ['J', 'Ja', 'Jan', 'Jans']) {
      type(text);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(150);
    expect(requests.map((r) => r.query)).toEqual(['Jans']);
  });

  it('never shows an older answer over a newer one', async () => {
    type('J');
    await vi.advanceTimersByTimeAsync(250);
    type('Jansen');
    await vi.advanceTimersByTimeAsync(250);
    const [older, newer] = requests;
    newer.answer(found(25, 1));
    await vi.advanceTimersByTimeAsync(0);
    older.answer(found(25, 9));
    await vi.advanceTimersByTimeAsync(0);
    expect(count()).toBe('1 van 25 patiënten');
  });
});
