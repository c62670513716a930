import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import type { SessionState } from '../lib/api';
import { setLanguage } from '../lib/i18n';
import TopBar from './TopBar.svelte';

// The top bar only listens for the connection state; no Tauri behind it in a test.
vi.mock('../lib/api', () => ({ api: { onClientEvent: async () => () => {} } }));

const session = {
  me: {
    user_id: 'u1',
    username: 'huisarts',
    display_name: 'Anne de Vries',
    contracts: [
      { organisation_id: 'praktijk', organisation_name: 'Huisartsenpraktijk De Linde', role: 'huisarts' },
      { organisation_id: 'zorggroep', organisation_name: 'Zorggroep Delfland', role: 'kwaliteitsmedewerker' },
    ],
  },
  permissions: [],
  must_change_password: false,
  keys_were_reset: false,
  unlocked: true,
  idle_lock_minutes: 15,
  roles: [],
} as unknown as SessionState;

const MENU_CHILDREN = ['menuitem', 'menuitemradio', 'menuitemcheckbox', 'group', 'separator'];
const GROUP_CHILDREN = ['menuitem', 'menuitemradio', 'menuitemcheckbox'];

let component: ReturnType<typeof mount>;
let onswitch: ReturnType<typeof vi.fn<(organisationId: string) => void>>;
const $ = (css: string) => document.querySelector<HTMLElement>(css)!;
const button = () => $('[data-testid="user-menu"]');
const menu = () => document.getElementById(button().getAttribute('aria-controls')!)!;
const items = () => [...menu().querySelectorAll<HTMLElement>('[role^="menuitem"]')];
const key = (key: string) => document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));

beforeEach(() => {
  onswitch = vi.fn();
  component = mount(TopBar, {
    target: document.body,
    props: { session, organisationId: 'praktijk', onswitch, screen: 'directory', onnavigate() {}, onlogout() {}, onlocktoggle() {} },
  });
  flushSync();
});

afterEach(() => {
  unmount(component);
  setLanguage('nl');
  localStorage.clear();
});

async function open() {
  button().click();
  await tick();
  await tick();
}

describe('the user menu (issue 13: valid ARIA and keyboard use)', () => {
  it('says it opens a menu, names it and tells whether it is open', async () => {
    expect(button().getAttribute('aria-haspopup')).toBe('menu');
    expect(button().getAttribute('aria-expanded')).toBe('false');
    expect(menu().getAttribute('role')).toBe('menu');
    expect(menu().hidden).toBe(true);
    await open();
    expect(button().getAttribute('aria-expanded')).toBe('true');
    expect(menu().hidden).toBe(false);
    expect(document.activeElement).toBe(items()[0]);
  });

  it('holds only menu items, groups of them and separators', async () => {
    await open();
    const roleOf = (element: Element) => (element.getAttribute('aria-hidden') === 'true' ? 'hidden' : element.getAttribute('role'));
    for (const child of menu().children) expect(MENU_CHILDREN, child.outerHTML).toContain(roleOf(child));
    for (const group of menu().querySelectorAll('[role="group"]')) {
      expect(document.getElementById(group.getAttribute('aria-labelledby') ?? '')?.textContent, 'group label').toBeTruthy();
      for (const child of group.children) expect([...GROUP_CHILDREN, 'hidden'], child.outerHTML).toContain(roleOf(child));
    }
    expect(menu().querySelector('input, select, fieldset, label')).toBeNull();
  });

  it('moves with the arrow keys, Home and End, and wraps around', async () => {
    await open();
    const all = items();
    key('ArrowDown');
    expect(document.activeElement).toBe(all[1]);
    key('End');
    expect(document.activeElement).toBe(all[all.length - 1]);
    key('ArrowDown');
    expect(document.activeElement).toBe(all[0]);
    key('ArrowUp');
    expect(document.activeElement).toBe(all[all.length - 1]);
    key('Home');
    expect(document.activeElement).toBe(all[0]);
  });

  it('closes with Escape and gives the focus back to its button', async () => {
    await open();
    key('ArrowDown');
    key('Escape');
    flushSync();
    expect(menu().hidden).toBe(true);
    expect(button().getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button());
  });

  it('closes on a click elsewhere', async () => {
    await open();
    document.body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    flushSync();
    expect(menu().hidden).toBe(true);
  });

  it('switches the workplace with radio items that show which one is current (ACC-6)', async () => {
    await open();
    const places = [...menu().querySelectorAll<HTMLElement>('[data-testid="workplace"]')];
    expect(places.map((p) => p.getAttribute('aria-checked'))).toEqual(['true', 'false']);
    $('[data-testid="workplace"][aria-checked="false"]').click();
    expect(onswitch).toHaveBeenCalledWith('zorggroep');
  });
});

describe('the language switch (issue 13)', () => {
  it('switches every text at once, remembers the choice on this workstation and tells the page its language', async () => {
    expect(document.body.textContent).toContain('Smoelenboek');
    await open();
    $('[data-testid="language-en"]').click();
    flushSync();
    expect(document.body.textContent).toContain('Directory');
    expect(document.body.textContent).toContain('Log out');
    expect(document.body.textContent).not.toContain('Smoelenboek');
    expect(localStorage.getItem('kring.language')).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect($('[data-testid="language-en"]').getAttribute('aria-checked')).toBe('true');
    await open();
    $('[data-testid="language-nl"]').click();
    flushSync();
    expect(document.body.textContent).toContain('Smoelenboek');
    expect(localStorage.getItem('kring.language')).toBe('nl');
  });
});
