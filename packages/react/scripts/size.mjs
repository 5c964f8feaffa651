// Reports @roster/react's own size, minified and gzipped, without its peer dependencies (React,
// TanStack Query) and tRPC, which the product app already has. (size-limit 14 needs Node 22.)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'tsup';

const LIMIT = 4 * 1024;
const external = ['react', 'react/jsx-runtime', 'react-dom', /^@tanstack\//, /^@trpc\//, /^@roster\//];
const src = resolve(import.meta.dirname, '../src/index.ts');
const cases = [
  ['everything (import *)', `export * from ${JSON.stringify(src)};`],
  [
    'RosterProvider + useLeaveOrganization',
    `export { RosterProvider, useLeaveOrganization } from ${JSON.stringify(src)};`,
  ],
];

const dir = await mkdtemp(join(tmpdir(), 'roster-react-size-'));
let failed = false;
try {
  for (const [name, code] of cases) {
    const entry = join(dir, `${cases.findIndex((c) => c[0] === name)}.ts`);
    await writeFile(entry, code);
    await build({
      entry: [entry],
      outDir: join(dir, 'out'),
      format: ['esm'],
      platform: 'browser',
      target: 'es2022',
      minify: true,
      treeshake: true,
      external,
      config: false,
      silent: true,
      dts: false,
      sourcemap: false,
    });
    const js = await readFile(join(dir, 'out', entry.replace(/^.*\//, '').replace(/\.ts$/, '.js')));
    const gzipped = gzipSync(js, { level: 9 }).length;
    const over = gzipped > LIMIT;
    failed ||= over && name.startsWith('everything');
    console.log(
      `${name}: ${(gzipped / 1024).toFixed(2)} kB minified+gzipped (${(js.length / 1024).toFixed(2)} kB minified)${over ? ` — over ${LIMIT / 1024} kB` : ''}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
if (failed) process.exit(1);
