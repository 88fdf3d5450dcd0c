/**
 * `npm run bench [-- --only push,reconnect] [--screens N]`: runs every benchmark and prints its
 * figures. Each bench module exports `run({ screens?, log? })`.
 */
import { parseArgs } from 'node:util';

const BENCHES: Record<string, () => Promise<{ run: (o: { screens?: number; log?: (line: string) => void }) => Promise<unknown> }>> = {
  plan: () => import('./plan.ts'),
  report: () => import('./report.ts'),
  push: () => import('./push.ts'),
  reconnect: () => import('./reconnect.ts'),
  // @benches-end (add benches above this line)
};

const { values } = parseArgs({ options: { only: { type: 'string' }, screens: { type: 'string' } }, strict: true });
const only = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(BENCHES);
const screens = values.screens ? Number(values.screens) : undefined;
for (const name of only) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown bench "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  const mod = await load();
  await mod.run({ ...(screens ? { screens } : {}), log: (line) => console.log(line) });
}
process.exit(0);
