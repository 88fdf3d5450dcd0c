/**
 * Bundles the Electron main process and preload into dist-electron/ (npm run build:electron).
 * Electron loads plain JavaScript, and the sandboxed preload can only require('electron'), so
 * both are single CommonJS files with the player core, shared/ and zod inside. Native modules
 * and Electron itself stay external.
 */
import { build, type BuildOptions } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

const common: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Electron 45 ships Node 22 and Chromium 142.
  target: ['node22', 'chrome142'],
  legalComments: 'none',
};

/** Builds into `outdir` (default dist-electron/ at the project root, where package.json "main" points). */
export async function buildElectron(outdir = `${root}dist-electron`): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { main: 'player/electron/main.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    external: ['electron', 'better-sqlite3'],
    // The core finds files next to itself through import.meta.url, which CommonJS lacks.
    banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__import_meta_url' },
  });
  await build({
    ...common,
    entryPoints: { preload: 'player/electron/preload.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    // A sandboxed preload has no Node: browser platform keeps node: builtins out of the bundle.
    platform: 'browser',
    external: ['electron'],
  });
  return outdir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildElectron().then(
    (outdir) => console.log(`built ${outdir}/main.cjs and ${outdir}/preload.cjs`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
