import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latest } from './latest';

/** A request whose answer the test hands out when it likes. */
function pending<A>() {
  let resolve!: (answer: A) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<A>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

describe('searching as one types (issue 13)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks once typing pauses for 250 ms, with what was typed last', async () => {
    const ask = vi.fn(async (query: string) => query.toUpperCase());
    const onanswer = vi.fn();
    const search = latest(ask, onanswer, () => {});
    search.later('j');
    await vi.advanceTimersByTimeAsync(200);
    search.later('ja');
    await vi.advanceTimersByTimeAsync(200);
    search.later('jan');
    await vi.advanceTimersByTimeAsync(249);
    expect(ask).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(ask).toHaveBeenCalledOnce();
    expect(ask).toHaveBeenCalledWith('jan');
    expect(onanswer).toHaveBeenCalledWith('JAN');
  });

  it('drops an answer that arrives after a newer query was sent', async () => {
    const requests = new Map<string, ReturnType<typeof pending<string>>>();
    const onanswer = vi.fn();
    const search = latest((query: string) => {
      requests.set(query, pending<string>());
      return requests.get(query)!.promise;
    }, onanswer, () => {});
    const older = search.now('j'); // a short query: slow
    const newer = search.now('jansen');
    requests.get('jansen')!.resolve('1 patient');
    await newer;
    requests.get('j')!.resolve('25 patients');
    await older;
    expect(onanswer.mock.calls).toEqual([['1 patient']]);
  });

  it('drops an older failure too, and anything still to come once stopped', async () => {
    const requests: ReturnType<typeof pending<string>>[] = [];
    const onanswer = vi.fn();
    const onerror = vi.fn();
    const search = latest(() => {
      requests.push(pending<string>());
      return requests[requests.length - 1].promise;
    }, onanswer, onerror);
    const older = search.now('31-02');
    const newer = search.now('31-01');
    requests[0].reject(new Error('invalid_birth_date'));
    await older;
    expect(onerror).not.toHaveBeenCalled();
    search.stop();
    requests[1].resolve('late');
    await newer;
    expect(onanswer).not.toHaveBeenCalled();
  });

  it('forgets a waiting keystroke when asked at once', async () => {
    const ask = vi.fn(async (query: string) => query);
    const search = latest(ask, () => {}, () => {});
    search.later('jan');
    await search.now('');
    await vi.advanceTimersByTimeAsync(500);
    expect(ask.mock.calls).toEqual([['']]);
  });
});
