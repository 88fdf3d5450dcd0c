import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';
import { hashToken } from '#server/auth/passwords.ts';
import { ADMIN_PASSWORD, Client, login, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const HBT = 'ha-noi/hai-ba-trung';
const BACH_KHOA = 'ha-noi/hai-ba-trung/bach-khoa';

interface Msg {
  type: string;
  [k: string]: unknown;
}

/** A bare protocol client: every message it receives, in order, and a way to wait for the next one of a type. */
class Player {
  readonly ws: WebSocket;
  readonly got: Msg[] = [];
  private waiters: Array<{ type: string; resolve: (m: Msg) => void }> = [];
  private seen = 0;
  constructor(
    url: string,
    readonly screenId: string,
  ) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws/player');
    this.ws.on('open', () =>
      this.send({
        type: 'hello',
        screenId,
        token: `token-for-${screenId}-0000000000`,
        playerVersion: 'test',
        cachedMedia: [],
        clock: 0,
      }),
    );
    this.ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as Msg;
      if (m.type === 'ping') return;
      this.got.push(m);
      this.flush();
    });
  }
  send(m: object): void {
    this.ws.send(JSON.stringify({ v: 1, ...m }));
  }
  private flush(): void {
    while (this.waiters.length && this.seen < this.got.length) {
      const m = this.got[this.seen++]!;
      const w = this.waiters[0]!;
      if (m.type !== w.type) throw new Error(`${this.screenId}: expected ${w.type}, got ${m.type}`);
      this.waiters.shift();
      w.resolve(m);
    }
  }
  /** The next message, which must be of this type (nothing else may come before it). */
  next(type: string): Promise<Msg> {
    return new Promise((resolve) => {
      this.waiters.push({ type, resolve });
      this.flush();
    });
  }
  close(): Promise<void> {
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}

