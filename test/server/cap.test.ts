import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { parseCap } from '#server/comms/cap.ts';
import { ADMIN_PASSWORD, Client, login, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const NOW = '2024-09-05T07:55:00+07:00';
const alertXml = (o: {
  id: string;
  msgType?: string;
  status?: string;
  references?: string;
  expires?: string;
  area?: string;
  headline?: string;
}) => `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${o.id}</identifier>
  <sender>kttv@hanoi.gov.vn</sender>
  <sent>${NOW}</sent>
  <status>${o.status ?? 'Actual'}</status>
  <msgType>${o.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>
  ${o.references ? `<references>${o.references}</references>` : ''}
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>Mưa lớn</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>${o.expires ?? '2024-09-05T18:00:00+07:00'}</expires>
    <headline>${o.headline ?? 'Mưa lớn, ngập úng cục bộ'}</headline>
    <description>Hạn chế ra đường &amp; tránh khu vực trũng.</description>
    ${
      o.area ??
      `<area><areaDesc>Quận Hai Bà Trưng</areaDesc><geocode><valueName>MA_DVHC</valueName><value>007</value></geocode></area>`
    }
  </info>
</alert>`;
const ref = (id: string) => `kttv@hanoi.gov.vn,${id},${NOW}`;

describe('CAP 1.2: import (file and polled URL) waits for approval; Update and Cancel; export; hostile XML', () => {
  let s: TestServer;
  let admin: Client;
  let cityEditor: Client;
  let city: Client;
  let feed: Server;
  let feedHits = 0;
  let feedBody = '';
  let feedUrl = '';

  const importXml = async (c: Client, xml: string) => {
    const res = await fetch(`${s.url}/api/v1/warnings/cap`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/xml' },
      body: xml,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    feed = createServer((req, res) => {
      feedHits++;
      if (req.url === '/secret') {
        res.end('TOP-SECRET-FROM-THE-NETWORK');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/cap+xml' }).end(feedBody);
    });
    await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
    feedUrl = `http://127.0.0.1:${(feed.address() as { port: number }).port}`;
    s = await startSeededServer({ config: { capUrl: `${feedUrl}/cap.xml` } });
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    cityEditor = await userClient(s, 'so.tnmt', 'comms_editor', [{ kind: 'region', id: 'ha-noi' }]);
    city = await userClient(s, 'vp.ubnd', 'comms_approver', [{ kind: 'region', id: 'ha-noi' }]);
  });
  afterAll(async () => {
    await s.close();
    await new Promise((r) => feed.close(r));
  });

  it('fast-xml-parser itself never reads an external entity (XXE payload straight into the parser)', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "${feedUrl}/secret">]><alert><headline>&xxe;|&net;</headline></alert>`;
    const before = feedHits;
    // It refuses the SYSTEM declaration outright, with entity processing on or off, and fetches nothing.
    for (const processEntities of [true, false])
      expect(() => new XMLParser({ processEntities }).parse(xxe)).toThrow(
        /External entities are not supported/,
      );
    expect(feedHits).toBe(before);
  });

  it('refuses an XXE document before parsing it, clearly, and reads nothing', async () => {
    const xxe = alertXml({ id: 'xxe-1', headline: '&xxe;' }).replace(
      '<alert ',
      `<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "${feedUrl}/secret">]>\n<alert `,
    );
    const before = feedHits;
    const r = await importXml(city, xxe);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('CAP_INVALID');
    expect(r.body.detail).toMatch(/DOCTYPE or ENTITY/);
    expect(JSON.stringify(r.body)).not.toMatch(/root:/);
    expect(feedHits).toBe(before);
    expect(() => parseCap(xxe)).toThrow(/DOCTYPE/);
  });

  it('refuses malformed XML with the line and column, and a wrong namespace', async () => {
    const bad = await importXml(
      city,
      '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">\n<identifier>x</identifer>\n</alert>',
    );
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/line 2/);
    const ns = await importXml(city, alertXml({ id: 'ns' }).replace(':cap:1.2', ':cap:1.1'));
    expect(ns.body.detail).toMatch(/namespace/);
    const noRefs = await importXml(city, alertXml({ id: 'c0', msgType: 'Cancel' }));
    expect(noRefs.body.detail).toMatch(/references/);
  });

  it('an Alert is imported pending, mapped by geocode, and never airs by itself', async () => {
    const r = await importXml(cityEditor, alertXml({ id: 'kttv-1' }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ action: 'created', warningId: 'cb-0001' });
    const w = (await city.get('/api/v1/warnings/cb-0001')).body;
    expect(w).toMatchObject({
      status: 'pending',
      level: 'city',
      display: 'fullscreen',
      expiresAt: new Date('2024-09-05T18:00:00+07:00').toISOString(),
      scopeRegions: [{ id: 'ha-noi/hai-ba-trung' }],
      cap: { identifier: 'kttv-1', sender: 'kttv@hanoi.gov.vn', event: 'Mưa lớn', severity: 'Severe' },
    });
    expect(w.body).toContain('Hạn chế ra đường & tránh');
    await s.app.cron.runJob('communications-advance');
    expect((await city.get('/api/v1/warnings/cb-0001')).body.status).toBe('pending');
    // The same alert twice is not imported twice.
    expect((await importXml(city, alertXml({ id: 'kttv-1' }))).body.action).toBe('ignored');
  });

  it('maps an area by its name when no geocode is listed', async () => {
    const r = await importXml(
      city,
      alertXml({
        id: 'kttv-name',
        area: '<area><areaDesc>Phường Bách Khoa; Phường Bạch Mai</areaDesc></area>',
      }),
    );
    const w = (await city.get(`/api/v1/warnings/${r.body.warningId}`)).body;
    expect(w.scopeRegions.map((x: { id: string }) => x.id).sort()).toEqual([
      'ha-noi/hai-ba-trung/bach-khoa',
      'ha-noi/hai-ba-trung/bach-mai',
    ]);
    const none = await importXml(
      city,
      alertXml({ id: 'kttv-x', area: '<area><areaDesc>Đà Nẵng</areaDesc></area>' }),
    );
    expect(none.status).toBe(422);
    expect(none.body.detail).toMatch(/no <area> maps/);
  });

  it('Update of a pending alert replaces it; Update of an aired one waits and replaces it on approval; Cancel takes it off', async () => {
    const up = await importXml(
      city,
      alertXml({ id: 'kttv-2', msgType: 'Update', references: ref('kttv-1'), headline: 'Mưa rất lớn' }),
    );
    expect(up.body).toMatchObject({ action: 'updated' });
    expect((await city.get('/api/v1/warnings/cb-0001')).body.status).toBe('cancelled');
    const upId = up.body.warningId as string;
    expect((await city.get(`/api/v1/warnings/${upId}`)).body).toMatchObject({
      status: 'pending',
      headline: 'Mưa rất lớn',
    });

    // Imported alerts are the city's: the city office approves (the importer is not the author).
    expect((await city.post(`/api/v1/warnings/${upId}/approve`)).body.status).toBe('on_air');

    const up2 = await importXml(
      city,
      alertXml({ id: 'kttv-3', msgType: 'Update', references: `${ref('kttv-1')} ${ref('kttv-2')}` }),
    );
    expect(up2.body).toMatchObject({ action: 'superseding' });
    expect((await city.get(`/api/v1/warnings/${upId}`)).body.status).toBe('on_air');
    expect((await city.post(`/api/v1/warnings/${up2.body.warningId}/approve`)).body.status).toBe('on_air');
    expect((await city.get(`/api/v1/warnings/${upId}`)).body.status).toBe('cancelled');

    const cancel = await importXml(
      city,
      alertXml({ id: 'kttv-4', msgType: 'Cancel', references: ref('kttv-3') }),
    );
    expect(cancel.body).toMatchObject({ action: 'cancelled', warningId: up2.body.warningId });
    expect((await city.get(`/api/v1/warnings/${up2.body.warningId}`)).body).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'cap:kttv@hanoi.gov.vn',
    });
    const actions = (await admin.get('/api/v1/audit?limit=3')).body.items.map(
      (a: { action: string; actor: string }) => `${a.action}:${a.actor}`,
    );
    expect(actions[0]).toBe('warning.cancel:cap:kttv@hanoi.gov.vn');
  });

  it('ignores Test/Exercise alerts and alerts already expired', async () => {
    expect((await importXml(city, alertXml({ id: 't1', status: 'Test' }))).body).toMatchObject({
      action: 'ignored',
    });
    expect((await importXml(city, alertXml({ id: 't2', status: 'Exercise' }))).body.message).toMatch(
      /not for the public/,
    );
    expect(
      (await importXml(city, alertXml({ id: 't3', expires: '2024-09-05T07:00:00+07:00' }))).body.message,
    ).toMatch(/expired/);
  });

  it('exports every warning as CAP 1.2 that parses back; a cancelled one as msgType Cancel', async () => {
    const mine = await cityEditor.post('/api/v1/warnings', {
      headline: 'Cắt nước khu vực Bách Khoa',
      body: 'Từ 09:00 đến 15:00.',
      display: 'band',
      scopeRegionIds: ['ha-noi/hai-ba-trung'],
      expiresAt: '2024-09-05T15:00:00+07:00',
    });
    await city.post(`/api/v1/warnings/${mine.body.id}/approve`);
    const res = await fetch(`${s.url}/api/v1/warnings/${mine.body.id}/cap`, {
      headers: { authorization: `Bearer ${city.token}` },
    });
    expect(res.headers.get('content-type')).toMatch(/application\/cap\+xml/);
    const xml = await res.text();
    const back = parseCap(xml);
    expect(back).toMatchObject({
      status: 'Actual',
      msgType: 'Alert',
      identifier: `urn:ihanoi-signage:warning:${mine.body.id}`,
    });
    expect(back.info).toMatchObject({
      headline: 'Cắt nước khu vực Bách Khoa',
      expires: '2024-09-05T15:00:00+07:00',
    });
    expect(back.info!.areas[0]).toEqual({
      areaDesc: 'Quận Hai Bà Trưng',
      geocodes: [{ valueName: 'MA_DVHC', value: '007' }],
    });
    await city.post(`/api/v1/warnings/${mine.body.id}/cancel`);
    const cancelled = parseCap(
      await (
        await fetch(`${s.url}/api/v1/warnings/${mine.body.id}/cap`, {
          headers: { authorization: `Bearer ${city.token}` },
        })
      ).text(),
    );
    expect(cancelled.msgType).toBe('Cancel');
    expect(cancelled.references[0]!.identifier).toBe(`urn:ihanoi-signage:warning:${mine.body.id}`);
  });

  it('polls the configured URL (a local server) with the cron job; each alert once', async () => {
    feedBody = alertXml({ id: 'feed-1', headline: 'Từ nguồn cấp' });
    const before = feedHits;
    await s.app.cron.runJob('cap-poll');
    expect(feedHits).toBe(before + 1);
    const items = (await city.get('/api/v1/warnings')).body.items;
    const imported = items.find(
      (w: { cap: { identifier: string } | null }) => w.cap?.identifier === 'feed-1',
    );
    expect(imported).toMatchObject({
      status: 'pending',
      headline: 'Từ nguồn cấp',
      createdBy: 'cap:kttv@hanoi.gov.vn',
    });
    const at = s.clock.now();
    s.clock.set(at + 61_000);
    await s.app.cron.runJob('cap-poll');
    s.clock.set(at);
    expect((await city.get('/api/v1/warnings')).body.items.length).toBe(items.length);
  });
});
