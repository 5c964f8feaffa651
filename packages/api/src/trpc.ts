import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from './context';
import { rosterErrorShape } from './error-body';
import { isZodLike, reasonOf, rosterErrorOf } from './errors';

export type { RosterErrorData } from './error-body';

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
    let message = shape.message;
    if (reason === 'INTERNAL') message = 'Internal server error';
    else if (reason === 'VALIDATION_FAILED') message = 'Invalid input';
    // `data.httpStatus` is the reason's status, and tRPC answers with it (a batch whose calls disagree
    // answers 207, each call's status in its `data.httpStatus`): 409 for the last owner, 410 while an
    // organization is scheduled for deletion, although tRPC's own codes have no 410.
    return rosterErrorShape({
      reason,
      message,
      requestId: ctx?.requestId ?? requestIdOf(error),
      path: shape.data.path,
      issues:
        reason === 'VALIDATION_FAILED' && isZodLike(error.cause)
          ? error.cause.issues.map((issue) => ({
              path: issue.path.map(String).join('.'),
              message: issue.message,
              code: issue.code,
            }))
          : undefined,
      details: rosterErrorOf(error)?.details,
    });
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const baseProcedure = t.procedure;
