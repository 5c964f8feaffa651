// The README's configuration table is checked against the server's config schema, both ways: every
// variable the server reads is documented, every documented variable is read, and a documented
// default is the default the code applies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '@roster/server';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** `{ variable: defaultCell }` from the table under "## Configuration". */
function configurationTable(): Map<string, string> {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/.exec(line);
    if (cells?.[1]) rows.set(cells[1], cells[2]?.trim() ?? '');
  }
  return rows;
}

/** How a default value may be written in the table. */
function spellings(value: unknown): string[] {
  if (value === true) return ['`1`', '`true`'];
  if (value === false) return ['`0`', '`false`'];
  if (typeof value === 'number' || (typeof value === 'string' && value !== '')) return [`\`${value}\``];
  return [];
}

describe('README configuration table', () => {
  const table = configurationTable();

  it('lists every variable the server reads, and no other', () => {
    expect(table.size).toBeGreaterThan(10);
    expect([...table.keys()].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it.each([...CONFIG_VARIABLES])('gives the default the code applies for %s', (variable) => {
    const documented = table.get(variable) ?? '';
    const applied = loadConfig({})[variable];
    const accepted = spellings(applied);
    if (accepted.length === 0) {
      // No fixed default (unset, or decided at start, like WEB_DIST): the cell still says what happens.
      expect(documented, `${variable} needs a default cell`).not.toBe('');
    } else {
      expect(
        accepted.some((spelling) => documented.includes(spelling)),
        `README says ${variable} defaults to ${documented}; the code applies ${JSON.stringify(applied)}`,
      ).toBe(true);
    }
  });
});
