import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API keys look like `rst_<random>_<checksum>`:
 * - `rst_` marks them as Roster secrets (secret scanners can match `rst_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}`);
 * - `<random>` is 32 base62 characters (~190 bits from the OS's CSPRNG);
 * - `<checksum>` is the CRC32 of `rst_<random>`, in 6 base62 characters.
 *
 * The checksum is not a secret and proves nothing about who made the key: it only lets a scanner or
 * the server reject a mistyped or truncated key without a database lookup (CRC32 catches every
 * single-character change). The key is stored as its SHA-256 only; `prefix` (`rst_` + the first 8
 * random characters) is kept in clear to recognise a key in lists.
 */
export const API_KEY_PREFIX = 'rst_';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const API_KEY_PATTERN = /^rst_([0-9A-Za-z]{32})_([0-9A-Za-z]{6})$/;

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 62 * 4: rejecting larger bytes keeps every character equally likely.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

function base62Fixed(value: number, length: number): string {
  let n = value;
  let out = '';
  for (let i = 0; i < length; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** CRC32 of `rst_<random>`, as 6 base62 characters (62^6 > 2^32). */
export function apiKeyChecksum(body: string): string {
  return base62Fixed(crc32(body), CHECKSUM_LENGTH);
}

export interface GeneratedApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  /** The non-secret start of the key, kept to recognise it in lists: `rst_` + 8 characters. */
  prefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  const body = `${API_KEY_PREFIX}${randomBase62(RANDOM_LENGTH)}`;
  return { key: `${body}_${apiKeyChecksum(body)}`, prefix: body.slice(0, API_KEY_PREFIX.length + 8) };
}

/**
 * True when `key` has the shape of a Roster key and its checksum matches. Cheap and offline: a
 * mistyped key is refused before any database lookup.
 */
export function isWellFormedApiKey(key: string): boolean {
  const match = API_KEY_PATTERN.exec(key);
  if (!match) return false;
  return apiKeyChecksum(`${API_KEY_PREFIX}${match[1]}`) === match[2];
}
