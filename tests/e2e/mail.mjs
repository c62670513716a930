// Reading the SMTP sink's messages (tests/smtp-sink writes one JSON line per message) for the
// end-to-end tests: login codes and activation links, as a person reads them from their mailbox.
import { readFile } from 'node:fs/promises';
import { untilFound } from './files.mjs';

/** Every message received so far. */
async function messages(file) {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{"from"') || line.includes('"data"'))
    .map((line) => JSON.parse(line));
}

/** The plain text of a message: headers cut off, quoted-printable decoded (lettre encodes
 * non-ASCII bodies that way). */
function body(message) {
  const blank = message.data.search(/\r?\n\r?\n/);
  const raw = blank < 0 ? message.data : message.data.slice(blank).replace(/^\r?\n\r?\n/, '');
  const joined = raw.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i += 1) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export class Mailbox {
  constructor(file) {
    this.file = file;
  }

  /** How many messages `address` has received so far. */
  async count(address) {
    return (await messages(this.file)).filter((m) => m.to.includes(`<${address}>`)).length;
  }

  /** Wait (on the file changing, up to 20 s) for message number `after + 1` to `address`; its text. */
  async next(address, after) {
    const look = async () => {
      const mine = (await messages(this.file)).filter((m) => m.to.includes(`<${address}>`));
      return mine.length > after ? body(mine[after]) : undefined;
    };
    return untilFound(this.file, look, `no message for ${address}`);
  }
}
