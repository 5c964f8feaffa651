import type { EmailTokenPurpose, MailLocale } from '@roster/db';
import type { Db } from '../queries/db';
import type { MailContent } from './layout';

/** A link with a single-use token, minted by the mailer when the mail is sent (never stored in plaintext). */
export interface TokenLink {
  purpose: EmailTokenPurpose;
  /** The web path the token is appended to, e.g. `/invite/` -> `https://app.example/invite/<token>`. */
  path: string;
  /** The address the mail goes to: following the link proves it. */
  email: string;
  userId?: string;
  invitationId?: string;
  expiresAt: Date;
}

export interface RenderInput<D> {
  data: D;
  /** The public base URL of the web app, without a trailing slash. */
  appUrl: string;
  /** The token link, when the kind has one (`tokenLink`); null otherwise. */
  link: string | null;
}

/**
 * One kind of mail. `P` is what the queued row names (ids only, JSON), `D` what `load` reads at delivery.
 * `load` returns null when there is nothing to send any more (the mail is then `skipped`).
 */
export interface MailKindDefinition<P extends Record<string, unknown>, D> {
  load(db: Db, params: P): Promise<D | null>;
  /** Set for mails carrying a single-use link; the token is minted at delivery. */
  tokenLink?: (data: D) => TokenLink;
  render: Record<MailLocale, (input: RenderInput<D>) => MailContent>;
}

/** Identity function that lets TypeScript infer `P` and `D` for a kind. */
export function defineMail<P extends Record<string, unknown>, D>(
  definition: MailKindDefinition<P, D>,
): MailKindDefinition<P, D> {
  return definition;
}
