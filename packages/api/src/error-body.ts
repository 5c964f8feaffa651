import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import {
  ERROR_REASONS,
  type ErrorReason,
  type ErrorStatus,
  errorDocsUrl,
  errorStatus,
  errorTitle,
} from './errors';

/** What every refusal carries in `error.data` (tRPC) — and, renamed where RFC 9457 says so, in a problem. */
export interface RosterErrorData {
  /** The tRPC code of the reason (`CONFLICT`, `NOT_FOUND`, ...). */
  code: string;
  /** The reason's HTTP status: the one `/trpc` and `/v1` answer with. */
  httpStatus: ErrorStatus;
  path?: string;
  /** The stable reason to branch on. */
  reason: ErrorReason;
  /** One sentence telling the caller what to do. */
  hint: string;
  /** A link to the reason's entry in docs/errors.md. */
  docs: string;
  requestId: string | null;
  /** For VALIDATION_FAILED: which fields were wrong, and why. */
  issues?: Array<{ path: string; message: string; code: string }>;
  details?: Record<string, unknown>;
}

/** The error body of every refusal on `/trpc`, from tRPC or from the HTTP layer in front of it. */
export interface RosterErrorShape {
  message: string;
  /** The JSON-RPC number of the tRPC code (e.g. -32009 for CONFLICT). */
  code: number;
  data: RosterErrorData;
}

export interface RosterErrorInput {
  reason: ErrorReason;
  message: string;
  requestId: string | null;
  path?: string;
  issues?: RosterErrorData['issues'];
  details?: Record<string, unknown>;
}

/**
 * The one builder of a refusal's body. The tRPC error formatter uses it, and so does the HTTP layer for
 * what it refuses before tRPC sees a request (an oversized body, a malformed URL), so both look the same;
 * the REST surface turns it into a problem (`toProblem`). The reason decides the code and the status.
 */
export function rosterErrorShape(input: RosterErrorInput): RosterErrorShape {
  const { code } = ERROR_REASONS[input.reason];
  const data: RosterErrorData = {
    code,
    httpStatus: errorStatus(input.reason),
    ...(input.path ? { path: input.path } : {}),
    reason: input.reason,
    hint: ERROR_REASONS[input.reason].hint,
    docs: errorDocsUrl(input.reason),
    requestId: input.requestId,
  };
  if (input.issues) data.issues = input.issues;
  if (input.details) data.details = input.details;
  return { message: input.message, code: TRPC_ERROR_CODES_BY_KEY[code], data };
}

/**
 * Where a problem's `type` and `docs` point by default: docs/errors.md as the server itself serves it
 * (`GET /docs/errors.md`), so the URL resolves against any Roster server. A deployment that publishes the
 * docs elsewhere passes its own base.
 */
export const ERROR_DOCS_PATH = '/docs/errors.md';

/** An RFC 9457 problem (`application/problem+json`), with Roster's extension members. */
export interface RosterProblem {
  /** The reason's documentation URL. */
  type: string;
  title: string;
  status: ErrorStatus;
  detail: string;
  /** The request path that was refused. */
  instance: string;
  /** The stable reason to branch on. */
  code: ErrorReason;
  hint: string;
  docs: string;
  requestId: string | null;
  /** For VALIDATION_FAILED: each bad field (`path` dotted, e.g. `memberId`) and why. */
  errors?: Array<{ path: string; message: string }>;
  /** For RATE_LIMITED: seconds to wait (also in `Retry-After`). */
  retryAfter?: number;
  details?: Record<string, unknown>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The RFC 9457 form of a refusal's body, for the REST surface. */
export function toProblem(
  data: RosterErrorData,
  detail: string,
  instance: string,
  docsBase: string = ERROR_DOCS_PATH,
): RosterProblem {
  const docs = errorDocsUrl(data.reason, docsBase);
  const problem: RosterProblem = {
    type: docs,
    title: errorTitle(data.reason),
    status: data.httpStatus,
    detail,
    instance,
    code: data.reason,
    hint: data.hint,
    docs,
    requestId: data.requestId,
  };
  if (data.issues) problem.errors = data.issues.map(({ path, message }) => ({ path, message }));
  const retryAfter = data.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') problem.retryAfter = retryAfter;
  if (data.details) problem.details = data.details;
  return problem;
}
