import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from './context';
import { ERROR_REASONS, type ErrorReason, errorDocsUrl, isZodLike, reasonOf, rosterErrorOf } from './errors';

export interface RosterErrorData {
  code: string;
  httpStatus: number;
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

const REQUEST_ID = Symbol('roster.requestId');

/**
 * Marks an error thrown while a request's context is being built (a bad API key, a spent rate limit, a
 * foreign Origin) with the request's id. tRPC formats such an error without a context, so the id travels
 * on the error and the formatter still puts it into `error.data.requestId`: every error body carries
 * it. Anything but a TRPCError is wrapped as an internal error, as tRPC itself would.
 */
export function withRequestId(error: unknown, requestId: string): TRPCError {
  const trpcError =
    error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
  Object.defineProperty(trpcError, REQUEST_ID, { value: requestId, configurable: true });
  return trpcError;
}

function requestIdOf(error: TRPCError): string | null {
  const value = (error as TRPCError & { [REQUEST_ID]?: unknown })[REQUEST_ID];
  return typeof value === 'string' ? value : null;
}

// initTRPC is called once, here. No transformer: plain JSON, so any HTTP client can call the API.
const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const reason = reasonOf(error);
    const data: RosterErrorData = {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      ...(shape.data.path ? { path: shape.data.path } : {}),
      reason,
      hint: ERROR_REASONS[reason].hint,
      docs: errorDocsUrl(reason),
      requestId: ctx?.requestId ?? requestIdOf(error),
    };
    if (reason === 'VALIDATION_FAILED' && isZodLike(error.cause)) {
      data.issues = error.cause.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
        code: issue.code,
      }));
    }
    const details = rosterErrorOf(error)?.details;
    if (details) data.details = details;
    let message = shape.message;
    if (reason === 'INTERNAL') message = 'Internal server error';
    else if (reason === 'VALIDATION_FAILED') message = 'Invalid input';
    return { message, code: shape.code, data };
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const baseProcedure = t.procedure;
