import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from './context';
import { type RosterErrorShape, rosterErrorShape } from './error-body';
import { type ErrorReason, isZodLike, reasonOf, rosterErrorOf } from './errors';

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

export type RestMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * A procedure's metadata. `openapi` puts it on the REST surface (`/v1`, see @roster/server's rest.ts):
 * the route, in `trpc-to-openapi`'s format, which generates the OpenAPI document from it and from the
 * procedure's input and output schemas. A procedure with `openapi` needs an `.output()` schema.
 */
export type RosterMeta = {
  openapi?: {
    method: RestMethod;
    /** The path under `/v1`, with the input's fields as `{parameters}`. */
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    /** False for a route that needs no caller. */
    protect?: boolean;
    successDescription?: string;
  };
  /**
   * The refusals this procedure can answer besides those every route can (credentials, bad input, rate
   * limits, transport): the OpenAPI document lists them per route, by status.
   */
  reasons?: readonly ErrorReason[];
  /** REST only: answer 204 without a body on success (e.g. a removal). */
  rest?: { successStatus?: 204 };
};

/**
 * The body of a refusal, from any error a procedure (or a context) threw: the reason, its status, hint,
 * docs link, request id, and for bad input the fields. `/trpc` answers it as `error`; `/v1` as a problem.
 */
export function formatRosterError(
  error: TRPCError,
  options: { requestId?: string | null; path?: string; message?: string } = {},
): RosterErrorShape {
  const reason = reasonOf(error);
  let message = options.message ?? error.message;
  if (reason === 'INTERNAL') message = 'Internal server error';
  else if (reason === 'VALIDATION_FAILED') message = 'Invalid input';
  return rosterErrorShape({
    reason,
    message,
    requestId: options.requestId ?? requestIdOf(error),
    path: options.path,
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
}

// initTRPC is called once, here. No transformer: plain JSON, so any HTTP client can call the API.
const t = initTRPC
  .context<Context>()
  .meta<RosterMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      // `data.httpStatus` is the reason's status, and tRPC answers with it (a batch whose calls disagree
      // answers 207, each call's status in its `data.httpStatus`): 409 for the last owner, 410 while an
      // organization is scheduled for deletion, although tRPC's own codes have no 410.
      return formatRosterError(error, {
        requestId: ctx?.requestId,
        path: shape.data.path,
        message: shape.message,
      });
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const baseProcedure = t.procedure;
