// The SMS provider's HTTP API, played locally for the end-to-end tests (the edge of the world:
// Kring's server talks to it with `--sms-url`, as it does to a real gateway). It takes the JSON the
// server's HttpSmsGateway posts, checks the bearer key, and writes one JSON line per text and
// recipient to the file named first; its port goes to standard output once it listens.
// Usage: node sms-gateway.mjs <texts.jsonl> <api-key>
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, key] = process.argv.slice(2);
if (!file || !key) {
  console.error('usage: node sms-gateway.mjs <texts.jsonl> <api-key>');
  process.exit(2);
}

const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    if (request.method !== 'POST' || request.headers.authorization !== `Bearer ${key}`) {
      response.writeHead(401).end();
      return;
    }
    let text;
    try {
      text = JSON.parse(body);
    } catch {
      response.writeHead(400).end();
      return;
    }
    for (const to of text.recipients ?? []) appendFileSync(file, `${JSON.stringify({ to, body: text.body })}\n`);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
// Stop at once: a region server's kept-alive connection must not hold the stand-in open.
process.on('SIGTERM', () => process.exit(0));
