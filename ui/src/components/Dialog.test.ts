import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRawSnippet, flushSync, mount, unmount } from 'svelte';
import Dialog from './Dialog.svelte';

// Dialogs on the native <dialog> (issue 13): the browser gives the focus trap and the inert
// background with showModal(); these tests hold the parts Kring adds.
const children = createRawSnippet(() => ({ render: () => '<p><button type="button">OK</button></p>' }));
const mounted: ReturnType<typeof mount>[] = [];

function open(props: { title: string; testid: string; oncancel?: () => void }) {
  const component = mount(Dialog, { target: document.body, props: { ...props, children } });
  mounted.push(component);
  flushSync();
  return document.querySelector<HTMLDialogElement>(`[data-testid="${props.testid}"]`)!;
}

afterEach(() => {
  mounted.splice(0).forEach((component) => unmount(component));
  document.body.innerHTML = '';
});

describe('a dialog', () => {
  it('is a native modal dialog named by its title, with an id of its own per dialog', () => {
    const first = open({ title: 'Wachtwoord wijzigen', testid: 'one' });
    const second = open({ title: 'Deelnemer toevoegen', testid: 'two' });
    expect(first.tagName).toBe('DIALOG');
    expect(first.open).toBe(true);
    const title = document.getElementById(first.getAttribute('aria-labelledby')!);
    expect(title?.textContent).toBe('Wachtwoord wijzigen');
    expect(first.contains(title)).toBe(true);
    expect(second.getAttribute('aria-labelledby')).not.toBe(first.getAttribute('aria-labelledby'));
  });

  it('hands Escape to the caller instead of closing by itself', () => {
    const oncancel = vi.fn();
    const dialog = open({ title: 'Ontgrendelen', testid: 'unlock', oncancel });
    const escape = new Event('cancel', { cancelable: true });
    dialog.dispatchEvent(escape);
    expect(oncancel).toHaveBeenCalledOnce();
    expect(escape.defaultPrevented).toBe(true);
    expect(dialog.open).toBe(true);
  });

  it('hears Escape in a search field, which would otherwise eat it (found by a new user)', () => {
    const oncancel = vi.fn();
    const dialog = open({ title: 'Deelnemer toevoegen', testid: 'add', oncancel });
    const search = document.createElement('input');
    search.type = 'search';
    dialog.append(search);
    search.addEventListener('keydown', (event) => event.stopPropagation()); // as a field that handles Escape itself
    const escape = new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true });
    search.dispatchEvent(escape);
    expect(oncancel).toHaveBeenCalledOnce();
    expect(escape.defaultPrevented).toBe(true);
  });

  it('stays open on Escape when the caller gives no way to cancel', async () => {
    const dialog = open({ title: 'Tijdelijk wachtwoord', testid: 'once' });
    const escape = new Event('cancel', { cancelable: true });
    dialog.dispatchEvent(escape);
    expect(escape.defaultPrevented).toBe(true);
    // Browsers queue the close event: look only once it has been handled (the dialog's own
    // handler was added first, so it has run by then).
    const closed = new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
    dialog.close(); // as Chromium does on a second Escape
    await closed;
    expect(dialog.open).toBe(true);
  });

  it('gives the focus back to where it was when it opened', () => {
    const opener = document.createElement('button');
    document.body.append(opener);
    opener.focus();
    open({ title: 'Nieuw gesprek', testid: 'new' });
    (document.querySelector('[data-testid="new"] button') as HTMLElement).focus();
    unmount(mounted.pop()!);
    expect(document.activeElement).toBe(opener);
  });
});
