import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The app is served by Tauri from ui/dist; no dev server is needed for `make run`.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // Vite's and vitest's caches next to the packages, never under src/ (the Makefile rebuilds the
  // UI when anything under src/ changes).
  cacheDir: 'node_modules/.vite',
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
  },
  // Tests mount components in happy-dom, so they need Svelte's browser build (not its server one).
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'happy-dom',
    // vitest empties CSS imports by default; the sources test reads app.css as written.
    css: { include: [/app\.css/] },
  },
});
