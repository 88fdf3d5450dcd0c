/**
 * `npm run simulate [-- --screens N] [--seed S] [--csv FILE] [--from YYYY-MM-DD] [--until YYYY-MM-DD]`: the whole
 * iHanoi campaign (17/08–10/10/2024) on a virtual clock, over every screen in playlists/ (each a
 * real player core over the WebSocket) or N generated ones (lightweight unless --real-cores),
 * with injected faults. See server/simulate/engine.ts for what it exercises.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { formatSummary, parseFaults, simulate } from './engine.ts';

const { values } = parseArgs({
  options: {
    screens: { type: 'string' },
    players: { type: 'string' },
    'real-cores': { type: 'boolean' },
    lightweight: { type: 'boolean' },
    seed: { type: 'string' },
    csv: { type: 'string' },
    until: { type: 'string' },
    from: { type: 'string' },
    'outage-rate': { type: 'string' },
    'playlists-dir': { type: 'string' },
    'keep-data': { type: 'boolean' },
    faults: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`npm run simulate -- [--screens N] [--real-cores | --lightweight] [--players N] [--seed S] [--csv FILE] [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--outage-rate 0.03] [--playlists-dir DIR] [--keep-data]

  Mặc định mỗi màn hình trong playlists/ chạy một player core thật qua WebSocket.
  By default every screen in playlists/ runs a real player core over the real /ws/player
  WebSocket (plan -> WebSocket -> player core -> journal -> upload -> ingest).
  --screens N     N generated screens instead; these are LIGHTWEIGHT by default: they play
                  their stored plans and upload hash-chained records straight to the gateway's
                  ingest function, skipping the WebSocket hop (fast for thousands of screens).
  --real-cores    run generated screens through real player cores too (slower).
  --lightweight   run the playlist's screens on the lightweight path.
  --players N     add N screens that enrol with a provisioning file (real cores).
  --csv FILE      one line per screen-day.
  --faults FILE   a JSON list of faults at chosen times, instead of the built-in ones:
                  {"kind":"outage","screen":ID,"from":ISO,"to":ISO}, {"kind":"raise"|"lower",
                  "site":ID,"at":ISO,"perDay":N}, {"kind":"restart","down":ISO,"up":ISO},
                  {"kind":"clock_offset","screen":ID,"at":ISO,"offsetMs":N},
                  {"kind":"killed_mid_upload","screen":ID,"at":ISO},
                  {"kind":"restart_mid_upload","screen":ID,"at":ISO,"downMs"?:N}
                  (the server stops between a batch's commit and its ack, back
                  downMs later, default 0)
                  (examples in simulate/faults/, format in the README).
  --from YYYY-MM-DD  start on a later day (the fleet is paired at its midnight).`);
  process.exit(0);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} expects a non-negative number, got "${v}"`);
    process.exit(2);
  }
  return n;
}

const summary = await simulate({
  playlistsDir: values['playlists-dir']
    ? resolve(values['playlists-dir'])
    : fileURLToPath(new URL('../../playlists/', import.meta.url)),
  ...(values.screens ? { screens: num('screens', values.screens)! } : {}),
  ...(values.seed ? { seed: num('seed', values.seed)! } : {}),
  players: num('players', values.players) ?? 0,
  ...(values['real-cores'] ? { cores: true } : values.lightweight ? { cores: false } : {}),
  ...(values['outage-rate'] ? { outageRate: num('outage-rate', values['outage-rate'])! } : {}),
  ...(values.csv ? { csv: resolve(values.csv) } : {}),
  ...(values.until ? { until: values.until } : {}),
  ...(values.from ? { from: values.from } : {}),
  keepData: values['keep-data'] ?? false,
  ...(values.faults
    ? { faults: parseFaults(JSON.parse(readFileSync(resolve(values.faults), 'utf8')) as unknown) }
    : {}),
});
for (const line of formatSummary(summary)) console.log(line);
if (values.csv) console.log(`  CSV: ${resolve(values.csv)}`);
if (values['keep-data']) console.log(`  Dữ liệu / data kept in ${summary.dataDir}`);
const o = summary.overall;
const failed =
  summary.chainBroken > 0 ||
  summary.duplicatePlays > 0 ||
  summary.ackedAfterServerRestart !== summary.serverRestartsMidUpload ||
  o.outsideHours > 0 ||
  o.outsideWindow > 0 ||
  o.onlineOnTarget !== o.onlineScreenDays ||
  o.unexpectedDeficitScreens > 0 ||
  o.peakPlays < o.peakShareRequired * o.plays ||
  summary.checks.overlaps > 0 ||
  summary.checks.crossCampaignGapViolations > 0 ||
  summary.checks.outsideHours > 0 ||
  summary.campaigns.some((c) => c.cleanOnTarget !== c.cleanDays);
process.exit(failed ? 1 : 0);
