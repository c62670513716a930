// Walks of every component's template (parsed by Svelte's own compiler, so `{…}`, comments and
// <style> are told apart exactly): what the eye cannot check on each change is checked here.
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';
import APP_CSS from '../app.css?raw';

type Node = {
  type: string;
  name?: string;
  data?: string;
  start: number;
  attributes?: Attribute[];
  fragment?: { nodes: Node[] };
  [key: string]: unknown;
};
type Attribute = { type: string; name: string; value: true | Node | Node[] };

// Every component under src/, as written (paths like `components/TopBar.svelte`).
const FILES = Object.entries(import.meta.glob<string>('/src/**/*.svelte', { query: '?raw', import: 'default', eager: true })).map(
  ([path, source]) => ({ file: path.replace('/src/', ''), source }),
);

/** Every template node of a component, with its element ancestors (innermost last). */
function nodes(source: string): { node: Node; ancestors: Node[] }[] {
  const out: { node: Node; ancestors: Node[] }[] = [];
  const walk = (value: unknown, ancestors: Node[]) => {
    if (Array.isArray(value)) return value.forEach((item) => walk(item, ancestors));
    if (!value || typeof value !== 'object') return;
    const node = value as Node;
    const isTemplate = typeof node.type === 'string' && 'start' in node;
    if (isTemplate) out.push({ node, ancestors });
    const inner = node.type === 'RegularElement' ? [...ancestors, node] : ancestors;
    // Attributes are checked on their element; expressions hold no template text.
    for (const [key, child] of Object.entries(node)) {
      if (!['attributes', 'expression', 'metadata', 'parent'].includes(key)) walk(child, inner);
    }
  };
  walk((parse(source, { modern: true }) as unknown as { fragment: Node }).fragment, []);
  return out;
}

const attribute = (node: Node, name: string) => node.attributes?.find((a) => a.type === 'Attribute' && a.name === name);
/** The written parts of an attribute's value (`{…}` left out). */
const staticText = (a: Attribute | undefined) =>
  a === undefined || a.value === true ? '' : (Array.isArray(a.value) ? a.value : [a.value]).map((v) => (v.type === 'Text' ? v.data : '')).join('');
/** An attribute's value as written, to match `for="x-{i}"` with `id="x-{i}"`. */
const written = (source: string, a: Attribute | undefined) =>
  a === undefined || a.value === true ? '' : (Array.isArray(a.value) ? a.value : [a.value]).map((v) => source.slice(v.start, (v as { end?: number }).end)).join('');
const line = (source: string, at: number) => source.slice(0, at).split('\n').length;
const hasWords = (text: string) => /\p{L}/u.test(text);

// Attributes that people read or hear.
const SPOKEN_ATTRIBUTES = ['aria-label', 'aria-description', 'aria-placeholder', 'aria-roledescription', 'title', 'placeholder', 'alt', 'label'];

describe('component sources', () => {
  it('hold no hard-coded text: every word comes from i18n (symbols such as — × · ✕ may stay)', () => {
    const found: string[] = [];
    for (const { file, source } of FILES) {
      for (const { node } of nodes(source)) {
        if (node.type === 'Text' && hasWords(node.data ?? '')) found.push(`${file}:${line(source, node.start)} text "${node.data?.trim()}"`);
        for (const name of SPOKEN_ATTRIBUTES) {
          const text = staticText(attribute(node, name));
          if (hasWords(text)) found.push(`${file}:${line(source, node.start)} ${name}="${text}"`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('give every form control and button an accessible name', () => {
    const found: string[] = [];
    for (const { file, source } of FILES) {
      const all = nodes(source);
      const labelled = new Set(
        all.filter(({ node }) => node.name === 'label' && attribute(node, 'for')).map(({ node }) => written(source, attribute(node, 'for'))),
      );
      for (const { node, ancestors } of all) {
        if (node.type !== 'RegularElement' || !['input', 'select', 'textarea', 'button'].includes(node.name ?? '')) continue;
        if (attribute(node, 'hidden') || staticText(attribute(node, 'type')) === 'hidden') continue;
        if (attribute(node, 'aria-label') || attribute(node, 'aria-labelledby')) continue;
        const named =
          node.name === 'button'
            ? all.some(
                ({ node: inner, ancestors: up }) =>
                  up.includes(node) && (['ExpressionTag', 'RenderTag', 'Component'].includes(inner.type) || hasWords(inner.data ?? '')),
              )
            : ancestors.some((a) => a.name === 'label') || (attribute(node, 'id') !== undefined && labelled.has(written(source, attribute(node, 'id'))));
        if (!named) found.push(`${file}:${line(source, node.start)} <${node.name}>`);
      }
    }
    expect(found).toEqual([]);
  });

  it('style every button on purpose: primary, secondary or danger (.button), .link, or a class of its own component', () => {
    const found: string[] = [];
    for (const { file, source } of FILES) {
      const css = /<style>([\s\S]*)<\/style>/.exec(source)?.[1] ?? '';
      for (const { node } of nodes(source)) {
        if (node.type !== 'RegularElement' || node.name !== 'button') continue;
        if (staticText(attribute(node, 'role')).startsWith('menuitem')) continue; // styled by Menu.svelte
        const value = attribute(node, 'class');
        if (value && !staticText(value).trim()) continue; // a class the caller passes in (Menu.svelte)
        const classes = staticText(value).split(/\s+/).filter(Boolean);
        const own = classes.some((c) => new RegExp(`\\.${c}(?![\\w-])`).test(css));
        const variantAlone = classes.some((c) => ['secondary', 'danger', 'small'].includes(c)) && !classes.includes('button');
        if ((!classes.includes('button') && !classes.includes('link') && !own) || variantAlone) {
          found.push(`${file}:${line(source, node.start)} <button class="${classes.join(' ')}">`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('keep a button label on one line (a row wraps as a whole instead)', () => {
    const css = (file: string) => (file === 'app.css' ? APP_CSS : (FILES.find((f) => f.file === file)?.source ?? ''));
    const rule = (file: string, selector: string) => {
      const text = css(file);
      const at = text.search(new RegExp(`^\\s*${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\{`, 'm'));
      return at < 0 ? '' : text.slice(at, text.indexOf('}', at));
    };
    for (const [file, selector] of [
      ['app.css', '.button'],
      ['components/TopBar.svelte', '.nav-item'],
      ['components/Menu.svelte', ".menu :global([role^='menuitem'])"],
      ['components/ConversationsScreen.svelte', '.tab'],
      ['components/PatientPage.svelte', '.tab'],
    ]) {
      expect(rule(file, selector), `${file} ${selector}`).toMatch(/white-space: nowrap/);
    }
  });

  it('roll no dialog of their own: every dialog is Dialog.svelte on the native <dialog>', () => {
    const found = FILES.filter(({ file, source }) => file !== 'components/Dialog.svelte' && /role="(alert)?dialog"|<dialog|\bconfirm\(/.test(source));
    expect(found.map(({ file }) => file)).toEqual([]);
  });
});
