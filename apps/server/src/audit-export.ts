import { Readable } from 'node:stream';
import { prepareAuditLogExport, RosterError, reasonOf } from '@roster/api';
import { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { createRequestContext, type RequestContextOptions } from './request-context';
import { sendRefusal } from './transport-errors';

/** The route of the audit log export (an explicit route beside any REST adapter under /v1). */
export const AUDIT_EXPORT_ROUTE = '/v1/organizations/:organizationId/audit-log/export';

/**
 * `GET /v1/organizations/:organizationId/audit-log/export?format=csv|jsonl&action=&actorUserId=&
 * actorApiKeyId=&targetUserId=&from=&to=`: the filtered audit log as a download, streamed batch by batch.
 * The caller is identified, rate-limited and Origin-checked by the same request context as `/trpc`
 * (counted as `auditLog.export`), and authorized by `prepareAuditLogExport` with `auditLog.list`'s rule.
 * A refusal answers before the first byte as an RFC 9457 problem (`application/problem+json`, the reason
 * as `code`) with the reason's status, like every refusal under `/v1`.
 */
export function registerAuditLogExport(app: FastifyInstance, contextOptions: RequestContextOptions): void {
  app.get<{ Params: { organizationId: string }; Querystring: Record<string, string> }>(
    AUDIT_EXPORT_ROUTE,
    async (request, reply) => {
      let prepared: Awaited<ReturnType<typeof prepareAuditLogExport>>;
      try {
        const ctx = await createRequestContext(contextOptions, request, reply, ['auditLog.export']);
        prepared = await prepareAuditLogExport(ctx.db, ctx.caller, {
          ...request.query,
          organizationId: request.params.organizationId,
        });
      } catch (error) {
        // Anything but a tRPC error (a failed query) is an internal error, as tRPC would answer it.
        const trpcError =
          error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
        const reason = reasonOf(trpcError);
        if (reason === 'INTERNAL') request.log.error({ err: error }, 'audit log export failed');
        const { issues, ...details } = (error instanceof RosterError ? error.details : undefined) ?? {};
        return sendRefusal(request, reply, {
          reason,
          message: reason === 'INTERNAL' ? 'Internal server error' : trpcError.message,
          ...(Array.isArray(issues) ? { issues } : {}),
          ...(Object.keys(details).length > 0 ? { details } : {}),
        });
      }
      // One chunk of read-ahead (Readable.from's default is 16): the next rows are read from the database
      // only once the socket has taken the previous ones (pipe waits for 'drain').
      const body = Readable.from(prepared.chunks, { highWaterMark: 1 });
      return reply
        .header('content-type', prepared.contentType)
        .header('content-disposition', `attachment; filename="${prepared.filename}"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
}
