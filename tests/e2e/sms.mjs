// Reading the texts the SMS gateway stand-in received (tests/e2e/sms-gateway.mjs, one JSON line
// each), as a POH-GGZ reads a login code on her phone. The same shape as the Mailbox.
import { readFile } from 'node:fs/promises';
import { untilFound } from './files.mjs';

async function texts(file) {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

export class SmsInbox {
  constructor(file) {
    this.file = file;
  }

  /** How many texts `number` (E.164) has received so far. */
  async count(number) {
    return (await texts(this.file)).filter((t) => t.to === number).length;
  }

  /** Wait (on the file changing, up to 20 s) for text number `after + 1` to `number`; its body. */
  async next(number, after) {
    const look = async () => {
      const mine = (await texts(this.file)).filter((t) => t.to === number);
      return mine.length > after ? mine[after].body : undefined;
    };
    return untilFound(this.file, look, `no text for ${number}`);
  }
}
