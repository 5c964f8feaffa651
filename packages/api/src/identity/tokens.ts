import { createHash, randomBytes } from 'node:crypto';

/** SHA-256, hex: how session tokens and API keys are stored (never the secret itself). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** An opaque session token: 32 random bytes, base64url (43 characters). */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}
