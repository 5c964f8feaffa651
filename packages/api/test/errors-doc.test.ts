import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_REASONS, errorDocsUrl } from '../src/errors';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]?.trim());

describe('docs/errors.md', () => {
  it.each(Object.entries(ERROR_REASONS))(
    'documents %s under its own heading, with its code and what to do',
    (reason, { code }) => {
      expect(headings).toContain(reason);
      // GitHub's anchor for "## AT_LEAST_ONE_OWNER_REQUIRED" is its lower-cased text, which errorDocsUrl links to.
      expect(errorDocsUrl(reason as keyof typeof ERROR_REASONS)).toBe(
        `docs/errors.md#${reason.toLowerCase()}`,
      );
      const section = doc.split(`## ${reason}\n`)[1]?.split(/^## /m)[0] ?? '';
      expect(section).toContain(`\`${code}\``);
      expect(section).toMatch(/\*\*What to do\*\*/);
    },
  );

  it('has no heading for a reason that does not exist', () => {
    expect(headings.filter((h) => !(h! in ERROR_REASONS))).toEqual([]);
  });
});
