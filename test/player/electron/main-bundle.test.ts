/**
 * The bundled main process (what electron-builder packs) run under plain Node with a recording
 * double of the 'electron' module, because Electron's binary cannot be fetched here. The player
 * core, its local HTTP server, the restart guard's history file, the autostart entry and
 * electron-updater's own code are all real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../../player/electron/build.ts';

type Event = { type: string } & Record<string, unknown>;

const fixture = fileURLToPath(new URL('./fixtures/fake-electron.cjs', import.meta.url));
let dir: string;
let bundleDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'electron-main-'));
  bundleDir = await buildElectron(join(dir, 'bundle'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function launch(name: string, prepare: (root: string) => void = () => {}) {
  const root = join(dir, name);
  for (const d of ['app/player/display/dist', 'resources', 'userData', 'home'])
    mkdirSync(join(root, d), { recursive: true });
  writeFileSync(
    join(root, 'app/player/display/dist/index.html'),
    '<!doctype html><title>iHanoi display</title>',
  );
  // Port 9 (discard) on loopback: nothing listens, so the core keeps retrying in the background.
  writeFileSync(
    join(root, 'resources/player-config.json'),
    JSON.stringify({ serverUrl: 'http://127.0.0.1:9' }),
  );
  const eventsFile = join(root, 'events.jsonl');
  writeFileSync(eventsFile, '');
  prepare(root);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: join(root, 'home'),
    FAKE_ELECTRON_EVENTS: eventsFile,
    FAKE_RESOURCES_PATH: join(root, 'resources'),
    FAKE_USER_DATA: join(root, 'userData'),
    FAKE_APP_PATH: join(root, 'app'),
  };
  const child: ChildProcess = spawn(process.execPath, ['--require', fixture, join(bundleDir, 'main.cjs')], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const events = (): Event[] =>
    readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Event);
  const waitFor = async (pred: (e: Event[]) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (pred(events())) return events();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `timed out waiting for ${what}; events: ${JSON.stringify(events().map((e) => e.type))}\n${output}`,
    );
  };
  const send = (command: string) => child.stdin!.write(`${command}\n`);
  return { root, child, exited, events, waitFor, send, output: () => output };
}

describe('dist-electron/main.cjs under a double of electron', () => {
  it('starts the core, hardens and shows the kiosk window, recovers a crash and quits cleanly', async () => {
    const run = launch('full');
    try {
      const ev = await run.waitFor((e) => e.some((x) => x.type === 'show'), 'the window to show');
      const types = ev.map((e) => e.type);
      expect(types[0]).toBe('single-instance-lock');
      // The session and webContents are hardened before the first page load.
      expect(types.indexOf('session')).toBeLessThan(types.indexOf('load-url'));
      expect(types.indexOf('window-open-handler')).toBeLessThan(types.indexOf('load-url'));
      expect(ev.find((e) => e.type === 'session')).toMatchObject({ partition: 'persist:kiosk' });
      expect(ev.find((e) => e.type === 'window')).toMatchObject({
        options: {
          kiosk: true,
          frame: false,
          webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false },
        },
      });
      expect(ev.find((e) => e.type === 'window-open-handler')).toMatchObject({ answer: { action: 'deny' } });
      expect(ev.find((e) => e.type === 'will-navigate-checked')).toMatchObject({ prevented: true });
      expect(ev.filter((e) => e.type === 'ipc-handle').map((e) => e.channel)).toEqual([
        'kiosk:get-info',
        'kiosk:report-display-event',
        'kiosk:request-restart',
      ]);
      expect(ev.find((e) => e.type === 'power-save-blocker')).toMatchObject({
        kind: 'prevent-display-sleep',
      });
      expect(ev.find((e) => e.type === 'insert-css')).toMatchObject({ options: { cssOrigin: 'user' } });

      // The window shows the core's own display server, which really serves the page.
      const url = String(ev.find((e) => e.type === 'load-url')!.url);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('iHanoi display');

      run.send('probe');
      const probe = (await run.waitFor((e) => e.some((x) => x.type === 'probe'), 'the IPC probe')).find(
        (e) => e.type === 'probe',
      )!;
      const [info, forbidden, reported] = probe.replies as Array<Record<string, unknown>>;
      expect(info).toMatchObject({
        ok: true,
        value: { version: '0.1.0', electron: '45.4.1', recentRestarts: 0 },
      });
      expect(forbidden).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
      expect(reported).toEqual({ ok: true, value: null });
      expect(probe.verdicts).toEqual([false, true, false]); // media denied, evil request cancelled, own origin allowed
      expect(String((probe.csp as string[])[0])).toContain(`connect-src 'self' ws://${new URL(url).host}`);

      // Start at login: the XDG entry in the (fake) home, pointing at the running binary.
      const entry = readFileSync(join(run.root, 'home/.config/autostart/ihanoi-player.desktop'), 'utf8');
      expect(entry).toContain(`Exec=${process.execPath}`);
      // No keychain in the double: credentials would go to a 0600 file; nothing paired yet.
      expect(existsSync(join(run.root, 'userData/credentials.enc'))).toBe(false);

      // A renderer crash reloads the page and is counted in userData.
      run.send('crash');
      await run.waitFor(
        (e) => e.filter((x) => x.type === 'load-url').length === 2,
        'the reload after a crash',
      );
      const history = JSON.parse(readFileSync(join(run.root, 'userData/restart-history.json'), 'utf8'));
      expect(history.restarts).toHaveLength(1);
      expect(statSync(join(run.root, 'userData/restart-history.json')).mode & 0o777).toBe(0o600);

      // Alt+F4 does not close the kiosk; a real quit stops the core and exits 0.
      run.send('close');
      expect(
        (await run.waitFor((e) => e.some((x) => x.type === 'close-attempt'), 'close')).find(
          (e) => e.type === 'close-attempt',
        ),
      ).toMatchObject({ prevented: true });
      run.send('quit');
      expect(await run.exited).toBe(0);
      const end = run.events().map((e) => e.type);
      expect(end).toContain('quit-deferred');
      expect(end).toContain('power-save-blocker-stop');
      await expect(fetch(url)).rejects.toThrow(); // the display server is closed
      expect(run.output()).toContain('automatic updates off: running from source');
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 30_000);

  it('refuses to start with a broken config and says which file to fix', async () => {
    const run = launch('bad-config', (root) =>
      writeFileSync(join(root, 'userData/config.json'), '{"serverUrl": "ftp://x"}'),
    );
    try {
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(/could not start: .*config\.json: serverUrl: .*http/);
      expect(run.events().some((e) => e.type === 'window')).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 30_000);
});
