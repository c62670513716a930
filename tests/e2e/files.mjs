// Waiting on a file another process appends to (the SMTP sink, the SMS stand-in, the
// notification recorder): look, and while what is wanted is not there yet, wait for the file to
// change (looking again at least every second, in case a change came before the watch), for at
// most 20 s. A condition with a deadline, not a pause.
import { watch } from 'node:fs';

/** Resolve with what `look()` finds (anything but `undefined`); fail with `missing` after 20 s. */
export async function untilFound(file, look, missing) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(missing);
    await new Promise((resolve) => {
      let watcher;
      const done = () => {
        watcher?.close();
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, Math.min(remaining, 1000));
      try {
        watcher = watch(file, done);
      } catch {
        // The file is made by the first line written to it.
      }
    });
  }
}