describe('urgent warnings: one-action approval, takeover of the screens in scope, proof of display', () => {
  let s: TestServer;
  let admin: Client;
  let districtEditor: Client;
  let district: Client;
  let city: Client;
  let wardEditor: Client;
  const screens: Record<'a' | 'b' | 'd' | 'out', string> = { a: '', b: '', d: '', out: '' };
  const players: Player[] = [];
  const proofs: Array<{ warningId: string; shown: number; cleared: number }> = [];

  const screenOf = (site: string) =>
    (s.db.prepare('SELECT id FROM screens WHERE site_id = ? ORDER BY id LIMIT 1').get(site) as { id: string })
      .id;

  /** Resolves once the stored proof for `id` reaches these totals (an event, not a timer). */
  const proofReaches = (id: string, shown: number, cleared: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        const t = proofs.filter((p) => p.warningId === id);
        const sum = (k: 'shown' | 'cleared') => t.reduce((n, p) => n + p[k], 0);
        if (sum('shown') >= shown && sum('cleared') >= cleared) {
          off();
          resolve();
        }
      };
      const off = s.app.events.on('warning-proof', () => check());
      check();
    });

  async function connect(id: string): Promise<Player> {
    const p = new Player(s.url, id);
    players.push(p);
    await p.next('welcome');
    return p;
  }

  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    districtEditor = await userClient(s, 'bt.hbt', 'comms_editor', [{ kind: 'region', id: HBT }]);
    district = await userClient(s, 'ubnd.hbt', 'comms_approver', [{ kind: 'region', id: HBT }]);
    city = await userClient(s, 'vp.ubnd', 'comms_approver', [{ kind: 'region', id: 'ha-noi' }]);
    wardEditor = await userClient(s, 'bt.bachkhoa', 'comms_editor', [{ kind: 'region', id: BACH_KHOA }]);
    screens.a = screenOf('mot-cua-phuong-bach-khoa');
    screens.b = screenOf('dai-hoc-bach-khoa');
    screens.d = screenOf('mot-cua-phuong-minh-khai');
    screens.out = screenOf('diem-trung-chuyen-cau-giay');
    const pair = s.db.prepare("UPDATE screens SET token_hash = ?, status = 'offline' WHERE id = ?");
    for (const id of Object.values(screens)) pair.run(hashToken(`token-for-${id}-0000000000`), id);
    s.app.events.on('warning-proof', (p) => proofs.push(p));
  });
  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await s.close();
  });

  it('a district warning airs on approval on the connected screens in scope only; offline ones get it on reconnect; cancel clears it', async () => {
    const a = await connect(screens.a);
    const b = await connect(screens.b);
    const out = await connect(screens.out);

    const expiresAt = new Date(s.clock.now() + 3_600_000).toISOString();
    const created = await districtEditor.post('/api/v1/warnings', {
      headline: 'Ngập sâu phố Bạch Mai',
      body: 'Tránh đi qua đoạn Bạch Mai – Minh Khai.',
      display: 'band',
      expiresAt,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'cb-0001', status: 'pending', level: 'district' });
    // The editor cannot approve; the approver of the same office can, in one action.
    expect((await districtEditor.post('/api/v1/warnings/cb-0001/approve')).status).toBe(403);
    const approved = await district.post('/api/v1/warnings/cb-0001/approve');
    expect(approved.body).toMatchObject({ status: 'on_air' });

    const [wa, wb] = await Promise.all([a.next('warning'), b.next('warning')]);
    expect(wa.warning).toMatchObject({
      id: 'cb-0001',
      headline: 'Ngập sâu phố Bạch Mai',
      display: 'band',
      expiresAt: Date.parse(expiresAt),
    });
    expect(wb.warning).toMatchObject({ id: 'cb-0001' });
    // Outside the scope: the next thing this screen receives is the plan it asks for, no warning before it.
    out.send({ type: 'pull' });
    await out.next('plan');

    const shown = proofReaches('cb-0001', 2, 0);
    a.send({ type: 'warning_shown', warningId: 'cb-0001', at: 1 });
    b.send({ type: 'warning_shown', warningId: 'cb-0001', at: 1 });
    await shown;
    expect((await district.get('/api/v1/warnings/cb-0001')).body.counts).toEqual({
      inScope: 3,
      sent: 2,
      shown: 2,
      cleared: 0,
    });

    // A screen in scope that was offline gets it right after its welcome.
    const d = await connect(screens.d);
    await d.next('warning');
    const shownD = proofReaches('cb-0001', 3, 0);
    d.send({ type: 'warning_shown', warningId: 'cb-0001', at: 2 });
    await shownD;

    const cancelled = await district.post('/api/v1/warnings/cb-0001/cancel');
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: expect.any(String) });
    const clears = await Promise.all([a, b, d].map((p) => p.next('warning_clear')));
    for (const c of clears) expect(c).toMatchObject({ warningId: 'cb-0001', reason: 'cancelled' });
    const cleared = proofReaches('cb-0001', 3, 3);
    for (const p of [a, b, d])
      p.send({ type: 'warning_cleared', warningId: 'cb-0001', at: 3, reason: 'cancelled' });
    await cleared;
    expect((await district.get('/api/v1/warnings/cb-0001')).body.counts).toEqual({
      inScope: 3,
      sent: 3,
      shown: 3,
      cleared: 3,
    });

    const audit = (await admin.get('/api/v1/audit?limit=10')).body.items
      .filter((x: { objectId: string }) => x.objectId === 'cb-0001')
      .map((x: { action: string; actorName: string }) => `${x.action}:${x.actorName}`)
      .reverse();
    expect(audit).toEqual([
      'warning.create:bt.hbt',
      'warning.approve:ubnd.hbt',
      'warning.air:ubnd.hbt',
      'warning.cancel:ubnd.hbt',
    ]);
  });

  it('expires on its own: the job ends it and clears the screens', async () => {
    const a = players[0]!;
    const w = await district.post('/api/v1/warnings', {
      headline: 'Mất điện 10 phút',
      display: 'fullscreen',
      expiresAt: new Date(s.clock.now() + 600_000).toISOString(),
    });
    await district.post(`/api/v1/warnings/${w.body.id}/approve`);
    expect((await a.next('warning')).warning).toMatchObject({ id: w.body.id, display: 'fullscreen' });
    const at = s.clock.now();
    s.clock.set(at + 600_001);
    await s.app.cron.runJob('communications-advance');
    s.clock.set(at);
    expect(await a.next('warning_clear')).toMatchObject({ warningId: w.body.id, reason: 'expired' });
    expect((await district.get(`/api/v1/warnings/${w.body.id}`)).body.status).toBe('expired');
  });

  it("city level: the author may not approve; a ward may not re-send the city's warning (named, audited)", async () => {
    const cityEditor = await userClient(s, 'so.tnmt', 'comms_editor', [{ kind: 'region', id: 'ha-noi' }]);
    const own = await city.post('/api/v1/warnings', {
      headline: 'Bão số 3',
      sourceDoc: '05/CĐ-UBND',
      expiresAt: new Date(s.clock.now() + 3_600_000).toISOString(),
    });
    expect((await city.post(`/api/v1/warnings/${own.body.id}/approve`)).status).toBe(403);
    const other = await cityEditor.post('/api/v1/warnings', {
      headline: 'Bão số 3 (Yagi)',
      sourceDoc: '05/CĐ-UBND',
      expiresAt: new Date(s.clock.now() + 3_600_000).toISOString(),
    });
    expect((await city.post(`/api/v1/warnings/${other.body.id}/approve`)).status).toBe(200);

    const resend = await wardEditor.post('/api/v1/warnings', {
      headline: 'Bão số 3 – phường',
      sourceDoc: '05/cđ-ubnd',
      expiresAt: new Date(s.clock.now() + 3_600_000).toISOString(),
    });
    expect(resend.status).toBe(409);
    expect(resend.body.code).toBe('RESEND_REFUSED');
    expect(resend.body.detail).toContain(other.body.id);
    const audit = (await admin.get('/api/v1/audit?limit=3')).body.items;
    expect(audit[0]).toMatchObject({ action: 'warning.resend_refused', actorName: 'bt.bachkhoa' });
    await city.post(`/api/v1/warnings/${other.body.id}/cancel`);
  });

  it('refuses an expiry in the past and a scope wider than the office', async () => {
    const past = await district.post('/api/v1/warnings', {
      headline: 'Cũ',
      expiresAt: new Date(s.clock.now() - 1).toISOString(),
    });
    expect(past.status).toBe(400);
    const wide = await wardEditor.post('/api/v1/warnings', {
      headline: 'Rộng',
      scopeRegionIds: [HBT],
      expiresAt: new Date(s.clock.now() + 60_000).toISOString(),
    });
    expect(wide.body.code).toBe('OUT_OF_SCOPE');
  });
});
