import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_REASON_LIST, ERROR_REASONS, errorDocsUrl } from '../src/errors';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]?.trim());

// The table at the top: | [`REASON`](#reason) | 409 | `CONFLICT` |
const statusTable = new Map(
  [...doc.matchAll(/^\| \[`([A-Z_]+)`\]\(#([a-z_]+)\) \| (\d{3}) \| `([A-Z_]+)` \|$/gm)].map((m) => [
    m[1],
    { status: Number(m[3]), code: m[4] },
  ]),
);

describe('docs/errors.md', () => {
  it.each(Object.entries(ERROR_REASONS))(
    'documents %s under its own heading, with its code, its HTTP status and what to do',
    (reason, { code, status }) => {
      expect(headings).toContain(reason);
      // GitHub's anchor for "## AT_LEAST_ONE_OWNER_REQUIRED" is its lower-cased text, which errorDocsUrl links to.
      expect(errorDocsUrl(reason as keyof typeof ERROR_REASONS)).toBe(
        `docs/errors.md#${reason.toLowerCase()}`,
      );
      const section = doc.split(`## ${reason}\n`)[1]?.split(/^## /m)[0] ?? '';
      expect(section).toContain(`- **tRPC code / HTTP**: \`${code}\` / ${status}`);
      expect(statusTable.get(reason)).toEqual({ status, code });
      expect(section).toMatch(/\*\*What to do\*\*/);
    },
  );

  it('has no heading, and no row in the status table, for a reason that does not exist', () => {
    expect(headings.filter((h) => !(h! in ERROR_REASONS))).toEqual([]);
    expect([...statusTable.keys()].filter((r) => !(String(r) in ERROR_REASONS))).toEqual([]);
    // Each row's anchor is its reason's.
    for (const m of doc.matchAll(/^\| \[`([A-Z_]+)`\]\(#([a-z_]+)\)/gm))
      expect(m[2]).toBe(m[1]?.toLowerCase());
  });

  it('never answers 412, and gives the membership rules 409 and 410', () => {
    expect(Object.values(ERROR_REASONS).map((r) => r.status)).not.toContain(412);
    expect(ERROR_REASONS.AT_LEAST_ONE_OWNER_REQUIRED.status).toBe(409);
    expect(ERROR_REASONS.ORGANIZATION_DELETION_SCHEDULED.status).toBe(410);
  });

  // Found by review: SESSION_EXPIRED was documented (and in the union) but never sent. A reason a
  // caller can never receive is a false promise: every reason must be named, quoted, by the code that
  // raises it (a RosterError, a rule's verdict, the transport's error mapping) in the API or the server.
  it('documents only reasons the code can answer: each is raised somewhere in the API or the server', () => {
    const sources = [sourceText('packages/api/src'), sourceText('apps/server/src')].join('\n');
    const withoutTheTable = sources.replace(/export const ERROR_REASONS = \{[\s\S]*?\n\} as const/, '');
    const unreachable = ERROR_REASON_LIST.filter(
      (reason) => !withoutTheTable.includes(`'${reason}'`) && !withoutTheTable.includes(`"${reason}"`),
    );
    expect(unreachable).toEqual([]);
  });
});

/** The TypeScript sources under a folder of the repository, concatenated. */
function sourceText(folder: string): string {
  const root = fileURLToPath(new URL(`../../../${folder}`, import.meta.url));
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}
