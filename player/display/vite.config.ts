/**
 * The display page: one static bundle served by the player core (and loaded by Electron's
 * window or a kiosk-mode Chromium). `base: './'` keeps asset URLs relative, so the same
 * build works under any port the core picks.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Debian's Chromium and Electron 45 are both far newer; no legacy transforms needed.
    target: 'chrome110',
    sourcemap: true,
  },
});
