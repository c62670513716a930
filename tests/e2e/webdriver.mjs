// A small W3C WebDriver client for the desktop end-to-end tests: just what they use, over fetch.
// tauri-driver starts the real app binary for each session and forwards to WebKitWebDriver.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Session {
  constructor(driverUrl, id) {
    this.driverUrl = driverUrl;
    this.id = id;
  }

  /** Launch the app (with optional command-line arguments) and open a session on its window. */
  static async start(driverUrl, application, args = []) {
    const body = { capabilities: { alwaysMatch: { 'tauri:options': { application, args } } } };
    const value = await call(driverUrl, 'POST', '/session', body);
    const session = new Session(driverUrl, value.sessionId);
    // Finding an element waits up to this long for it to appear: tests wait on conditions, not clocks.
    await session.call('POST', '/timeouts', { implicit: 20000, script: 20000, pageLoad: 20000 });
    return session;
  }

  call(method, path, body) {
    return call(this.driverUrl, method, `/session/${this.id}${path}`, body);
  }

  /** The first element matching `css`, waiting for it to appear. */
  async find(css) {
    const value = await this.call('POST', '/element', { using: 'css selector', value: css });
    return value[ELEMENT];
  }

  /** How many elements match `css` right now, without waiting (to check that something is gone). */
  async count(css) {
    const script = 'return document.querySelectorAll(arguments[0]).length;';
    return this.call('POST', '/execute/sync', { script, args: [css] });
  }

  async findAll(css) {
    const value = await this.call('POST', '/elements', { using: 'css selector', value: css });
    return value.map((element) => element[ELEMENT]);
  }

  /** Replace the field's content: empty it, then type `text` key by key. (WebDriver's "clear"
   * fires no input event in WebKit, so the app would not notice it; emptying dispatches one.) */
  async type(css, text) {
    const element = await this.find(css);
    const empty = `const field = document.querySelector(arguments[0]);
      field.value = '';
      field.dispatchEvent(new Event('input', { bubbles: true }));`;
    await this.call('POST', '/execute/sync', { script: empty, args: [css] });
    if (text !== '') await this.call('POST', `/element/${element}/value`, { text });
  }

  /** Choose the option of the <select> `css` whose text contains `label`, as a user picks it. */
  async choose(css, label) {
    await this.find(css);
    const script = `const [css, label] = arguments;
      const select = document.querySelector(css);
      const option = [...select.options].find((o) => o.textContent.includes(label));
      if (!option) return [...select.options].map((o) => o.textContent.trim());
      select.value = option.value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      return null;`;
    const missing = await this.call('POST', '/execute/sync', { script, args: [css, label] });
    if (missing) throw new Error(`no option "${label}" in ${css}: ${missing.join(', ')}`);
  }

  async click(css) {
    const element = await this.find(css);
    // Into the middle of its scrolling box first: WebKitWebDriver does not scroll inside a
    // scrolling dialog by itself, and calls a button below its fold "not interactable".
    await this.call('POST', '/execute/sync', {
      script: 'arguments[0].scrollIntoView({ block: "center" });',
      args: [{ [ELEMENT]: element }],
    });
    // Then wait, as a user would, until nothing covers it (a dialog that is still closing).
    const uncovered = `
      const [element, done] = arguments;
      const check = () => {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) return done(true);
        const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        const label = top && top.closest('label');
        if (top && (element.contains(top) || top.contains(element) || (label && label.contains(element)))) done(true);
        else requestAnimationFrame(check);
      };
      check();`;
    await this.call('POST', '/execute/async', { script: uncovered, args: [{ [ELEMENT]: element }] });
    await this.call('POST', `/element/${element}/click`, {});
  }

  /** The text content of the first element matching `css` (after waiting for it to appear). */
  async text(css) {
    await this.find(css);
    const script = 'return document.querySelector(arguments[0]).textContent.trim();';
    return this.call('POST', '/execute/sync', { script, args: [css] });
  }

  /**
   * Wait until the text of `css` contains `expected`, re-checking on every animation frame inside
   * the page (no fixed pauses); fails after the session's script timeout.
   */
  async waitForText(css, expected) {
    const script = `
      const [css, expected, done] = arguments;
      const check = () => {
        const element = document.querySelector(css);
        if (element && element.textContent.includes(expected)) done(element.textContent);
        else requestAnimationFrame(check);
      };
      check();`;
    return this.call('POST', '/execute/async', { script, args: [css, expected] });
  }

  /**
   * Wait until one of `selectors` matches, re-checking on every animation frame; returns the one
   * that did (for a step with two possible outcomes). Fails after the session's script timeout.
   */
  async waitForAny(selectors) {
    const script = `
      const [selectors, done] = arguments;
      const check = () => {
        const found = selectors.find((css) => document.querySelector(css));
        if (found) done(found);
        else requestAnimationFrame(check);
      };
      check();`;
    return this.call('POST', '/execute/async', { script, args: [selectors] });
  }

  /** Wait until nothing matches `css` any more (a dialog closed), re-checking on every animation
   * frame; fails after the session's script timeout. */
  async waitGone(css) {
    const script = `
      const [css, done] = arguments;
      const check = () => (document.querySelector(css) ? requestAnimationFrame(check) : done(true));
      check();`;
    return this.call('POST', '/execute/async', { script, args: [css] });
  }

  /** A picture of the whole (virtual) display. WebKitWebDriver's own screenshot command hangs
   * under Xvfb, so ImageMagick's `import` grabs the X display instead. */
  async screenshot(path) {
    await execFileAsync('import', ['-window', 'root', path]);
  }

  async close() {
    await this.call('DELETE', '');
  }
}

async function call(driverUrl, method, path, body) {
  const response = await fetch(`${driverUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok || (json.value && json.value.error)) {
    throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value)}`);
  }
  return json.value;
}
