// The language the UI speaks: Dutch unless this workstation chose English (kept in localStorage,
// like the other per-workstation choices). A `.svelte.ts` module so that the choice is `$state`.
import { en } from './en';
import { nl, type Messages } from './nl';

export type Language = 'nl' | 'en';

/** Each language by its own name: whoever cannot read the current one still finds theirs. */
export const LANGUAGES: Record<Language, string> = { nl: 'Nederlands', en: 'English' };

const MESSAGES: Record<Language, Messages> = { nl, en };
const STORAGE_KEY = 'kring.language';

function stored(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'nl';
  } catch {
    return 'nl'; // no storage (a test without a DOM): the default
  }
}

const initial = stored();
let current = $state<Language>(initial);
if (typeof document !== 'undefined') document.documentElement.lang = initial;

/** The language chosen now. */
export function language(): Language {
  return current;
}

/** Switch every text at once (no reload) and remember the choice on this workstation. */
export function setLanguage(next: Language): void {
  current = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, but switched: the choice holds until the app closes.
  }
}

/**
 * The texts of the current language. `t` stays one object, so every `t.section.key` call site
 * reads as before; each read of a section goes through to the current language's messages, and
 * because that read touches `$state`, Svelte re-renders exactly the texts that read it when the
 * language changes. (A `$derived` cannot be exported from a module, and passing the messages
 * down as props or a context would touch every component for no gain.)
 */
export const t: Messages = new Proxy(nl, {
  get: (_, section) => MESSAGES[current][section as keyof Messages],
});
