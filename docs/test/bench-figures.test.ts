// The README's benchmark paragraph is generated from the committed results file; it must be current.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without declarations
import { benchFigures, END, README, RESULTS, START } from '../scripts/bench-figures.mjs';

describe('README benchmark figures', () => {
  it('are the ones bench/results/latest.json holds (run `node docs/scripts/bench-figures.mjs --write`)', () => {
    const readme = readFileSync(README, 'utf8');
    const block = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    expect(block).toBe(benchFigures(JSON.parse(readFileSync(RESULTS, 'utf8'))));
  });
});
