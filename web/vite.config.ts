import { defineConfig } from 'vite';

/**
 * The storefront build: plain Vite with Preact's automatic JSX runtime (no framework plugin needed).
 * `vite build` writes dist/, which the gateway serves at / (WEB_ROOT); `vite` (the dev server) sends
 * /api to a gateway on :8080 (`npm start`), so the page and the API share an origin as in production.
 */
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Every browser that runs ES modules here also supports modulepreload; the polyfill is dead weight.
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
