/**
 * Plans serialised once: the plan service stores each screen's `plan` message with its plan
 * rows; a change pushes those exact bytes to players that said `plan_push`, `plan_changed` to
 * those that did not, and `pull` answers from the same stored bytes.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { loadPlaylists } from '#server/playlists/load.ts';
import { buildPlan } from '#server/ws/plan.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const PLAYLISTS = fileURLToPath(new URL('../../../playlists/', import.meta.url));

let srv: TestServer;
let screenId: string;
const token = randomToken();

beforeAll(async () => {
  srv = await startTestServer({ config: { cron: 'off' } });
  await loadPlaylists({
    db: srv.db,
    repos: srv.app.repos,
    clock: srv.clock,
    playlistsDir: PLAYLISTS,
    dataDir: srv.dataDir,
  });
  screenId = srv.app.repos.plans.screens()[0]!.id;
  srv.app.repos.screens.setTokenHash(screenId, hashToken(token));
});
afterAll(async () => srv.close());

/** A bare protocol client that keeps every frame's raw text. */
class Player {
  readonly ws: WebSocket;
  readonly opened: Promise<unknown>;
  private frames: string[] = [];
  /** Frames that came as binary: a player's JSON parser expects text frames only. */
  binaryFrames = 0;
  private waiters: { type: string; resolve: (raw: string) => void }[] = [];
  constructor() {
    this.ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/player`);
    this.opened = new Promise((r) => this.ws.once('open', r));
    this.ws.on('message', (d, isBinary) => {
      if (isBinary) this.binaryFrames++;
      const raw = frameText(d);
      const type = (JSON.parse(raw) as { type: string }).type;
      const i = this.waiters.findIndex((w) => w.type === type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(raw);
      else this.frames.push(raw);
    });
  }
  next(type: string): Promise<string> {
    const i = this.frames.findIndex((f) => (JSON.parse(f) as { type: string }).type === type);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }
  send(m: object) {
    this.ws.send(JSON.stringify({ v: 1, ...m }));
  }
  async hello(features?: string[]) {
    await this.opened;
    this.send({
      type: 'hello',
      screenId,
      token,
      playerVersion: 'test',
      cachedMedia: [],
      clock: srv.clock.now(),
      ...(features ? { features } : {}),
    });
    return JSON.parse(await this.next('welcome')) as { planVersion: number };
  }
  /** Frames received and not yet taken, by type. */
  pending(): string[] {
    return this.frames.map((f) => (JSON.parse(f) as { type: string }).type);
  }
  close() {
    this.ws.close();
  }
}

const stored = () =>
  srv.db.prepare('SELECT version, message FROM plan_messages WHERE screen_id = ?').get(screenId) as
    { version: number; message: string } | undefined;

describe('plan messages serialised once', () => {
  it('the plan service stores the message with the plan; pushes and pulls send those bytes', async () => {
    const pushed = new Player();
    const legacy = new Player();
    await pushed.hello(['plan_push']);
    expect((await legacy.hello()).planVersion).toBe(0);

    const changed = legacy.next('plan_changed');
    const plan = pushed.next('plan');
    srv.app.plans.replan();
    const row = stored();
    expect(row).toBeDefined();
    const version = srv.app.repos.plans.screen(screenId)!.plan_version;
    expect(row!.version).toBe(version);
    // The stored bytes are exactly the message built from the rows just written.
    expect(JSON.parse(row!.message)).toEqual(
      buildPlan(srv.app.repos.planMessages, screenId, srv.clock.now()),
    );
    expect(await plan).toBe(row!.message);
    expect(JSON.parse(await changed)).toEqual({ type: 'plan_changed', v: 1, version });

    // The player that only knows plan_changed pulls, and gets the same bytes.
    legacy.send({ type: 'pull' });
    expect(await legacy.next('plan')).toBe(row!.message);
    expect(pushed.pending()).not.toContain('plan_changed');
    expect(pushed.binaryFrames + legacy.binaryFrames).toBe(0);
    pushed.close();
    legacy.close();
  });

  it('a re-plan pushes the bytes the plan service committed, with no lookup per screen', async () => {
    const p = new Player();
    await p.hello(['plan_push']);
    const repo = srv.app.repos.planMessages;
    const get = repo.get;
    let lookups = 0;
    repo.get = (id) => {
      lookups++;
      return get(id);
    };
    try {
      const plan = p.next('plan');
      srv.clock.advance(86_400_000);
      expect(srv.app.plans.replan({ screenIds: [screenId] }).changedScreens).toEqual([screenId]);
      const raw = await plan;
      expect(raw).toBe(stored()!.message);
      expect(lookups).toBe(0);
      expect(p.binaryFrames).toBe(0);
    } finally {
      repo.get = get;
      p.close();
    }
  });

  it('pull answers from the stored bytes, not from the plan rows', async () => {
    srv.db
      .prepare('UPDATE plan_messages SET message = ? WHERE screen_id = ?')
      .run('{"type":"plan","v":1,"marker":"stored"}', screenId);
    const p = new Player();
    await p.hello(['plan_push']);
    p.send({ type: 'pull' });
    expect(await p.next('plan')).toBe('{"type":"plan","v":1,"marker":"stored"}');
    p.close();
  });

  it('a write to the plan rows, the screen version or the site drops the stored bytes; the next pull rebuilds them', async () => {
    srv.app.plans.replan();
    srv.clock.advance(3_600_000);
    srv.app.plans.replan({ screenIds: [screenId] });
    expect(stored()).toBeDefined();
    const before = srv.app.repos.plans.screen(screenId)!;
    srv.db.prepare('UPDATE screens SET plan_version = plan_version + 1 WHERE id = ?').run(screenId);
    expect(stored()).toBeUndefined();

    const p = new Player();
    expect((await p.hello(['plan_push'])).planVersion).toBe(before.plan_version + 1);
    p.send({ type: 'pull' });
    const rebuilt = JSON.parse(await p.next('plan')) as { version: number; site: { name: string } };
    expect(rebuilt.version).toBe(before.plan_version + 1);
    expect(stored()?.version).toBe(before.plan_version + 1);

    srv.db.prepare('UPDATE sites SET name = ? WHERE id = ?').run('Tên mới', before.site_id);
    expect(stored()).toBeUndefined();
    p.send({ type: 'pull' });
    expect((JSON.parse(await p.next('plan')) as { site: { name: string } }).site.name).toBe('Tên mới');

    srv.db
      .prepare(
        `UPDATE screen_plans SET plan = '[]' WHERE screen_id = ? AND local_date = (SELECT MAX(local_date) FROM screen_plans WHERE screen_id = ?)`,
      )
      .run(screenId, screenId);
    expect(stored()).toBeUndefined();
    p.close();
  });

  it('a change to many screens reaches every connected one, in slices', async () => {
    const screens = srv.app.repos.plans.screens().slice(0, 40);
    const players: Player[] = [];
    const tokens = new Map<string, string>();
    for (const s of screens) {
      const t = randomToken();
      tokens.set(s.id, t);
      srv.app.repos.screens.setTokenHash(s.id, hashToken(t));
    }
    for (const s of screens) {
      const p = new Player();
      await p.opened;
      p.send({
        type: 'hello',
        screenId: s.id,
        token: tokens.get(s.id),
        playerVersion: 'test',
        cachedMedia: [],
        clock: srv.clock.now(),
        features: ['plan_push'],
      });
      await p.next('welcome');
      players.push(p);
    }
    const got = players.map((p) => p.next('plan'));
    srv.db.prepare('UPDATE screen_plans SET version = version + 1').run();
    srv.app.events.emit('plans-updated', { screenIds: screens.map((s) => s.id) });
    const plans = (await Promise.all(got)).map((raw) => JSON.parse(raw) as { version: number });
    for (const [i, s] of screens.entries()) {
      const want = srv.db
        .prepare('SELECT MAX(version) FROM screen_plans WHERE screen_id = ?')
        .pluck()
        .get(s.id) as number;
      expect(plans[i]!.version).toBe(Math.max(want, srv.app.repos.plans.screen(s.id)!.plan_version));
    }
    for (const p of players) p.close();
  });

  it('a plan stored while a hello waits for its commit: the welcome comes first, with that version', async () => {
    // Hold the writer's barrier (the group that records the session) until the plan is pushed.
    const writer = srv.app.playerGateway.writer;
    const barrier = writer.barrier.bind(writer);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    writer.barrier = () => held.then(barrier);
    srv.app.repos.screens.setTokenHash(screenId, hashToken(token));
    await expect.poll(() => srv.app.playerGateway.connectedScreens()).toBe(0);
    const raw: string[] = [];
    const p = new Player();
    p.ws.on('message', (d) => raw.push(frameText(d)));
    try {
      await p.opened;
      p.send({
        type: 'hello',
        screenId,
        token,
        playerVersion: 'test',
        cachedMedia: [],
        clock: srv.clock.now(),
        features: ['plan_push'],
      });
      await expect.poll(() => srv.app.playerGateway.connectedScreens()).toBe(1);
      srv.clock.advance(60_000);
      srv.app.plans.replan({ screenIds: [screenId] });
      srv.db.prepare('UPDATE screens SET plan_version = plan_version + 1 WHERE id = ?').run(screenId);
      srv.app.events.emit('plans-updated', { screenIds: [screenId] });
      const version = srv.app.repos.plans.screen(screenId)!.plan_version;
      // The push went past this socket (not welcomed yet): nothing reaches it until the commit.
      release();
      const welcome = JSON.parse(await p.next('welcome')) as { planVersion: number };
      expect(JSON.parse(raw[0]!)).toMatchObject({ type: 'welcome' });
      expect(welcome.planVersion).toBe(version);
      // Pushes reach it from then on.
      const plan = p.next('plan');
      srv.db.prepare('UPDATE screens SET plan_version = plan_version + 1 WHERE id = ?').run(screenId);
      srv.app.events.emit('plans-updated', { screenIds: [screenId] });
      expect((JSON.parse(await plan) as { version: number }).version).toBe(version + 1);
    } finally {
      writer.barrier = barrier;
      release();
      p.close();
    }
  });
});
