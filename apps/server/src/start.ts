import {
  configureWebhookSecrets,
  DEVELOPMENT_WEBHOOK_SECRETS_KEY,
  encryptPlainWebhookSecrets,
} from '@roster/api';
import { createDatabase, migrateToLatest } from '@roster/db';
import type { FastifyInstance } from 'fastify';
import { type BuildServerOptions, buildServer } from './app';
import type { Config } from './config';
import { createDispatcher, type Dispatcher, type DispatcherSettings } from './dispatcher';
import { hostCheckFor } from './host';
import {
  createDevMailbox,
  createMailer,
  createSmtpTransport,
  type Mailer,
  type MailerSettings,
  type MailTransport,
} from './mailer';
import { createPurger, type Purger, type PurgerSettings } from './purge';
import { createRateLimitRedis } from './rate-limit';
import { PRODUCTION_SEED_WARNING, seedDemo, shouldSeedDemo } from './seed';
import { defaultWebDist } from './web';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Delivers outbox events to webhooks; running unless its interval is 0 (the default under NODE_ENV=test). */
  dispatcher: Dispatcher;
  /** Sends the mail outbox (SMTP_URL, or the development mailbox); running unless its interval is 0. */
  mailer: Mailer;
  /** Deletes organizations whose deletion grace period is over; running unless its interval is 0 (the default under NODE_ENV=test). */
  purger: Purger;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Opens the database, applies pending migrations, and listens. */
export async function startServer(
  config: Config,
  options: Omit<Partial<BuildServerOptions>, 'db'> & {
    dispatcher?: Partial<DispatcherSettings>;
    purger?: Partial<PurgerSettings>;
    /** Mailer settings; `transport` replaces the one SMTP_URL would choose. */
    mailer?: Partial<MailerSettings> & { transport?: MailTransport };
  } = {},
): Promise<RunningServer> {
  const db = createDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
  });
  let encrypted = 0;
  try {
    await migrateToLatest(db);
    // Webhook signing secrets are encrypted under WEBHOOK_SECRETS_KEY (a documented development key when
    // unset; loadConfig refuses production without one). Rows from before encryption are encrypted now.
    const secrets = configureWebhookSecrets(config.WEBHOOK_SECRETS_KEY ?? DEVELOPMENT_WEBHOOK_SECRETS_KEY);
    encrypted = await encryptPlainWebhookSecrets(db, secrets);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  const {
    dispatcher: dispatcherOptions,
    mailer: mailerOptions,
    purger: purgerOptions,
    ...serverOptions
  } = options;
  // Without SMTP_URL (never in production: loadConfig refuses it), mails stay in a development mailbox.
  const devMailbox = mailerOptions?.transport || config.SMTP_URL ? undefined : createDevMailbox();
  const transport: MailTransport =
    mailerOptions?.transport ?? devMailbox ?? createSmtpTransport(config.SMTP_URL as string);
  // REDIS_URL: one rate-limit store for every replica (unless the caller brings its own store).
  const ownRedis =
    config.REDIS_URL &&
    serverOptions.rateLimit !== false &&
    !serverOptions.rateLimit?.redis &&
    !serverOptions.rateLimit?.store
      ? createRateLimitRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS })
      : undefined;
  const app = await buildServer({
    devMailbox,
    db,
    logLevel: config.LOG_LEVEL,
    secureCookies: config.NODE_ENV === 'production',
    deletionGraceDays: config.ORG_DELETION_GRACE_DAYS,
    allowedOrigins: config.ALLOWED_ORIGINS,
    // DNS rebinding: answer only to the configured public origins (and localhost outside production).
    hostCheck: hostCheckFor(config),
    trustProxy: config.TRUST_PROXY,
    // The built web app at `/`, when there is one (`pnpm start` builds it).
    webDist: config.WEB_DIST ?? defaultWebDist(),
    ...serverOptions,
    // Limits from the environment; `options.rateLimit` adds to them (e.g. `{ redis }`) or turns them off.
    rateLimit:
      serverOptions.rateLimit === false
        ? false
        : {
            max: config.RATE_LIMIT_MAX,
            windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
            authMax: config.AUTH_RATE_LIMIT_MAX,
            authWindowMs: config.AUTH_RATE_LIMIT_WINDOW_SECONDS * 1000,
            redisKeyPrefix: config.REDIS_KEY_PREFIX,
            ...(ownRedis ? { redis: ownRedis } : {}),
            ...serverOptions.rateLimit,
          },
  });

  if (encrypted > 0)
    app.log.info({ webhooks: encrypted }, 'encrypted webhook signing secrets stored in the clear');
  if (!config.WEBHOOK_SECRETS_KEY) {
    app.log.warn(
      'WEBHOOK_SECRETS_KEY is not set: webhook secrets are encrypted with the public development key',
    );
  }

  if (shouldSeedDemo(config)) {
    if (config.NODE_ENV === 'production')
      app.log.warn({ SEED_DEMO: config.SEED_DEMO }, PRODUCTION_SEED_WARNING);
    try {
      await seedDemo(db, app.log);
    } catch (error) {
      // A demo nicety: never a reason not to start.
      app.log.warn({ err: error }, 'could not seed the demo data');
    }
  }
  const dispatcher = createDispatcher(db, {
    intervalMs: config.DISPATCHER_INTERVAL_MS ?? (config.NODE_ENV === 'test' ? 0 : 1000),
    ...(config.WEBHOOK_RETRY_SCHEDULE ? { retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE } : {}),
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    ...dispatcherOptions,
    logger: app.log,
  });
  const mailer = createMailer(db, {
    intervalMs: config.MAILER_INTERVAL_MS ?? (config.NODE_ENV === 'test' ? 0 : 1000),
    maxAttempts: config.MAIL_MAX_ATTEMPTS,
    appUrl: config.APP_URL ?? `http://localhost:${config.PORT}`,
    from: config.MAIL_FROM,
    ...mailerOptions,
    transport,
    logger: app.log,
  });
  const purger = createPurger(db, {
    intervalMs: config.PURGE_INTERVAL_MS ?? (config.NODE_ENV === 'test' ? 0 : 60_000),
    ...purgerOptions,
    logger: app.log,
  });
  // Stop delivering (and purging) before the database closes.
  app.addHook('preClose', async () => {
    await Promise.all([dispatcher.stop(), mailer.stop(), purger.stop()]);
    transport.close();
  });
  app.addHook('onClose', async () => {
    await db.destroy();
    ownRedis?.disconnect();
  });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info(
    { database: config.DATABASE_URL ? 'postgres' : `pglite (${config.DATA_DIR})` },
    `Roster listening on ${address}`,
  );
  dispatcher.start();
  mailer.start();
  purger.start();
  let closing: Promise<void> | undefined;
  return {
    app,
    url: address,
    dispatcher,
    mailer,
    purger,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
