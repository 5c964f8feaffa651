import { withReason } from '../cache';
import type { RosterInfiniteQueryResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

/**
 * An action Roster writes to the audit log. `AuditEntry.action` stays a string: a log may hold actions
 * this version does not know (written by a newer server, or before a rename).
 */
export type { AuditAction } from '@roster/api';

/** One audit entry as `auditLog.list` answers it. */
export type AuditEntry = RouterOutputs['auditLog']['list']['items'][number];
/** `auditLog.list`'s input without the cursor: the organization, the page size and the filters. */
export type AuditLogInput = Omit<RouterInputs['auditLog']['list'], 'cursor'>;
/** The filters an audit log export takes (the list's, without paging). */
export type AuditLogFilters = Omit<AuditLogInput, 'organizationId' | 'limit' | 'direction'>;

export type AuditLogResult = RosterInfiniteQueryResult<RouterOutputs['auditLog']['list']> & {
  entries: AuditEntry[];
};

/**
 * An organization's audit log, newest first, page by page (owners, admins, viewers), optionally filtered
 * (`action`, `actorUserId`, `actorApiKeyId`, `targetUserId`, `from`, `to`): `entries` is every loaded
 * page flattened; `fetchNextPage()` loads more while `hasNextPage`.
 */
export function useAuditLog(input: AuditLogInput): AuditLogResult {
  const query = trpc.auditLog.list.useInfiniteQuery(input, {
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  return Object.assign(withReason(query), {
    entries: query.data?.pages.flatMap((page) => page.items) ?? [],
  });
}

/**
 * The path of the audit log export (`GET /v1/organizations/:id/audit-log/export`) for these filters, as
 * CSV or JSON Lines; prefix it with the server's URL. A link to it downloads the file with the session
 * cookie; a server sends `Authorization: Bearer` with a key that has `audit:read`.
 */
export function auditLogExportPath(
  organizationId: string,
  format: 'csv' | 'jsonl',
  filters: AuditLogFilters = {},
): string {
  const params = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(filters)) {
    if (typeof value === 'string' && value) params.set(key, value);
  }
  return `/v1/organizations/${encodeURIComponent(organizationId)}/audit-log/export?${params}`;
}
