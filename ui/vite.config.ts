import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime (no preset plugin).
// The server embeds dist/ and serves it under a strict CSP, so the build
// must not produce inline scripts or styles, nor data: URLs for assets.
export default defineConfig({
  esbuild: {
    jsx: 'automatic',
    jsxImportSource: 'preact',
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2020',
    emptyOutDir: true,
  },
  server: {
    // `npx vite` during development: forward the API to a running `ihala serve`.
    proxy: { '/api': process.env.IHALA_API ?? 'http://127.0.0.1:8080' },
  },
});
