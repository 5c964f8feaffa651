import { defineConfig } from 'tsup';

export default defineConfig([
  // The process, `node dist/main.js`: the server and the workspace packages it uses (they ship TypeScript
  // source inside this repository) in one ESM file; third-party dependencies load from node_modules.
  {
    entry: { main: 'src/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    noExternal: [/^@roster\//],
    banner: { js: '#!/usr/bin/env node' },
  },
  // The library (`import { startServer } from '@roster/server'`), as published: @roster/api and
  // @roster/db stay external, so a product's own `RosterError` is the server's. Declarations come from
  // `tsc -p tsconfig.build.json`.
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
  },
]);
