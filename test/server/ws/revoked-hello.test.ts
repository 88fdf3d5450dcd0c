/**
 * A stranger learns nothing from the player socket: a wrong token for a revoked screen gets the
 * very same answer as a wrong token for a screen that never existed. The revoked player itself,
 * presenting its own old token, is still told it was revoked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { RestartableServer, seedSite, T0 } from './fixtures.ts';

let server: RestartableServer;
const TOKEN = randomToken();

beforeAll(async () => {
  server = new RestartableServer();
  await server.start();
  seedSite(server.db!);
  server
    .db!.prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES ('scr-gone', 'ubnd-bach-khoa', 'Sảnh', 'offline', ?, ?)`,
    )
    .run(hashToken(TOKEN), T0);
  server.app!.repos.screens.revoke('scr-gone', 'test');
});
afterAll(() => server.stop());

/** The first message and the close code the server answers a hello with. */
async function hello(screenId: string, token: string) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
  await new Promise((r) => ws.once('open', r));
  const first = new Promise<Record<string, unknown>>((r) =>
    ws.once('message', (d) => r(JSON.parse(frameText(d)))),
  );
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send(
    JSON.stringify({ type: 'hello', v: 1, screenId, token, playerVersion: 't', cachedMedia: [], clock: T0 }),
  );
  return { message: await first, code: await closed };
}

it('answers a wrong token for a revoked screen exactly like one for an unknown screen', async () => {
  const revoked = await hello('scr-gone', randomToken());
  const unknown = await hello('scr-never-was', randomToken());
  expect(revoked).toEqual(unknown);
  expect(revoked.message).toMatchObject({ type: 'error', code: 'unauthenticated' });
});

it('still tells the revoked player, by its own old token, that it was revoked', async () => {
  const own = await hello('scr-gone', TOKEN);
  expect(own.message).toMatchObject({ type: 'revoked' });
});
