// What the second workstation's desktop was asked to show: the notification recorder on its
// session bus (tests/notification-recorder) writes one JSON line per notification.
import { readFile, watch } from 'node:fs/promises';

export class DesktopNotifications {
  constructor(file) {
    this.file = file;
  }

  /** Every notification shown so far. */
  async all() {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  /** Wait (on the file changing, up to 20 s) until more than `seen` were shown; the next one. */
  async next(seen) {
    const deadline = Date.now() + 20000;
    for (;;) {
      const all = await this.all();
      if (all.length > seen) return all[seen];
      if (Date.now() > deadline) throw new Error('no desktop notification arrived');
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 1000);
      try {
        for await (const _ of watch(this.file, { signal: abort.signal })) break;
      } catch {
        // The file does not exist yet, or a second passed: look again.
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
