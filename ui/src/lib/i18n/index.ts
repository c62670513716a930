// The one place texts come from: `t` speaks the language chosen in the user menu (Dutch by
// default, English beside it with the same keys).
import { t } from './language.svelte';

export { LANGUAGES, language, setLanguage, t, type Language } from './language.svelte';

/**
 * The sentence for an error code from a command (see kring-client `ClientError::code`);
 * with `retryAfterSeconds`, also when to try again.
 */
export function errorMessage(code: string, retryAfterSeconds?: number): string {
  const sentence = t.errors[code] ?? t.errors.internal;
  return retryAfterSeconds === undefined ? sentence : `${sentence} ${t.retryAfter(retryAfterSeconds)}`;
}
