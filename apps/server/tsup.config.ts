import { defineConfig } from 'tsup';

// Bundles the server and the workspace packages it uses (they ship TypeScript source)
// into one ESM file; third-party dependencies stay external and load from node_modules.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  noExternal: [/^@roster\//],
});
