import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5s,5m,2h` in milliseconds; null when a part is not a duration (or there are more than 20). */
export function parseDurations(value: string): number[] | null {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.length > 20) return null;
  const durations: number[] = [];
  for (const part of parts) {
    const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(part);
    if (!match) return null;
    durations.push(Number(match[1]) * DURATION_UNITS_MS[match[2]!]!);
  }
  return durations;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Fastify's `trustProxy`, as Roster allows it: off, or the proxies' addresses/CIDRs. */
export type TrustProxy = false | readonly string[];

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address (dotted quad or IPv6), a CIDR of one, or one of proxy-addr's range names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  if (rest.length > 0) return false;
  const isAddress = ipaddr.IPv4.isValidFourPartDecimal(address) || ipaddr.IPv6.isValid(address);
  if (!isAddress || bits === undefined) return isAddress;
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

const envSchema = z
  .object({
    PORT: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 65535')
      .max(65535, 'must be between 0 and 65535')
      .default(3000),
    HOST: z.string().min(1).default('localhost'),
    DATABASE_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(v), {
        message: 'must be a postgres:// or postgresql:// URL (leave it unset for the embedded database)',
      })
      .refine((v) => v === undefined || URL.canParse(v), { message: 'is not a valid URL' }),
    /** PostgreSQL only: run queries as prepared statements (`0` for PgBouncer in transaction mode before 1.21). */
    DATABASE_PREPARED_STATEMENTS: z
      .enum(['0', '1', 'true', 'false'], { message: 'must be 1 or 0' })
      .default('1')
      .transform((v) => v === '1' || v === 'true'),
    DATA_DIR: z.string().min(1).default('.data'),
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** Webhook dispatcher poll interval in ms; 0 turns it off. Default 1000 (0 when NODE_ENV=test). */
    DISPATCHER_INTERVAL_MS: z.coerce.number({ message: 'must be a number' }).int().min(0).optional(),
    /**
     * Delays between webhook delivery attempts, comma-separated (`5s,5m,30m,2h,5h,10h,10h`, the default);
     * a delivery that failed once plus once per delay is dead-lettered. Units: ms, s, m, h, d.
     */
    WEBHOOK_RETRY_SCHEDULE: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
      .refine((v) => v === undefined || parseDurations(v) !== null, {
        message: 'must be comma-separated durations like 5s,5m,30m,2h (units ms, s, m, h, d; at most 20)',
      })
      .transform((v) => (v === undefined ? undefined : (parseDurations(v) as number[]))),
    /**
     * The key (at least 32 characters) that webhook signing secrets are encrypted under (AES-256-GCM).
     * Required when NODE_ENV=production; elsewhere a public development key is used. Changing it makes the
     * stored secrets unreadable: rotate every webhook's secret after.
     */
    WEBHOOK_SECRETS_KEY: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : v))
      .refine((v) => v === undefined || v.length >= 32, { message: 'must be at least 32 characters' }),
    /** `1`: deliver webhooks to loopback, private and link-local addresses too (development, receivers in your network). */
    WEBHOOK_ALLOW_PRIVATE_TARGETS: z
      .enum(['0', '1', 'true', 'false'], { message: 'must be 1 or 0' })
      .default('0')
      .transform((v) => v === '1' || v === 'true'),
    /** Calls per window per caller (signed-in user, API key; anonymous: per IP). */
    RATE_LIMIT_MAX: z.coerce.number({ message: 'must be a number' }).int().min(1).default(600),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).default(60),
    /** Sign-in and sign-up calls per window per IP. */
    AUTH_RATE_LIMIT_MAX: z.coerce.number({ message: 'must be a number' }).int().min(1).default(10),
    AUTH_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).default(60),
    /** A shared rate-limit store for several replicas: `redis://` or `rediss://`; unset counts in memory per process. */
    REDIS_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || (/^rediss?:\/\/[^\s]*$/.test(v) && URL.canParse(v)), {
        message: 'must be a redis:// or rediss:// URL (leave it unset to count in memory)',
      }),
    /** Prefix of Roster's Redis keys, so several deployments can share one Redis. */
    REDIS_KEY_PREFIX: z.string().min(1).default('roster:'),
    /** How long a Redis command may take before that call is counted in memory instead. */
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int().min(1).default(1000),
    /** Comma-separated origins allowed, besides the server's own, to send cookie-authenticated mutations. */
    ALLOWED_ORIGINS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .refine(
        (origins) =>
          origins.every((origin) => /^https?:\/\/[^/\s]+\/?$/.test(origin) && URL.canParse(origin)),
        {
          message: 'must be comma-separated origins like https://app.example.com',
        },
      ),
    /**
     * Behind proxies or load balancers: their addresses or CIDRs, comma-separated (`loopback`,
     * `linklocal` and `uniquelocal` name those ranges). The client address is then the right-most
     * X-Forwarded-For entry not added by one of them. `true` is refused: it trusts every hop, so any
     * client could choose its own address with the header. A hop count is refused too: Fastify 5 trusts
     * nothing for one (it cannot tell a proxy from a client that connects directly).
     */
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((v, ctx): TrustProxy => {
        const value = (v ?? '').trim();
        if (value === '' || value === 'false' || value === '0') return false;
        const refuse = (message: string) => {
          ctx.addIssue({ code: 'custom', message });
          return z.NEVER;
        };
        if (value === 'true') {
          return refuse(
            'must not be true: it would trust every X-Forwarded-For entry, so a client could choose its own IP address (and dodge the per-IP limits); give the proxies’ addresses or CIDRs (e.g. 10.0.0.0/8)',
          );
        }
        if (/^\d+$/.test(value)) {
          return refuse(
            'must be the proxies’ addresses or CIDRs, not a hop count (Fastify trusts no hop for a count: it cannot tell a proxy from a client connecting directly); e.g. 10.0.0.0/8',
          );
        }
        const entries = value.split(',').map((entry) => entry.trim());
        const invalid = entries.filter((entry) => !isProxyAddress(entry));
        if (invalid.length > 0) {
          return refuse(
            `must be comma-separated proxy addresses or CIDRs (e.g. 10.0.0.0/8, ::1, loopback); not understood: ${invalid.join(', ') || '(empty entry)'}`,
          );
        }
        return entries;
      }),
    /** Where the built web app is; served at `/` when present. */
    WEB_DIST: z.string().optional(),
    /**
     * Where mail goes: `smtp://user:pass@mail.example:587` (or `smtps://...`). Unset: mails are kept in the
     * development mailbox (shown at /dev/mail, links logged); required with NODE_ENV=production.
     */
    SMTP_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || (/^smtps?:\/\/[^\s]+$/.test(v) && URL.canParse(v)), {
        message: 'must be an smtp:// or smtps:// URL, like smtp://user:pass@mail.example:587',
      }),
    /** The From header of Roster's mails. */
    MAIL_FROM: z.string().trim().min(3).default('Roster <no-reply@roster.localhost>'),
    /** The web app's public URL, for the links in mails (default http://localhost:PORT; required in production). */
    APP_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v?.replace(/\/+$/, '')))
      .refine((v) => v === undefined || (/^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v)), {
        message: 'must be an http(s) URL like https://roster.example.com',
      }),
    /** Mailer poll interval in ms; 0 turns it off. Default 1000 (0 when NODE_ENV=test). */
    MAILER_INTERVAL_MS: z.coerce.number({ message: 'must be a number' }).int().min(0).optional(),
    /** Attempts before an undeliverable mail is dead-lettered. */
    MAIL_MAX_ATTEMPTS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(100).default(8),
    /** Days between organizations.scheduleDeletion and the purge; an owner may restore until then. */
    ORG_DELETION_GRACE_DAYS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number of days')
      .min(0)
      .max(3650)
      .default(30),
    /** Purge worker poll interval in ms; 0 turns it off. Default 60000 (0 when NODE_ENV=test). */
    PURGE_INTERVAL_MS: z.coerce.number({ message: 'must be a number' }).int().min(0).optional(),
    /** Demo data on first start: default on for the embedded database, off on PostgreSQL; `1` or `0` forces it. */
    SEED_DEMO: z.enum(['0', '1', 'true', 'false'], { message: 'must be 1 or 0' }).optional(),
  })
  .superRefine((config, context) => {
    // In production mail must really go out, to links that work: no development mailbox, no localhost.
    if (config.NODE_ENV !== 'production') return;
    if (!config.SMTP_URL) {
      context.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message:
          'must be set when NODE_ENV=production (invitations, verification and password resets are mailed; the development mailbox is for development only)',
      });
    }
    if (!config.WEBHOOK_SECRETS_KEY) {
      context.addIssue({
        code: 'custom',
        path: ['WEBHOOK_SECRETS_KEY'],
        message:
          'must be set when NODE_ENV=production (at least 32 random characters, e.g. `openssl rand -base64 32`): webhook signing secrets are encrypted under it',
      });
    }
    if (!config.APP_URL) {
      context.addIssue({
        code: 'custom',
        path: ['APP_URL'],
        message: 'must be set when NODE_ENV=production (the links in mails point to it)',
      });
    }
  });

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration from the environment; every problem names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(
        (issue) => `${issue.path.join('.')} ${issue.message} (got ${describe(env, issue.path)})`,
      ),
    );
  }
  if (result.data.NODE_ENV === 'production' && !result.data.WEBHOOK_SECRETS_KEY) {
    throw new ConfigError([
      'WEBHOOK_SECRETS_KEY is required when NODE_ENV=production (at least 32 random characters, e.g. `openssl rand -base64 32`): webhook signing secrets are encrypted under it',
    ]);
  }
  return result.data;
}

function describe(env: NodeJS.ProcessEnv, path: PropertyKey[]): string {
  const value = env[String(path[0])];
  if (value === undefined) return 'nothing';
  // Never echo a key.
  if (path[0] === 'WEBHOOK_SECRETS_KEY') return `a value of ${value.length} characters`;
  // Never echo a database, mail or Redis URL whole: it may hold a password (Redis: often with no user).
  if (path[0] === 'DATABASE_URL' || path[0] === 'SMTP_URL' || path[0] === 'REDIS_URL')
    return JSON.stringify(value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'));
  return JSON.stringify(value);
}

/** Every environment variable the server reads (the README's configuration table lists each, checked by docs/test). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as Array<keyof Config>;
