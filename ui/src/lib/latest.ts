// Searching as one types (issue 13): ask once typing pauses, and never let an answer overwrite
// a newer one. Answers can arrive out of order (a short query scans more than a long one), so
// each request gets a ticket and only the newest request's answer (or failure) is used.

export interface Latest<Q> {
  /** Ask once `delayMs` pass without another call (each keystroke). */
  later(query: Q): void;
  /** Ask at once (a refresh, the lock opening); a request still waiting is dropped. */
  now(query: Q): Promise<void>;
  /** Drop what waits and whatever answer is still to come (the screen goes, the lock closes). */
  stop(): void;
}

/** About how long a pause in typing is: short enough to feel immediate. */
export const TYPING_PAUSE_MS = 250;

export function latest<Q, A>(
  ask: (query: Q) => Promise<A>,
  onanswer: (answer: A) => void,
  onerror: (error: unknown) => void,
  delayMs = TYPING_PAUSE_MS,
): Latest<Q> {
  let waiting: ReturnType<typeof setTimeout> | undefined;
  let newest = 0;

  async function now(query: Q) {
    clearTimeout(waiting);
    const ticket = ++newest;
    try {
      const answer = await ask(query);
      if (ticket === newest) onanswer(answer);
    } catch (error) {
      if (ticket === newest) onerror(error);
    }
  }

  return {
    later(query) {
      clearTimeout(waiting);
      waiting = setTimeout(() => void now(query), delayMs);
    },
    now,
    stop() {
      clearTimeout(waiting);
      newest += 1;
    },
  };
}
