import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * scrypt cost parameters for new hashes. They are stored in every hash string
 * (`scrypt$N$r$p$salt$hash`), so raising them later keeps old hashes verifiable.
 * N=2^14, r=8, p=1 costs ~16 MiB and a few tens of milliseconds per attempt.
 */
export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** A salted scrypt hash: `scrypt$N$r$p$<salt base64url>$<hash base64url>`. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r * p });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison of a password with a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r * p });
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password nobody knows, made with SCRYPT_PARAMS (keep them in step: a cheaper
 * dummy would make unknown emails answer faster).
 */
export const DUMMY_HASH =
  'scrypt$16384$8$1$DttZBV2_LtJlbHFWPwH52w$ja2fbyhst8ZwfoSkS-uxs3IQFyE2foMdzHaV9RHIsd-6YyWatwXOR2rFsXRvvoLm__TM00kLEZhpUEZ8MTfhSQ';

/**
 * Runs one scrypt against a throwaway hash with the current parameters. Sign-in calls it when the
 * email is unknown (or has no password), so that case costs the same time as a wrong password
 * and an attacker cannot tell which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

/** A new password: long enough to resist guessing, short enough to bound scrypt's input. */
export const newPassword = z
  .string()
  .min(8, 'Use at least 8 characters')
  .max(200, 'Use at most 200 characters');
