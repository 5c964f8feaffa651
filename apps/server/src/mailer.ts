import { type ClaimedMail, claimDueMails, prepareMail, settleMail } from '@roster/api';
import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';

/** One message as the mailer hands it to a transport. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mails go: SMTP (nodemailer) in production, the development mailbox otherwise. */
export interface MailTransport {
  readonly kind: 'smtp' | 'dev-mailbox';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface MailerSettings {
  /** How often to look for due mails when idle, in ms. 0 disables the loop (runOnce still works). */
  intervalMs: number;
  /** Mails claimed per round. */
  batchSize: number;
  /** After this many failed attempts a mail is dead-lettered (status `dead`, `last_error` kept). */
  maxAttempts: number;
  /** First retry delay; doubled on every attempt (with jitter), up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a claimed mail is hidden from other mailers while being sent. */
  leaseMs: number;
  /** The web app's public URL, for links. */
  appUrl: string;
  /** The From header. */
  from: string;
}

export const DEFAULT_MAILER_SETTINGS: Omit<MailerSettings, 'appUrl' | 'from'> = {
  intervalMs: 1000,
  batchSize: 20,
  maxAttempts: 8,
  retryBaseMs: 5000,
  retryMaxMs: 60 * 60 * 1000,
  leaseMs: 5 * 60 * 1000,
};

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MailRound {
  claimed: number;
  sent: number;
  skipped: number;
  retrying: number;
  dead: number;
}

export interface Mailer {
  readonly settings: MailerSettings;
  readonly transport: MailTransport;
  /** Starts the polling loop (no-op when already running or `intervalMs` is 0). */
  start(): void;
  /** Stops the loop and waits for the round in progress. */
  stop(): Promise<void>;
  /** One round: claim due mails, render (minting link tokens), send, settle. */
  runOnce(): Promise<MailRound>;
}

/** SMTP through nodemailer, e.g. `smtp://user:pass@mail.example:587`. */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail(mail);
    },
    close() {
      transporter.close();
    },
  };
}

export interface DevMailboxEntry extends OutgoingMail {
  id: number;
  sentAt: string;
}

/**
 * The development mailbox: without SMTP_URL (never in production: the config refuses that), mails are
 * kept in this process's memory, shown by the web app at /dev/mail, and each link is logged so it can be
 * followed from the terminal. Only the newest `capacity` mails are kept.
 */
export interface DevMailbox extends MailTransport {
  readonly kind: 'dev-mailbox';
  list(): DevMailboxEntry[];
  /** Where the links are logged (the server's logger, attached by buildServer). */
  attachLogger(logger: Logger): void;
}

export function createDevMailbox(options: { logger?: Logger; capacity?: number } = {}): DevMailbox {
  const capacity = options.capacity ?? 100;
  const entries: DevMailboxEntry[] = [];
  let nextId = 1;
  let logger = options.logger;
  return {
    kind: 'dev-mailbox',
    async send(mail) {
      entries.unshift({ ...mail, id: nextId++, sentAt: new Date().toISOString() });
      entries.length = Math.min(entries.length, capacity);
      const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
      logger?.info(
        { to: mail.to, subject: mail.subject, links },
        'development mailbox: mail kept (see /dev/mail)',
      );
    },
    close() {},
    list: () => entries.map((entry) => ({ ...entry })),
    attachLogger(next) {
      logger = next;
    },
  };
}

/** Exponential backoff with "equal jitter" (half fixed, half random), so replicas spread out. */
export function mailRetryDelayMs(
  attempts: number,
  settings: Pick<MailerSettings, 'retryBaseMs' | 'retryMaxMs'>,
) {
  const exponential = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
}

const noLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * Sends the mail outbox after commit. Several mailers (one per server replica) may run against one
 * database: claims use FOR UPDATE SKIP LOCKED plus a lease. A mail with a link gets its single-use token
 * minted at each attempt (only the hash is stored; the previous attempt's token dies), so the database
 * never holds a usable token in plaintext. Failed sends are retried with backoff, then dead-lettered.
 */
export function createMailer(
  db: Kysely<Database>,
  options: Partial<MailerSettings> &
    Pick<MailerSettings, 'appUrl' | 'from'> & { transport: MailTransport; logger?: Logger },
): Mailer {
  const { logger = noLogger, transport, ...overrides } = options;
  const settings: MailerSettings = { ...DEFAULT_MAILER_SETTINGS, ...overrides };
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let current: Promise<unknown> | null = null;

  async function deliver(mail: ClaimedMail, round: MailRound) {
    const claimed = { id: mail.id, claimedAttempts: mail.attempts };
    let error: string;
    try {
      const prepared = await prepareMail(db, mail, { appUrl: settings.appUrl });
      if (!prepared) {
        if ((await settleMail(db, claimed, { skipped: true })) === 'skipped') round.skipped++;
        return;
      }
      await transport.send({
        from: settings.from,
        to: prepared.to,
        subject: prepared.subject,
        text: prepared.text,
        html: prepared.html,
      });
      if ((await settleMail(db, claimed, { sent: true })) === 'sent') round.sent++;
      return;
    } catch (caught) {
      error = describeMailError(caught);
    }
    const settled = await settleMail(db, claimed, {
      sent: false,
      error,
      maxAttempts: settings.maxAttempts,
      retryInMs: mailRetryDelayMs(mail.attempts, settings),
    });
    if (settled === 'pending') round.retrying++;
    if (settled === 'dead') {
      round.dead++;
      // Never the body: it holds the link. The kind, the id and the error are enough for the operator.
      logger.warn({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts, error }, 'mail dead-lettered');
    }
  }

  async function runOnce(): Promise<MailRound> {
    const round: MailRound = { claimed: 0, sent: 0, skipped: 0, retrying: 0, dead: 0 };
    const mails = await claimDueMails(db, { limit: settings.batchSize, leaseMs: settings.leaseMs });
    round.claimed = mails.length;
    await Promise.all(
      mails.map((mail) =>
        deliver(mail, round).catch((error) => {
          // The mail stays claimed until its lease ends, then another round retries it.
          logger.error({ err: error, mailId: mail.id }, 'mail failed to settle');
        }),
      ),
    );
    return round;
  }

  async function loop() {
    timer = null;
    if (stopped) return;
    let full = false;
    try {
      const round = runOnce();
      current = round;
      full = (await round).claimed === settings.batchSize;
    } catch (error) {
      logger.warn({ err: error }, 'mailer round failed; retrying on the next tick');
    } finally {
      current = null;
    }
    if (!stopped) timer = setTimeout(loop, full ? 0 : settings.intervalMs);
  }

  return {
    settings,
    transport,
    start() {
      if (!stopped || settings.intervalMs <= 0) return;
      stopped = false;
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current?.catch(() => {});
    },
    runOnce,
  };
}

/** An SMTP error as the operator needs it: the server's answer or the socket error, never the message. */
function describeMailError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, responseCode, response } = error as {
    code?: string;
    responseCode?: number;
    response?: string;
  };
  if (responseCode) return `SMTP ${responseCode}: ${String(response ?? error.message).slice(0, 500)}`;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
