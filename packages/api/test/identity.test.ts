import { describe, expect, it } from 'vitest';
import { apiKeyChecksum, generateApiKey, isWellFormedApiKey } from '../src/identity/api-key-format';
import {
  DUMMY_HASH,
  hashPassword,
  SCRYPT_PARAMS,
  verifyAgainstDummy,
  verifyPassword,
} from '../src/identity/password';
import { generateSessionToken, sha256Hex } from '../src/identity/tokens';

describe('passwords', () => {
  it('hashes with a fresh salt and the parameters in the string, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('verifies hashes made with other parameters (they are read from the hash)', async () => {
    const cheap = 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA$';
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('pw-123456', Buffer.from('c2FsdHNhbHRzYWx0c2FsdA', 'base64url'), 32, {
      N: 1024,
      r: 8,
      p: 1,
    });
    expect(await verifyPassword('pw-123456', cheap + key.toString('base64url'))).toBe(true);
    expect(await verifyPassword('pw-1234567', cheap + key.toString('base64url'))).toBe(false);
  });

  it('refuses malformed hashes and always answers false for the dummy', async () => {
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$a$b$c$d$e')).toBe(false);
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  it('makes the dummy hash with the current parameters, so unknown emails cost a full scrypt', async () => {
    const [, N, r, p] = DUMMY_HASH.split('$');
    expect({ N: Number(N), r: Number(r), p: Number(p) }).toEqual(SCRYPT_PARAMS);
    expect(DUMMY_HASH.split('$')[5]).toHaveLength(86);
  });
});

describe('API key format', () => {
  it('generates rst_<32 base62>_<6 base62 CRC32> keys with a non-secret prefix', () => {
    const { key, prefix } = generateApiKey();
    expect(key).toMatch(/^rst_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(key.startsWith(prefix)).toBe(true);
    expect(prefix).toHaveLength(12);
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(generateApiKey().key).not.toBe(key);
  });

  it('rejects every single-character typo, truncation and wrong shape offline', () => {
    const { key } = generateApiKey();
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = 4; i < key.length; i++) {
      if (key[i] === '_') continue;
      const other = alphabet[(alphabet.indexOf(key[i]!) + 1 + (i % 60)) % 62]!;
      expect(isWellFormedApiKey(key.slice(0, i) + other + key.slice(i + 1))).toBe(false);
    }
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key}x`)).toBe(false);
    expect(isWellFormedApiKey(key.replace('rst_', 'rsk_'))).toBe(false);
    expect(isWellFormedApiKey('')).toBe(false);
    expect(apiKeyChecksum('rst_')).toMatch(/^[0-9A-Za-z]{6}$/);
  });
});

describe('session tokens', () => {
  it('are 32 random bytes in base64url, stored as SHA-256 hex', () => {
    const token = generateSessionToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(sha256Hex(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSessionToken()).not.toBe(token);
  });
});
