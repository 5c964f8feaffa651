import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** The HTTP statuses Roster answers refusals with (one per reason). Never 412: that is about `If-Match`. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 410 | 413 | 415 | 429 | 431 | 500;

/**
 * What every reason declares: its tRPC code (the JSON-RPC-style `error.code` tRPC clients see), its HTTP
 * `status` (the one status it answers with on `/trpc` and `/v1` alike; required, so a reason without one
 * fails the typecheck) and one sentence telling the caller what to do.
 */
export interface ErrorReasonSpec {
  code: TRPC_ERROR_CODE_KEY;
  status: ErrorStatus;
  hint: string;
}

/**
 * Every reason a Roster call can be refused for, with its tRPC code, its HTTP status and one sentence
 * telling the caller what to do. `docs/errors.md` has one anchor per reason (its lower-cased name) and
 * names the status beside it (a test compares the two). tRPC has no code for 410 Gone: reasons answering
 * 410 carry the code `CONFLICT`, and the status comes from here, not from the code.
 */
export const ERROR_REASONS = {
  // Identity
  UNAUTHENTICATED: {
    code: 'UNAUTHORIZED',
    status: 401,
    hint: 'Sign in, or send an API key as "Authorization: Bearer rst_...".',
  },
  INVALID_CREDENTIALS: {
    code: 'UNAUTHORIZED',
    status: 401,
    hint: 'Check the email and password and try again.',
  },
  INVALID_API_KEY: {
    code: 'UNAUTHORIZED',
    status: 401,
    hint: 'The API key is malformed, unknown or revoked; ask an owner or admin of the organization for a new key.',
  },
  API_KEY_EXPIRED: {
    code: 'UNAUTHORIZED',
    status: 401,
    hint: 'The API key is past its expiry; create a new key in the organization settings.',
  },
  FORBIDDEN_ORIGIN: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'Cookie-authenticated calls must come from the app’s own origin; server-to-server calls use an API key.',
  },
  HOST_NOT_ALLOWED: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'Use the server’s configured address: besides localhost it answers only to the hosts of APP_URL and ALLOWED_ORIGINS.',
  },
  SESSION_REQUIRED: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'This action is for people signed in with a session, not for API keys.',
  },
  TOKEN_INVALID: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The link is unknown, was already used or was replaced by a newer one; use the newest mail, or ask for a new link.',
  },
  TOKEN_EXPIRED: {
    code: 'CONFLICT',
    status: 410,
    hint: 'The link has expired; ask for a new one (resend the verification mail, or request a new password reset).',
  },
  EMAIL_NOT_VERIFIED: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'Confirm your email address with the link mailed to it (auth.resendVerification sends a new one), or open the invitation link.',
  },
  // Authorization
  ORGANIZATION_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'Check the organization id; you must be an active member of it (or use a key issued by it).',
  },
  INSUFFICIENT_ROLE: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'Ask an owner of the organization to do this, or to change your role.',
  },
  INSUFFICIENT_SCOPE: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'Create an API key with the scope this procedure needs.',
  },
  // Membership rules
  AT_LEAST_ONE_OWNER_REQUIRED: {
    code: 'CONFLICT',
    status: 409,
    hint: 'Transfer ownership to another member (or make another member an owner) first, or delete the organization.',
  },
  ORGANIZATION_DELETION_SCHEDULED: {
    code: 'CONFLICT',
    status: 410,
    hint: 'The organization is scheduled for deletion: an owner can restore it during the grace period; otherwise every membership ends with it.',
  },
  DELETION_GRACE_PERIOD_OVER: {
    code: 'CONFLICT',
    status: 410,
    hint: 'The grace period of the organization’s deletion is over: it can no longer be restored; export its data while you still can.',
  },
  OWNERSHIP_OFFER_PENDING: {
    code: 'CONFLICT',
    status: 409,
    hint: 'The organization already has a pending ownership offer: cancel it (members.cancelOwnershipOffer) or wait for the answer.',
  },
  OWNERSHIP_OFFER_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The ownership offer does not exist, is not addressed to you, or is no longer pending (accepted, declined, cancelled, or void because a side left or changed role).',
  },
  OWNERSHIP_OFFER_EXPIRED: {
    code: 'CONFLICT',
    status: 410,
    hint: 'The ownership offer has expired; ask an owner for a new one.',
  },
  MEMBER_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The member is not an active member of this organization; refresh the list.',
  },
  ALREADY_MEMBER: {
    code: 'CONFLICT',
    status: 409,
    hint: 'This person is already an active member of the organization.',
  },
  SLUG_TAKEN: { code: 'CONFLICT', status: 409, hint: 'Choose another slug.' },
  INVITATION_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The invitation does not exist, was revoked or was already used.',
  },
  INVITATION_EXPIRED: {
    code: 'CONFLICT',
    status: 410,
    hint: 'Ask an admin of the organization for a new invitation.',
  },
  INVITATION_FOR_ANOTHER_ADDRESS: {
    code: 'FORBIDDEN',
    status: 403,
    hint: 'This invitation is for another email address: sign out, then sign in or sign up with the invited address.',
  },
  INVITATION_RESEND_TOO_SOON: {
    code: 'TOO_MANY_REQUESTS',
    status: 429,
    hint: 'The invitation was mailed moments ago; wait error.data.details.retryAfterSeconds before resending it.',
  },
  INVITATION_ALREADY_PENDING: {
    code: 'CONFLICT',
    status: 409,
    hint: 'An invitation for this email is already pending; revoke it first to send a new one.',
  },
  API_KEY_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The API key does not exist in this organization, or is already revoked.',
  },
  // Webhooks
  WEBHOOK_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The webhook does not exist in this organization; refresh the list.',
  },
  WEBHOOK_LIMIT_REACHED: {
    code: 'CONFLICT',
    status: 409,
    hint: 'Delete a webhook you no longer use before adding another.',
  },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'The delivery does not exist in this organization; refresh the deliveries.',
  },
  WEBHOOK_DELIVERY_NOT_REDELIVERABLE: {
    code: 'CONFLICT',
    status: 409,
    hint: 'Only a dead-lettered delivery can be redelivered; this one is queued or delivered already.',
  },
  // Transport and load
  VALIDATION_FAILED: {
    code: 'BAD_REQUEST',
    status: 400,
    hint: 'Fix the fields listed (error.data.issues on /trpc, errors in a problem) and send the request again.',
  },
  BAD_REQUEST: {
    code: 'BAD_REQUEST',
    status: 400,
    hint: 'Send a well-formed JSON request to an existing procedure.',
  },
  PROCEDURE_NOT_FOUND: {
    code: 'NOT_FOUND',
    status: 404,
    hint: 'Check the procedure name (tRPC) or the path (REST) against the API reference.',
  },
  METHOD_NOT_ALLOWED: {
    code: 'METHOD_NOT_SUPPORTED',
    status: 405,
    hint: 'Use the HTTP method the API reference names: GET for queries, POST for tRPC mutations.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    hint: 'Send the request body as JSON with "Content-Type: application/json".',
  },
  REQUEST_TIMEOUT: {
    code: 'TIMEOUT',
    status: 408,
    hint: 'The request did not arrive in time; send it again, whole.',
  },
  HEADERS_TOO_LARGE: {
    code: 'BAD_REQUEST',
    status: 431,
    hint: 'Send smaller headers and a shorter URL; large inputs belong in a POST body.',
  },
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', status: 413, hint: 'Send a smaller request body.' },
  RATE_LIMITED: {
    code: 'TOO_MANY_REQUESTS',
    status: 429,
    hint: 'Wait for the number of seconds in the Retry-After header, then retry.',
  },
  CONCURRENT_CHANGE: {
    code: 'CONFLICT',
    status: 409,
    hint: 'Another change to this organization was in progress; retry the request.',
  },
  INTERNAL: {
    code: 'INTERNAL_SERVER_ERROR',
    status: 500,
    hint: 'Something failed on the server; retry, and report the request id if it persists.',
  },
} as const satisfies Record<string, ErrorReasonSpec>;

export type ErrorReason = keyof typeof ERROR_REASONS;
export const ERROR_REASON_LIST = Object.keys(ERROR_REASONS) as ErrorReason[];

/** The HTTP status a reason answers with, on `/trpc` and `/v1` alike. */
export function errorStatus(reason: ErrorReason): ErrorStatus {
  return ERROR_REASONS[reason].status;
}

/** A reason's short title (RFC 9457 `title`): `AT_LEAST_ONE_OWNER_REQUIRED` -> "At least one owner required". */
export function errorTitle(reason: ErrorReason): string {
  return defaultMessage(reason);
}

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
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  TIMEOUT: 'REQUEST_TIMEOUT',
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
