// What the second workstation's desktop was asked to show: the notification recorder on its
// session bus (tests/notification-recorder) writes one JSON line per notification.
import { readFile } from 'node:fs/promises';
import { untilFound } from './files.mjs';

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
    const look = async () => {
      const all = await this.all();
      return all.length > seen ? all[seen] : undefined;
    };
    return untilFound(this.file, look, 'no desktop notification arrived');
  }
}
