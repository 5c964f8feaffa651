import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/**
 * Every reason a Roster call can be refused for, with its tRPC code and one sentence telling the
 * caller what to do. `docs/errors.md` has one anchor per reason (its lower-cased name).
 */
export const ERROR_REASONS = {
  // Identity
  UNAUTHENTICATED: {
    code: 'UNAUTHORIZED',
    hint: 'Sign in, or send an API key as "Authorization: Bearer rst_...".',
  },
  INVALID_CREDENTIALS: { code: 'UNAUTHORIZED', hint: 'Check the email and password and try again.' },
  INVALID_API_KEY: {
    code: 'UNAUTHORIZED',
    hint: 'The API key is malformed, unknown or revoked; create a new key in the organization settings.',
  },
  SESSION_EXPIRED: { code: 'UNAUTHORIZED', hint: 'Sign in again.' },
  EMAIL_TAKEN: { code: 'CONFLICT', hint: 'Sign in instead, or use another email address.' },
  FORBIDDEN_ORIGIN: {
    code: 'FORBIDDEN',
    hint: 'Cookie-authenticated calls must come from the app’s own origin; server-to-server calls use an API key.',
  },
  SESSION_REQUIRED: {
    code: 'FORBIDDEN',
    hint: 'This action is for people signed in with a session, not for API keys.',
  },
  // Authorization
  ORGANIZATION_NOT_FOUND: {
    code: 'NOT_FOUND',
    hint: 'Check the organization id; you must be an active member of it (or use a key issued by it).',
  },
  INSUFFICIENT_ROLE: {
    code: 'FORBIDDEN',
    hint: 'Ask an owner of the organization to do this, or to change your role.',
  },
  INSUFFICIENT_SCOPE: { code: 'FORBIDDEN', hint: 'Create an API key with the scope this procedure needs.' },
  // Membership rules
  AT_LEAST_ONE_OWNER_REQUIRED: {
    code: 'PRECONDITION_FAILED',
    hint: 'Transfer ownership to another member (or make another member an owner) first, or delete the organization.',
  },
  ORGANIZATION_DELETION_SCHEDULED: {
    code: 'PRECONDITION_FAILED',
    hint: 'The organization is scheduled for deletion; memberships end with it.',
  },
  MEMBER_NOT_FOUND: {
    code: 'NOT_FOUND',
    hint: 'The member is not an active member of this organization; refresh the list.',
  },
  ALREADY_MEMBER: { code: 'CONFLICT', hint: 'This person is already an active member of the organization.' },
  SLUG_TAKEN: { code: 'CONFLICT', hint: 'Choose another slug.' },
  INVITATION_NOT_FOUND: {
    code: 'NOT_FOUND',
    hint: 'The invitation does not exist, was revoked or was already used.',
  },
  INVITATION_EXPIRED: {
    code: 'PRECONDITION_FAILED',
    hint: 'Ask an admin of the organization for a new invitation.',
  },
  INVITATION_ALREADY_PENDING: {
    code: 'CONFLICT',
    hint: 'An invitation for this email is already pending; revoke it first to send a new one.',
  },
  API_KEY_NOT_FOUND: {
    code: 'NOT_FOUND',
    hint: 'The API key does not exist in this organization, or is already revoked.',
  },
  // Webhooks
  WEBHOOK_NOT_FOUND: {
    code: 'NOT_FOUND',
    hint: 'The webhook does not exist in this organization; refresh the list.',
  },
  WEBHOOK_LIMIT_REACHED: {
    code: 'PRECONDITION_FAILED',
    hint: 'Delete a webhook you no longer use before adding another.',
  },
  // Transport and load
  VALIDATION_FAILED: {
    code: 'BAD_REQUEST',
    hint: 'Fix the fields listed in error.data.issues and send the request again.',
  },
  BAD_REQUEST: { code: 'BAD_REQUEST', hint: 'Send a well-formed JSON request to an existing procedure.' },
  PROCEDURE_NOT_FOUND: { code: 'NOT_FOUND', hint: 'Check the procedure name against the API reference.' },
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', hint: 'Send a smaller request body.' },
  RATE_LIMITED: {
    code: 'TOO_MANY_REQUESTS',
    hint: 'Wait for the number of seconds in the Retry-After header, then retry.',
  },
  CONCURRENT_CHANGE: {
    code: 'CONFLICT',
    hint: 'Another change to this organization was in progress; retry the request.',
  },
  INTERNAL: {
    code: 'INTERNAL_SERVER_ERROR',
    hint: 'Something failed on the server; retry, and report the request id if it persists.',
  },
} as const satisfies Record<string, { code: TRPC_ERROR_CODE_KEY; hint: string }>;

export type ErrorReason = keyof typeof ERROR_REASONS;
export const ERROR_REASON_LIST = Object.keys(ERROR_REASONS) as ErrorReason[];

/** The `docs` link put into `error.data`: `docs/errors.md#<reason, lower-cased>`. */
export function errorDocsUrl(reason: ErrorReason, base = 'docs/errors.md'): string {
  return `${base}#${reason.toLowerCase()}`;
}

/** A refusal with a stable reason. Throw it from guards and handlers; the formatter exposes the reason. */
export class RosterError extends TRPCError {
  readonly reason: ErrorReason;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    reason: ErrorReason,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super({
      code: ERROR_REASONS[reason].code,
      message: message ?? defaultMessage(reason),
      cause: options?.cause,
    });
    this.reason = reason;
    this.details = options?.details;
  }
}

function defaultMessage(reason: ErrorReason): string {
  const text = reason.toLowerCase().replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reasons for errors raised by tRPC itself (no RosterError), by code. */
const reasonByCode: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorReason>> = {
  PARSE_ERROR: 'BAD_REQUEST',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'PROCEDURE_NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  UNSUPPORTED_MEDIA_TYPE: 'BAD_REQUEST',
  TIMEOUT: 'INTERNAL',
  CLIENT_CLOSED_REQUEST: 'BAD_REQUEST',
};

/** The RosterError behind an error that reaches the formatter: itself, or its cause (tRPC may wrap it). */
export function rosterErrorOf(error: TRPCError): RosterError | null {
  if (error instanceof RosterError) return error;
  return error.cause instanceof RosterError ? error.cause : null;
}

/** The stable reason for any error that reaches the formatter. */
export function reasonOf(error: TRPCError): ErrorReason {
  const rosterError = rosterErrorOf(error);
  if (rosterError) return rosterError.reason;
  if (error.code === 'BAD_REQUEST' && isZodLike(error.cause)) return 'VALIDATION_FAILED';
  return reasonByCode[error.code] ?? 'INTERNAL';
}

export function isZodLike(
  value: unknown,
): value is { issues: Array<{ path: PropertyKey[]; message: string; code: string }> } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { issues?: unknown }).issues);
}
