import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { ApiKeyCaller, UserCaller } from '../context';
import { RosterError } from '../errors';
import { assertAccess, resolveOrganizationAccess } from '../procedures';
import { type AuditEntryRow, type AuditFilters, listAuditEntriesPage } from '../queries/audit';
import type { Db } from '../queries/db';
import { ACCESS_RULES } from '../rules';
import { id } from '../validation';

/** Who may read (and export) an organization's audit log: `auditLog.list`'s row of ACCESS_RULES, for the export too. */
export const auditLogReadRule = ACCESS_RULES['auditLog.list'];

const instant = z.iso.datetime({ offset: true, message: 'Expected an ISO 8601 date and time' });

/** The filters of `auditLog.list` and of the export; each one is served by an index. */
export const auditLogFilterShape = {
  /** One action, e.g. `member.removed`. */
  action: z
    .string()
    .trim()
    .max(64)
    .regex(/^[a-z_]+\.[a-z_]+$/, 'Expected an action such as member.removed')
    .optional(),
  /** Entries by this person. */
  actorUserId: id.optional(),
  /** Entries by this API key. */
  actorApiKeyId: id.optional(),
  /** Entries about this person. */
  targetUserId: id.optional(),
  /** From this instant on (inclusive). */
  from: instant.optional(),
  /** Before this instant (exclusive). */
  to: instant.optional(),
};

/** `from` must come before `to`. */
export function checkDateRange(
  input: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (input.from && input.to && Date.parse(input.from) >= Date.parse(input.to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must be later than `from`' });
  }
}

export function filtersOf(input: AuditFilters): AuditFilters {
  const { action, actorUserId, actorApiKeyId, targetUserId, from, to } = input;
  return { action, actorUserId, actorApiKeyId, targetUserId, from, to };
}

/** An audit row as `auditLog.list` answers it (and the export writes it). */
export function toAuditItem(row: AuditEntryRow) {
  return {
    id: row.id,
    action: row.action,
    actor: {
      type: row.actor_api_key_id ? ('apiKey' as const) : row.actor_user_id ? ('user' as const) : null,
      userId: row.actor_user_id,
      apiKeyId: row.actor_api_key_id,
      name: row.actor_name ?? row.actor_api_key_name ?? null,
      email: row.actor_email ?? null,
    },
    target: {
      userId: row.target_user_id,
      membershipId: row.target_membership_id,
      name: row.target_name ?? null,
      email: row.target_email ?? null,
    },
    metadata: row.metadata as Record<string, unknown>,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export type AuditItem = ReturnType<typeof toAuditItem>;

/** The export's formats: CSV (`text/csv`) or JSON Lines (`application/x-ndjson`). */
export const auditLogExportFormat = z.enum(['csv', 'jsonl']);

export const auditLogExportInput = z
  .strictObject({ organizationId: id, format: auditLogExportFormat, ...auditLogFilterShape })
  .superRefine(checkDateRange);
export type AuditLogExportInput = z.input<typeof auditLogExportInput>;

/** The CSV columns of an export, in order. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'createdAt',
  'action',
  'actorType',
  'actorUserId',
  'actorApiKeyId',
  'actorName',
  'actorEmail',
  'targetUserId',
  'targetMembershipId',
  'targetName',
  'targetEmail',
  'metadata',
] as const;

function csvRecord(item: AuditItem): string[] {
  return [
    item.id,
    item.createdAt,
    item.action,
    item.actor.type ?? '',
    item.actor.userId ?? '',
    item.actor.apiKeyId ?? '',
    item.actor.name ?? '',
    item.actor.email ?? '',
    item.target.userId ?? '',
    item.target.membershipId ?? '',
    item.target.name ?? '',
    item.target.email ?? '',
    JSON.stringify(item.metadata),
  ];
}

/** Rows read per statement while exporting: memory holds one batch, whatever the log's size. */
export const EXPORT_BATCH_SIZE = 500;

/**
 * Rows per chunk handed to the response: a batch goes out in pieces of this many rows, so each piece's
 * text (tens of KiB) stays below V8's large-object size (128 KiB) and can die young in a scavenge, where a
 * whole batch as one string (about 230 KiB of JSON Lines) is a large object that only a full GC frees.
 * Live memory is one batch either way (the bench's export section measures it after forced GCs); the
 * peak RSS, which counts uncollected garbage, varies more from run to run than this changes it.
 */
export const EXPORT_CHUNK_ROWS = 100;

/**
 * The export's text, chunk by chunk: the filtered log newest first, read in keyset batches of
 * `EXPORT_BATCH_SIZE` (the same statement as `auditLog.list`), each batch turned into CSV records
 * (RFC 4180, with a header; cells that a spreadsheet would run as a formula, starting with `=`, `+`,
 * `-`, `@`, tab or carriage return, are prefixed with `'`) or JSON Lines (one `auditLog.list` item per
 * line), `EXPORT_CHUNK_ROWS` rows per chunk. Nothing but the current batch is held: pipe it to the
 * response as it comes, pulling the next chunk only when the response has taken the last.
 */
export async function* auditLogExportChunks(
  db: Db,
  organizationId: string,
  format: 'csv' | 'jsonl',
  filters: AuditFilters,
): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...AUDIT_CSV_COLUMNS]]);
  let after: { at: string; id: string } | null = null;
  for (;;) {
    const rows = await listAuditEntriesPage(db, { organizationId, after, limit: EXPORT_BATCH_SIZE, filters });
    const batch = rows.slice(0, EXPORT_BATCH_SIZE);
    for (let start = 0; start < batch.length; start += EXPORT_CHUNK_ROWS) {
      const items = batch.slice(start, start + EXPORT_CHUNK_ROWS).map(toAuditItem);
      yield format === 'csv'
        ? stringify(items.map(csvRecord), { escape_formulas: true })
        : `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;
    }
    const last = batch.at(-1);
    if (rows.length <= EXPORT_BATCH_SIZE || !last) return;
    after = { at: last.keyset_at, id: last.id };
  }
}

/**
 * An export of an organization's audit log, authorized like `auditLog.list` (the same organization
 * access and the same rule, `auditLogReadRule`) and with the same filters: validates the input, checks
 * the caller, and returns what an HTTP route needs. Throws RosterError (VALIDATION_FAILED,
 * ORGANIZATION_NOT_FOUND, INSUFFICIENT_ROLE, INSUFFICIENT_SCOPE, UNAUTHENTICATED) before anything is read.
 */
export async function prepareAuditLogExport(
  db: Db,
  caller: UserCaller | ApiKeyCaller | null,
  rawInput: unknown,
) {
  const parsed = auditLogExportInput.safeParse(rawInput);
  if (!parsed.success) {
    throw new RosterError('VALIDATION_FAILED', 'Invalid input', {
      cause: parsed.error,
      details: {
        issues: parsed.error.issues.map((issue) => ({
          path: issue.path.map(String).join('.'),
          message: issue.message,
          code: issue.code,
        })),
      },
    });
  }
  const input = parsed.data;
  if (!caller) throw new RosterError('UNAUTHENTICATED');
  const access = await resolveOrganizationAccess(db, caller, input.organizationId);
  assertAccess({ caller, ...access }, auditLogReadRule);
  const day = new Date().toISOString().slice(0, 10);
  return {
    format: input.format,
    contentType: input.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    filename: `audit-log-${access.organization.slug}-${day}.${input.format === 'csv' ? 'csv' : 'jsonl'}`,
    chunks: auditLogExportChunks(db, input.organizationId, input.format, filtersOf(input)),
  };
}
