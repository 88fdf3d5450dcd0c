/**
 * The display's offline mark means "the server link is down". A player waiting for its pairing
 * code to be claimed is connected, so it must not show the mark; when the server goes away, it
 * must.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PlayerCore } from '#player/core/index.ts';
import { FakeDisplay } from './fake-display.ts';
import {
  startServerWithPlayerDir,
  startTestCore,
  stopServerAndRemoveDirs,
  waitFor,
  type RestartableServer,
} from '../../server/ws/fixtures.ts';

let server: RestartableServer;
let core: PlayerCore | null = null;
let display: FakeDisplay | null = null;
let playerDir: string;

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
});

afterEach(async () => {
  display?.ws.close();
  await core?.stop();
  await stopServerAndRemoveDirs(server, playerDir);
});

it('shows the pairing code without the offline mark while connected, and the mark once the server is gone', async () => {
  core = await startTestCore(server.url, playerDir);
  display = new FakeDisplay(core.displayUrl);
  await display.opened();

  const pairing = await waitFor('a pairing code on the display', () =>
    display!.state?.mode === 'pairing' && display!.state.pairing ? display!.state : null,
  );
  expect(pairing.pairing!.code).toMatch(/^[A-Z2-9]{6}$/);
  expect(pairing.offline).toBe(false);

  await server.stop();
  const down = await waitFor('the offline mark', () => (display!.state?.offline ? display!.state : null));
  expect(down.mode).toBe('pairing');
});
