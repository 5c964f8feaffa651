import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';

/**
 * Webhook signing secrets at rest. The dispatcher needs each secret in the clear to sign (HMAC), so it
 * cannot be hashed like an API key; it is encrypted instead, with AES-256-GCM under a key derived
 * (HKDF-SHA256) from the server's WEBHOOK_SECRETS_KEY, and bound to its webhook's id (additional
 * authenticated data), so a ciphertext copied onto another row does not decrypt. A database dump alone
 * does not reveal a secret.
 */
export interface WebhookSecretBox {
  encrypt(secret: string, webhookId: string): string;
  /** Throws WebhookSecretUnreadableError when the key is not the one the secret was stored with. */
  decrypt(stored: string, webhookId: string): string;
}

/**
 * The key used when WEBHOOK_SECRETS_KEY is not set (development and tests only: the server refuses to
 * start without it when NODE_ENV=production). It is public, so it protects nothing.
 */
export const DEVELOPMENT_WEBHOOK_SECRETS_KEY = 'roster-development-webhook-secrets-key-not-for-production';

/** Stored form: `v1.<iv>.<ciphertext>.<tag>` (base64url). */
const FORMAT = 'v1';

export class WebhookSecretUnreadableError extends Error {
  override name = 'WebhookSecretUnreadableError';
  constructor() {
    super(
      'the webhook signing secret cannot be decrypted: WEBHOOK_SECRETS_KEY is not the key it was stored with',
    );
  }
}

export function createWebhookSecretBox(keyMaterial: string): WebhookSecretBox {
  if (keyMaterial.length < 32) throw new Error('WEBHOOK_SECRETS_KEY must be at least 32 characters');
  const key = Buffer.from(hkdfSync('sha256', keyMaterial, 'roster', 'webhook signing secrets v1', 32));
  return {
    encrypt(secret, webhookId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(`webhook:${webhookId}`));
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [FORMAT, iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    decrypt(stored, webhookId) {
      const [format, iv, ciphertext, tag] = stored.split('.');
      if (format !== FORMAT || !iv || !ciphertext || !tag) throw new WebhookSecretUnreadableError();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(`webhook:${webhookId}`));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new WebhookSecretUnreadableError();
      }
    },
  };
}

/** The secret of a webhook row as the dispatcher reads it: decrypted, or a legacy plain one not yet encrypted. */
export function readWebhookSecret(
  box: WebhookSecretBox,
  row: { id: string; secret: string | null; secret_ciphertext: string | null },
): string {
  if (row.secret_ciphertext) return box.decrypt(row.secret_ciphertext, row.id);
  if (row.secret) return row.secret;
  throw new WebhookSecretUnreadableError();
}

let configured: WebhookSecretBox | null = null;

/**
 * Sets the key the webhook procedures and the dispatcher of this process use (the server calls it at
 * start with WEBHOOK_SECRETS_KEY). One process-wide setting, so every door to the procedures (/trpc,
 * REST, in-process callers) encrypts with the same key.
 */
export function configureWebhookSecrets(keyMaterial: string): WebhookSecretBox {
  configured = createWebhookSecretBox(keyMaterial);
  return configured;
}

/** The configured box; the development key's outside production when none was configured. */
export function webhookSecretBox(): WebhookSecretBox {
  if (configured) return configured;
  if (process.env.NODE_ENV === 'production') {
    throw new Error('WEBHOOK_SECRETS_KEY is not configured (required when NODE_ENV=production)');
  }
  configured = createWebhookSecretBox(DEVELOPMENT_WEBHOOK_SECRETS_KEY);
  return configured;
}

/**
 * Encrypts the secrets still stored in the clear (webhooks created before 2026-11-30) and clears them.
 * Idempotent; the server runs it at start, after the migrations. Answers how many rows it encrypted.
 */
export async function encryptPlainWebhookSecrets(
  db: Kysely<Database>,
  box: WebhookSecretBox,
): Promise<number> {
  const rows = await db
    .selectFrom('webhooks')
    .select(['id', 'secret'])
    .where('secret', 'is not', null)
    .execute();
  for (const row of rows) {
    await db
      .updateTable('webhooks')
      .set({ secret_ciphertext: box.encrypt(row.secret as string, row.id), secret: null })
      .where('id', '=', row.id)
      .where('secret', '=', row.secret as string)
      .execute();
  }
  return rows.length;
}
