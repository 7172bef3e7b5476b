import type * as Passwords from "../../lib/accounts/passwords.ts";

/** What the password module was asked to do: checks (scrypt verifications) and new hashes. */
export interface PasswordWork {
  checks: number;
  hashes: number;
}

/**
 * lib/accounts/passwords.ts with every password check and new hash counted in `work`: the cost
 * the limits exist to bound, which status codes alone would not show (a guess checked and then
 * answered 429). For `vi.mock`'s factory: a mock reaches only modules loaded after it, so the file
 * calls `vi.resetModules()` first (in `vi.hoisted`) and last.
 */
export function countingPasswords(original: typeof Passwords, work: PasswordWork): typeof Passwords {
  return {
    ...original,
    verifyPassword: (...args) => {
      work.checks += 1;
      return original.verifyPassword(...args);
    },
    hashPassword: (...args) => {
      work.hashes += 1;
      return original.hashPassword(...args);
    },
  };
}
