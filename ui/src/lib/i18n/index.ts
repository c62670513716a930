// The UI speaks Dutch; `t` is the one place texts come from.
import { nl } from './nl';

export const t = nl;

/**
 * The Dutch sentence for an error code from a command (see kring-client `ClientError::code`);
 * with `retryAfterSeconds`, also when to try again.
 */
export function errorMessage(code: string, retryAfterSeconds?: number): string {
  const sentence = t.errors[code] ?? t.errors.internal;
  return retryAfterSeconds === undefined ? sentence : `${sentence} ${t.retryAfter(retryAfterSeconds)}`;
}
