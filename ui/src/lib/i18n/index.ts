// The UI speaks Dutch; `t` is the one place texts come from.
import { nl } from './nl';

export const t = nl;

/** The Dutch sentence for an error code from a command (see kring-client `ClientError::code`). */
export function errorMessage(code: string): string {
  return t.errors[code] ?? t.errors.internal;
}
