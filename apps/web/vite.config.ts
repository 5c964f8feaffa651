import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // `pnpm --filter @roster/web dev`: Vite on :5173 with hot reload, the API proxied to the server
  // (`pnpm dev`, or ROSTER_API_URL). The proxy keeps the Host header, so the server's Origin check
  // sees a same-origin request.
  server: {
    proxy: {
      '/trpc': { target: process.env.ROSTER_API_URL ?? 'http://localhost:3000', changeOrigin: false },
      '/v1': { target: process.env.ROSTER_API_URL ?? 'http://localhost:3000', changeOrigin: false },
    },
  },
  // One bundle of ~160 kB gzipped (React, the router, react-query, i18next): no need to split it.
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 800 },
});
