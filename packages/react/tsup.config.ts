import { defineConfig } from 'tsup';

// The JavaScript only: React, TanStack Query and tRPC stay external (the product app installs them
// once). Declarations come from `tsc -p tsconfig.build.json` (TypeScript 7 has no JS API for tsup's dts).
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  clean: true,
  dts: false,
  treeshake: true,
  external: ['react', 'react/jsx-runtime', /^@tanstack\//, /^@trpc\//, /^@roster\//],
});
