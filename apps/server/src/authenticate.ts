import { authenticateRequest, type Caller } from '@roster/api';
import type { Database } from '@roster/db';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';

/**
 * Maps a request to its caller. Swap it (the `authenticate` server option) to use your own identity
 * provider: return a user caller for a valid token of yours, or null for an anonymous request, or throw
 * a `RosterError` (e.g. UNAUTHENTICATED) to refuse. Routers only ever read `ctx.caller`.
 */
export type Authenticate = (request: FastifyRequest, db: Kysely<Database>) => Promise<Caller | null>;

/**
 * Roster's own identity: `Authorization: Bearer rst_...` API keys (checksum checked before any lookup),
 * else the `roster_session` cookie. See `authenticateRequest` in `@roster/api`.
 */
export const defaultAuthenticate: Authenticate = (request, db) =>
  authenticateRequest(request, db, {
    onBackgroundError: (error) => request.log.warn({ err: error }, 'recording an API key use failed'),
  });
