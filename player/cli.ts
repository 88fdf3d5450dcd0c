/**
 * The headless player: the same core as the Electron app, under plain Node. It serves the
 * display page on 127.0.0.1 for a Chromium in kiosk mode to open.
 *
 *   npm run player -- --server http://127.0.0.1:8080 [--data-dir player-data] [--port 0]
 *                     [--provision provision.json] [--name "Màn hình sảnh"]
 *                     [--clock 2024-09-05T07:55:00+07:00 --clock-rate 60]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { realClock, VirtualClock, type Clock } from '#shared/clock.ts';
import { ProvisioningFile } from '#shared/schemas/protocol.ts';
import { FileCredentialStore, startPlayerCore } from './core/index.ts';

const HELP = `iHanoi headless player — trình phát không giao diện

Usage: npm run player -- --server <url> [options]
  --server <url>        server address, e.g. http://127.0.0.1:8080 (or taken from --provision)
  --data-dir <dir>      where the plan, journal and media cache live (default: player-data)
  --port <n>            local port for the display page (default: 0 = any free port)
  --provision <file>    enrol with a provisioning file instead of a pairing code
  --name <name>         screen name to suggest when enrolling
  --clock <iso>         start the player's clock at this instant (tests, demos)
  --clock-rate <n>      speed of --clock (default 1)
  --tick-ms <n>         how often the plan is re-evaluated (default 250)
  --backoff-ms <n>      first reconnect delay ceiling (default 1000)
  --help`;

function fail(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        server: { type: 'string' },
        'data-dir': { type: 'string', default: 'player-data' },
        port: { type: 'string', default: '0' },
        provision: { type: 'string' },
        name: { type: 'string' },
        clock: { type: 'string' },
        'clock-rate': { type: 'string', default: '1' },
        'tick-ms': { type: 'string', default: '250' },
        'backoff-ms': { type: 'string', default: '1000' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  let provisioning;
  if (values.provision) {
    const parsed = ProvisioningFile.safeParse(JSON.parse(readFileSync(values.provision, 'utf8')));
    if (!parsed.success)
      fail(
        `Tệp cài đặt không hợp lệ / Invalid provisioning file ${values.provision}: ${parsed.error.issues[0]?.message}`,
      );
    provisioning = parsed.data;
  }
  const serverUrl = values.server ?? provisioning?.serverUrl;
  if (!serverUrl || !/^https?:\/\//.test(serverUrl))
    fail('Thiếu --server / --server is required (e.g. http://127.0.0.1:8080)');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0–65535, got ${values.port}`);
  let clock: Clock = realClock;
  if (values.clock) {
    const at = Date.parse(values.clock);
    if (Number.isNaN(at) || !/[zZ]|[+-]\d{2}:\d{2}$/.test(values.clock))
      fail('--clock expects an ISO instant with an offset, e.g. 2024-09-05T07:55:00+07:00');
    clock = new VirtualClock(at, Number(values['clock-rate']));
  }
  const dataDir = resolve(values['data-dir']);
  const backoffMs = Number(values['backoff-ms']);
  const core = await startPlayerCore({
    serverUrl,
    dataDir,
    clock,
    credentials: new FileCredentialStore(dataDir),
    displayPort: port,
    ...(provisioning ? { provisioning } : {}),
    ...(values.name ? { screenName: values.name } : {}),
    tickMs: Number(values['tick-ms']),
    backoff: { baseMs: backoffMs, capMs: Math.max(backoffMs, 60_000) },
  });
  console.log(
    JSON.stringify({ level: 'info', msg: 'display page ready', displayUrl: core.displayUrl, dataDir }),
  );
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    core.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
