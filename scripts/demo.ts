/**
 * `npm run demo`: the whole product on one machine in a minute, for someone who just cloned it.
 *
 * It starts the server on a clock set inside the 2024 campaign (fresh data in a temp dir,
 * playlists/ loaded), starts one headless player on the same clock, pairs it to a site the way
 * venue staff would (claiming the code it shows through the REST API), and prints the URLs of
 * the console and of the display page. Open the display page in Chromium: once it connects,
 * the demo moves the clock to a few seconds before the next play the real planner scheduled,
 * so the video plays within seconds instead of at its 2024 hour. Between plays it skips the
 * idle time the same way (--no-fast-forward keeps real time).
 *
 *   npm run demo -- [--port 8080] [--display-port 8081] [--clock 2024-09-05T07:55:00+07:00]
 *                   [--site mot-cua-phuong-bach-khoa] [--lead-s 20] [--no-fast-forward]
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { realClock, VirtualClock } from '#shared/clock.ts';
import { Plan, type PlanItem } from '#shared/schemas/protocol.ts';
import { formatDateTime } from '#shared/time.ts';
import { buildApp } from '#server/app.ts';
import { generatePassword } from '#server/auth/passwords.ts';
import { ConfigError, parseConfig } from '#server/config.ts';
import { openDatabase } from '#server/db/database.ts';
import { runStartup } from '#server/startup.ts';
import { FileCredentialStore, startPlayerCore } from '#player/core/index.ts';

const HELP = `npm run demo -- [options]
  --port <n>            console/API port (default 8080)
  --display-port <n>    display page port of the headless player (default 8081)
  --clock <iso>         where the demo clock starts (default 2024-09-05T07:55:00+07:00)
  --site <id>           site from playlists/ to pair the player to (default mot-cua-phuong-bach-khoa)
  --lead-s <n>          seconds before a planned play the clock is moved to (default 20)
  --no-fast-forward     keep real time between plays (the next play may be an hour away)
  --help`;

function die(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      'display-port': { type: 'string', default: '8081' },
      clock: { type: 'string', default: '2024-09-05T07:55:00+07:00' },
      site: { type: 'string', default: 'mot-cua-phuong-bach-khoa' },
      'lead-s': { type: 'string', default: '20' },
      'no-fast-forward': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (err) {
  die((err as Error).message);
}
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}
const displayPort = Number(opts['display-port']);
if (!Number.isInteger(displayPort) || displayPort < 0 || displayPort > 65535)
  die(`--display-port must be 0–65535, got ${opts['display-port']}`);
const leadMs = Number(opts['lead-s']) * 1000;
if (!Number.isFinite(leadMs) || leadMs < 3000) die('--lead-s must be at least 3');
const siteId = opts.site;

const dataRoot = mkdtempSync(join(tmpdir(), 'ihanoi-demo-'));
const adminPassword = generatePassword();
let config;
try {
  const parsed = parseConfig(
    [
      '--port',
      opts.port,
      '--data-dir',
      join(dataRoot, 'server'),
      '--clock',
      opts.clock,
      '--clock-rate',
      '1',
      '--admin-password',
      adminPassword,
      '--log-level',
      'warn',
    ],
    {},
  );
  if (parsed === 'help') throw new ConfigError(HELP);
  config = parsed;
} catch (err) {
  rmSync(dataRoot, { recursive: true, force: true });
  die((err as Error).message);
}

// One clock for server and player, as if both agreed on 2024 time; rate 1 = real speed.
const clock = new VirtualClock(Date.parse(config.clock!), 1);
const { db } = openDatabase(join(config.dataDir, 'signage.db'), clock);
const app = await buildApp({ config, db, clock });
await runStartup(app, (line) => console.log(`  ${line}`));
try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  console.error(
    `Không mở được cổng ${config.port} / Port ${config.port} is busy (${(err as Error).message}); try --port 8090.`,
  );
  await app.close();
  db.close();
  rmSync(dataRoot, { recursive: true, force: true });
  process.exit(1);
}
const serverUrl = `http://${config.host}:${config.port}`;
const site = app.repos.sites.get(siteId);
if (!site) die(`Không có điểm đặt / No site "${siteId}" in playlists/.`);
const zone = site.time_zone;

const playerDir = join(dataRoot, 'player');
const core = await startPlayerCore({
  serverUrl,
  dataDir: playerDir,
  clock,
  credentials: new FileCredentialStore(playerDir),
  displayPort,
  backoff: { baseMs: 500, capMs: 5000 },
  log: (level, msg) => {
    if (level === 'warn' || level === 'error') console.log(`  [player ${level}] ${msg}`);
  },
}).catch(async (err: unknown) => {
  const reason = err instanceof Error ? err.message : String(err);
  console.error(
    `Không mở được trang hiển thị trên cổng ${displayPort} / Could not serve the display page on port ${displayPort} (${reason}); try --display-port 8091.`,
  );
  await app.close();
  db.close();
  rmSync(dataRoot, { recursive: true, force: true });
  process.exit(1);
});

let closing = false;
async function shutdown(code = 0): Promise<void> {
  if (closing) return;
  closing = true;
  clearInterval(loop);
  await core.stop().catch(() => undefined);
  await app.close().catch(() => undefined);
  db.close();
  rmSync(dataRoot, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until<T>(
  what: string,
  get: () => T | null | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const end = realClock.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (realClock.now() > end) {
      console.error(`Demo: quá thời gian chờ / timed out waiting for ${what}.`);
      await shutdown(1);
    }
    await sleep(200);
  }
}

// Pair the way venue staff would: read the code the player shows, claim it in the API.
const code = await until('the pairing code', () => core.snapshot().pairingCode);
const login = await fetch(`${serverUrl}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: adminPassword }),
});
const token = ((await login.json()) as { token?: string }).token;
if (!token) {
  console.error(`Demo: could not log in as admin (${login.status}).`);
  await shutdown(1);
}
const claim = await fetch(`${serverUrl}/api/v1/pairing/claim`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ code, siteId, screenName: 'Màn hình demo / Demo screen' }),
});
const claimed = (await claim.json()) as { screenId?: string; detail?: string };
if (claim.status !== 201 || !claimed.screenId) {
  console.error(`Demo: pairing failed (${claim.status}): ${claimed.detail ?? JSON.stringify(claimed)}`);
  await shutdown(1);
}
await until('the player to take its credentials', () => core.snapshot().paired);
// Claiming the code makes the server plan the new screen at once.
await until('the plan', () => core.snapshot().planVersion > 0);
await until(
  'the video download',
  () => {
    const c = core.snapshot().cache;
    return c.total > 0 && c.done === c.total;
  },
  60_000,
);

function planItems(): PlanItem[] {
  const file = join(playerDir, 'plan.json');
  if (!existsSync(file)) return [];
  const parsed = Plan.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data.days.flatMap((d) => d.items).sort((a, b) => a.start - b.start) : [];
}

const todayCount = planItems().filter(
  (i) => formatDateTime(i.start, zone).slice(0, 10) === formatDateTime(clock.now(), zone).slice(0, 10),
).length;
console.log(`
================================================================================
  iHanoi demo — chạy thử (clock / đồng hồ: ${formatDateTime(clock.now(), zone)}, ${zone})

  Bảng điều khiển / Console:    ${serverUrl}/
     đăng nhập / log in:        admin  /  ${adminPassword}
  Tài liệu API / API docs:      ${serverUrl}/docs
  Màn hình / Display page:      ${core.displayUrl}
     open it in Chromium, e.g.  chromium --autoplay-policy=no-user-gesture-required --app=${core.displayUrl}

  Đã ghép nối màn hình với / Screen paired to: ${site.name}
  Lịch phát hôm nay / Plays planned today: ${todayCount}
  ${
    opts['no-fast-forward']
      ? 'Real time: the next play comes at its planned hour.'
      : `Khi trang hiển thị kết nối, đồng hồ nhảy tới ${leadMs / 1000} giây trước lượt phát kế tiếp.
  Once the display page connects, the clock jumps to ${leadMs / 1000} s before the next planned play.`
  }
  Ctrl+C để dừng / to stop (the demo data in ${dataRoot} is removed).
================================================================================
`);

let waitingSaid = false;
let lastAnnounced = '';
let lastCurrent: string | null = null;
const loop = setInterval(() => {
  const snap = core.snapshot();
  const now = clock.now();
  if (snap.current?.playId !== lastCurrent) {
    if (snap.current)
      console.log(`  ▶ ${formatDateTime(now, zone)}  đang phát / playing ${snap.current.itemId}`);
    else if (lastCurrent)
      console.log(
        `  ■ ${formatDateTime(now, zone)}  lượt phát kết thúc / play ended (recorded in the journal; see Báo cáo / Reports in the console)`,
      );
    lastCurrent = snap.current?.playId ?? null;
  }
  if (!snap.displayConnected) {
    if (!waitingSaid)
      console.log(`  … chờ trang hiển thị / waiting for the display page at ${core.displayUrl}`);
    waitingSaid = true;
    return;
  }
  waitingSaid = false;
  if (snap.current) return;
  const next = planItems().find((i) => i.start > now);
  if (!next) return;
  if (!opts['no-fast-forward'] && next.start - now > leadMs + 2000) {
    clock.set(next.start - leadMs);
  }
  if (lastAnnounced !== next.id) {
    lastAnnounced = next.id;
    const inS = Math.round((next.start - clock.now()) / 1000);
    console.log(`  ⏱ lượt phát kế tiếp / next play: ${formatDateTime(next.start, zone)} (${inS} s)`);
  }
}, 500);
