import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VirtualClock } from '#shared/clock.ts';
import { hashToken } from '#server/auth/passwords.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';
import {
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  startTestCore,
  stopServerAndRemoveDirs,
  T0,
  waitFor,
  type RestartableServer,
} from './fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

let server: RestartableServer;
let core: PlayerCore | null = null;
let playerDir: string;

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
  seedSite(server.db!, 'ubnd-bach-khoa');
  seedSite(server.db!, 'ubnd-bach-mai');
});

afterEach(async () => {
  await core?.stop();
  core = null;
  await stopServerAndRemoveDirs(server, playerDir);
});

function startCore(): Promise<PlayerCore> {
  return startTestCore(server.url, playerDir);
}

async function claim(token: string, body: object) {
  const res = await fetch(`${server.url}/api/v1/pairing/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('pairing', () => {
  it('shows an unambiguous 6-character code, and staff claiming it hands the player a hashed credential', async () => {
    core = await startCore();
    const code = await waitFor('pairing code', () => core!.snapshot().pairingCode);
    expect(code).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/);
    const row = server
      .db!.prepare('SELECT secret_hash, expires_at_ms FROM pairing_codes WHERE code = ?')
      .get(code) as { secret_hash: string; expires_at_ms: number };
    expect(row.expires_at_ms - T0).toBe(15 * 60_000);
    const saved = JSON.parse(readFileSync(join(playerDir, 'pairing.json'), 'utf8')) as { secret: string };
    expect(row.secret_hash).toBe(hashToken(saved.secret));
    expect(row.secret_hash).not.toContain(saved.secret);

    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    // Staff of one site cannot attach a screen to another.
    const foreign = await claim(staff.token, { code, siteId: 'ubnd-bach-mai', screenName: 'Sảnh' });
    expect(foreign.status).toBe(403);
    // Codes are accepted as typed: lower case and with a dash.
    const typed = `${code.slice(0, 3).toLowerCase()}-${code.slice(3)}`;
    const ok = await claim(staff.token, {
      code: typed,
      siteId: 'ubnd-bach-khoa',
      screenName: 'Sảnh một cửa',
    });
    expect(ok.status).toBe(201);
    const screenId = ok.body.screenId as string;

    await waitFor('paired and connected', () => core!.snapshot().connected);
    const creds = JSON.parse(readFileSync(join(playerDir, 'credentials.json'), 'utf8')) as {
      screenId: string;
      token: string;
    };
    expect(creds.screenId).toBe(screenId);
    expect(Buffer.from(creds.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const screen = server
      .db!.prepare('SELECT token_hash, status, site_id, name FROM screens WHERE id = ?')
      .get(screenId) as Record<string, string>;
    expect(screen).toMatchObject({
      token_hash: hashToken(creds.token),
      status: 'online',
      site_id: 'ubnd-bach-khoa',
      name: 'Sảnh một cửa',
    });

    // A code is good once.
    const again = await claim(staff.token, { code, siteId: 'ubnd-bach-khoa', screenName: 'Khác' });
    expect(again.status).toBe(422);
  });

  it('a code claimed under the name of a screen that has no player yet attaches to that screen', async () => {
    // Screens defined in playlist files exist before any PC does, with their plans.
    server
      .db!.prepare(
        `INSERT INTO screens (id, site_id, name, status, created_at_ms) VALUES ('ubnd-bach-khoa/1', 'ubnd-bach-khoa', 'Sảnh chính', 'unpaired', ?)`,
      )
      .run(T0);
    core = await startCore();
    const code = await waitFor('pairing code', () => core!.snapshot().pairingCode);
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    const res = await claim(staff.token, { code, siteId: 'ubnd-bach-khoa', screenName: 'Sảnh chính' });
    expect(res).toMatchObject({ status: 201, body: { screenId: 'ubnd-bach-khoa/1', existing: true } });
    await waitFor('connected', () => core!.snapshot().connected);
    expect(core.snapshot().screenId).toBe('ubnd-bach-khoa/1');

    // Now it has a player: another code cannot take it over without a revoke first.
    const otherDir = mkdtempSync(join(tmpdir(), 'ihanoi-player2-'));
    const other = await startPlayerCore({
      serverUrl: server.url,
      dataDir: otherDir,
      clock: new VirtualClock(T0),
      credentials: new FileCredentialStore(otherDir),
      log: () => {},
      tickMs: 50,
    });
    const code2 = await waitFor('second code', () => other.snapshot().pairingCode);
    const taken = await claim(staff.token, {
      code: code2,
      siteId: 'ubnd-bach-khoa',
      screenName: 'Sảnh chính',
    });
    await other.stop();
    rmSync(otherDir, { recursive: true, force: true });
    expect(taken.status).toBe(409);
  });

  it('rate-limits wrong codes per user', async () => {
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await claim(staff.token, { code: 'ZZZZZZ', siteId: 'ubnd-bach-khoa', screenName: `s${i}` })).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 422)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('refuses codes with ambiguous characters before looking them up', async () => {
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    const res = await claim(staff.token, { code: 'AB01OL', siteId: 'ubnd-bach-khoa', screenName: 'x' });
    expect(res.status).toBe(400);
  });

  it('a player claimed while disconnected collects its credential when it resumes with its secret', async () => {
    core = await startCore();
    const code = await waitFor('pairing code', () => core!.snapshot().pairingCode);
    await core.stop();
    core = null;
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    expect((await claim(staff.token, { code, siteId: 'ubnd-bach-khoa', screenName: 'Quầy 2' })).status).toBe(
      201,
    );
    core = await startCore();
    await waitFor('paired after resume', () => core!.snapshot().connected);
    expect(core.snapshot().pairingCode).toBeNull();
  });

  it('a provisioning file enrols players without a code, as many times as it allows', async () => {
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    const res = await fetch(`${server.url}/api/v1/screens/provision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId: 'ubnd-bach-khoa', count: 1, namePrefix: 'Màn hình tầng 1' }),
    });
    expect(res.status).toBe(201);
    const file = (await res.json()) as { enrolmentToken: string; serverUrl: string; kind: string };
    expect(file.kind).toBe('ihanoi-player-provisioning');
    const stored = server.db!.prepare('SELECT token_hash FROM enrolment_tokens').all() as {
      token_hash: string;
    }[];
    expect(stored).toEqual([{ token_hash: hashToken(file.enrolmentToken) }]);

    core = await startTestCore(file.serverUrl, playerDir, { provisioning: file as never });
    await waitFor('enrolled', () => core!.snapshot().connected);
    const screens = server
      .db!.prepare("SELECT name, site_id FROM screens WHERE site_id = 'ubnd-bach-khoa'")
      .all();
    expect(screens).toEqual([{ name: 'Màn hình tầng 1 1', site_id: 'ubnd-bach-khoa' }]);

    // The single use is spent: a second enrolment is refused. While the database is busy (the
    // ingest writer's thread committing the first player's session on a loaded machine) the
    // answer is `not_ready`, not fatal, and the player asks again, as the protocol says.
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
    await new Promise((r) => ws.once('open', r));
    const answers: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => answers.push(JSON.parse(frameText(d)) as Record<string, unknown>));
    const enrol = () =>
      ws.send(
        JSON.stringify({ type: 'enrol', v: 1, playerVersion: 't', enrolmentToken: file.enrolmentToken }),
      );
    enrol();
    const answer = await waitFor('an answer other than not_ready', () => {
      const last = answers.at(-1);
      if (last?.code !== 'not_ready') return last;
      answers.length = 0;
      enrol();
      return undefined;
    });
    expect(answer).toMatchObject({ type: 'error', code: 'enrolment_invalid', fatal: true });
    ws.close();
  });

  it('a revoked screen is cut off at once and refused when it comes back', async () => {
    core = await startCore();
    const code = await waitFor('pairing code', () => core!.snapshot().pairingCode);
    const manager = seedUser(server.db!, 'campaign_manager', []);
    const { body } = await claim(manager.token, { code, siteId: 'ubnd-bach-mai', screenName: 'LED cổng' });
    await waitFor('connected', () => core!.snapshot().connected);
    const creds = JSON.parse(readFileSync(join(playerDir, 'credentials.json'), 'utf8')) as {
      screenId: string;
      token: string;
    };

    server
      .db!.prepare(
        "UPDATE screens SET status = 'revoked', revoked_token_hash = token_hash, token_hash = NULL, revoked_at_ms = ? WHERE id = ?",
      )
      .run(T0, body.screenId);
    server.app!.events.emit('screen-revoked', { screenId: body.screenId as string });
    // The player forgets its credential and asks for a new code.
    await waitFor('back to pairing', () => !core!.snapshot().paired && core!.snapshot().pairingCode);

    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<Record<string, unknown>>((r) =>
      ws.once('message', (d) => r(JSON.parse(frameText(d)))),
    );
    ws.send(
      JSON.stringify({
        type: 'hello',
        v: 1,
        screenId: creds.screenId,
        token: creds.token,
        playerVersion: 't',
        cachedMedia: [],
        clock: T0,
      }),
    );
    expect(await reply).toMatchObject({ type: 'revoked' });
    ws.close();
  });
});
