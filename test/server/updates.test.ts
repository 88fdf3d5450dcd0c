import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

it('serves the auto-update feed from <data-dir>/updates, with ranges, and nothing outside it', async () => {
  const yml = 'version: 0.2.0\npath: ihanoi-player-0.2.0-linux-x86_64.AppImage\n';
  writeFileSync(join(s.dataDir, 'updates', 'latest-linux.yml'), yml);
  writeFileSync(
    join(s.dataDir, 'updates', 'ihanoi-player-0.2.0-linux-x86_64.AppImage'),
    Buffer.alloc(1000, 7),
  );

  const feed = await fetch(`${s.url}/updates/latest-linux.yml`);
  expect(feed.status).toBe(200);
  expect(await feed.text()).toBe(yml);

  const part = await fetch(`${s.url}/updates/ihanoi-player-0.2.0-linux-x86_64.AppImage`, {
    headers: { range: 'bytes=100-199' },
  });
  expect(part.status).toBe(206);
  expect((await part.arrayBuffer()).byteLength).toBe(100);

  expect((await fetch(`${s.url}/updates/latest-mac.yml`)).status).toBe(404);
  expect((await fetch(`${s.url}/updates/..%2fsignage.db`)).status).toBeGreaterThanOrEqual(400);
});
