/**
 * Runs every bench in this folder that exports `run()`, one after the other, so figures do not
 * disturb each other. `npm run bench` runs them all; `npm run bench -- report plan` runs only
 * the named files; `--quick` runs each at a tenth of its size (each bench reads the flag). New
 * benches need no edit here: export `run()` from bench/<name>.ts.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchStarted, goalCount, goalTable, load } from './goals.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  .sort();

const quick = process.argv.includes('--quick');
const startLoad = load();
const t00 = performance.now();
let failed = 0;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run?: (o?: unknown) => Promise<unknown> };
  if (typeof mod.run !== 'function') continue;
  benchStarted();
  console.log(`\n=== bench/${f} (load average ${load()}) ===`);
  const t0 = performance.now();
  try {
    await mod.run();
    console.log(`=== bench/${f}: done in ${Math.round((performance.now() - t0) / 1000)} s ===`);
  } catch (err) {
    failed++;
    console.error(`=== bench/${f} failed: ${(err as Error).stack ?? String(err)} ===`);
  }
}
const { pass, miss } = goalCount();
if (pass + miss) {
  console.log(
    `\n=== goals${quick ? ' (--quick: a tenth of the size; time goals scaled to it, figures only indicative)' : ''}: ${pass} pass, ${miss} miss; ` +
      `${Math.round((performance.now() - t00) / 1000)} s in all; load average ${startLoad} at the start, ${load()} at the end ===\n`,
  );
  console.log(goalTable());
}
process.exit(failed ? 1 : 0);
