import { describe, expect, it } from 'vitest';
import { createKioskApi, KioskIpcError, type IpcRendererLike } from '../../../player/electron/kiosk-api.ts';
import {
  registerKioskIpc,
  sendKioskCommand,
  type IpcMainLike,
  type InvokeEventLike,
  type KioskHandlers,
} from '../../../player/electron/ipc-main.ts';
import { COMMAND_CHANNEL, invokeChannels, type DisplayEvent } from '../../../player/electron/ipc-schemas.ts';

const ORIGIN = 'http://127.0.0.1:47321';

/**
 * Electron's IPC is the machine-internal pipe between two processes; here both ends live in
 * one process and the pipe is a Map. Arguments go through structuredClone, as Electron's
 * serialisation would, so functions and class instances cannot sneak across.
 */
function wire(handlers: KioskHandlers, senderUrl = `${ORIGIN}/`) {
  const registered = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (registered.has(channel)) throw new Error(`second handler for ${channel}`);
      registered.set(channel, listener);
    },
    removeHandler: (channel) => registered.delete(channel),
  };
  const unregister = registerKioskIpc(ipcMain, handlers, ORIGIN);
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const rawInvoke = async (channel: string, ...args: unknown[]) => {
    const handler = registered.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler({ senderFrame: { url: senderUrl } }, ...structuredClone(args)));
  };
  const ipcRenderer: IpcRendererLike = {
    invoke: rawInvoke,
    on: (channel, l) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  const webContents = {
    destroyed: false,
    send: (channel: string, ...args: unknown[]) => {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'ipc event' }, ...structuredClone(args));
    },
    isDestroyed() {
      return this.destroyed;
    },
  };
  return { ipcRenderer, rawInvoke, registered, unregister, webContents, listeners };
}

function handlers(overrides: Partial<KioskHandlers> = {}) {
  const events: DisplayEvent[] = [];
  const restarts: string[] = [];
  const h: KioskHandlers = {
    'kiosk:get-info': () => ({
      version: '0.1.0',
      electron: '45.4.1',
      chrome: '142.0.0.0',
      platform: 'linux',
      arch: 'x64',
      recentRestarts: 2,
    }),
    'kiosk:report-display-event': (e) => {
      events.push(e);
      return null;
    },
    'kiosk:request-restart': ({ reason }) => {
      restarts.push(reason);
      return 'reload';
    },
    ...overrides,
  };
  return { h, events, restarts };
}

describe('kiosk IPC, preload API to main handlers', () => {
  it('registers exactly the channels of the typed map, and can unregister them', () => {
    const { registered, unregister } = wire(handlers().h);
    expect([...registered.keys()].sort()).toEqual(Object.keys(invokeChannels).sort());
    unregister();
    expect(registered.size).toBe(0);
  });

  it('round-trips getInfo, display events and restart requests', async () => {
    const { h, events, restarts } = handlers();
    const api = createKioskApi(wire(h).ipcRenderer);
    await expect(api.getInfo()).resolves.toMatchObject({ version: '0.1.0', recentRestarts: 2 });
    await api.reportDisplayEvent({ type: 'state', state: 'playing' });
    await api.reportDisplayEvent({ type: 'error', message: 'video decode failed' });
    await expect(api.requestRestart('video element stalled')).resolves.toBe('reload');
    expect(events).toEqual([
      { type: 'state', state: 'playing' },
      { type: 'error', message: 'video decode failed' },
    ]);
    expect(restarts).toEqual(['video element stalled']);
  });

  it('rejects bad arguments in the preload before anything is sent', async () => {
    const { h, events } = handlers();
    let sent = 0;
    const { ipcRenderer } = wire(h);
    const counting: IpcRendererLike = {
      ...ipcRenderer,
      invoke: (...a) => (sent++, ipcRenderer.invoke(...a)),
    };
    const api = createKioskApi(counting);
    const bad = [
      { type: 'state', state: 'PLAYING; rm -rf /' },
      { type: 'error', message: '' },
      { type: 'error', message: 'x'.repeat(501) },
      { type: 'shell', command: 'reboot' },
      null,
      'ready',
    ];
    for (const e of bad) {
      await expect(api.reportDisplayEvent(e as DisplayEvent)).rejects.toMatchObject({
        code: 'bad-arguments',
      });
    }
    await expect(api.requestRestart('')).rejects.toBeInstanceOf(KioskIpcError);
    expect(sent).toBe(0);
    expect(events).toEqual([]);
  });

  it('validates again in main when a compromised renderer calls ipcRenderer directly', async () => {
    const { h, events, restarts } = handlers();
    const { rawInvoke } = wire(h);
    await expect(
      rawInvoke('kiosk:report-display-event', { type: 'error', message: 42 }),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'bad-arguments' },
    });
    await expect(rawInvoke('kiosk:report-display-event')).resolves.toMatchObject({ ok: false });
    await expect(
      rawInvoke('kiosk:report-display-event', { type: 'ready' }, { extra: 'argument' }),
    ).resolves.toMatchObject({ ok: false, error: { code: 'bad-arguments' } });
    await expect(rawInvoke('kiosk:request-restart', { reason: 'r'.repeat(201) })).resolves.toMatchObject({
      ok: false,
    });
    await expect(rawInvoke('kiosk:get-info', 'unexpected')).resolves.toMatchObject({ ok: false });
    await expect(rawInvoke('kiosk:open-file', '/etc/passwd')).rejects.toThrow(/No handler/);
    expect(events).toEqual([]);
    expect(restarts).toEqual([]);
  });

  it('refuses calls from frames that are not on the display page origin', async () => {
    for (const url of ['http://evil.com/', 'about:blank', 'file:///tmp/x.html', '']) {
      const { h, restarts } = handlers();
      const { rawInvoke } = wire(h, url);
      await expect(rawInvoke('kiosk:request-restart', { reason: 'x' })).resolves.toMatchObject({
        ok: false,
        error: { code: 'forbidden-sender' },
      });
      expect(restarts).toEqual([]);
    }
  });

  it('turns handler failures and malformed replies into {ok:false} errors the preload throws', async () => {
    const failing = handlers({
      'kiosk:request-restart': () => {
        throw new Error('restart store is read-only');
      },
      'kiosk:get-info': () => ({ version: '', electron: 'x' }) as never,
    }).h;
    const { rawInvoke, ipcRenderer } = wire(failing);
    await expect(rawInvoke('kiosk:request-restart', { reason: 'x' })).resolves.toEqual({
      ok: false,
      error: { code: 'failed', message: 'restart store is read-only' },
    });
    const api = createKioskApi(ipcRenderer);
    await expect(api.requestRestart('x')).rejects.toMatchObject({
      code: 'failed',
      message: 'restart store is read-only',
    });
    await expect(api.getInfo()).rejects.toMatchObject({ code: 'bad-reply' });
  });

  it('rejects a reply that does not have the {ok, value|error} shape', async () => {
    const api = createKioskApi({
      invoke: async () => ({ version: '0.1.0' }),
      on: () => undefined,
      removeListener: () => undefined,
    });
    await expect(api.getInfo()).rejects.toMatchObject({ code: 'bad-reply' });
  });
});

describe('shell commands to the page', () => {
  it('delivers valid commands without the IPC event, drops malformed ones, and unsubscribes', () => {
    const { ipcRenderer, webContents, listeners } = wire(handlers().h);
    const logged: string[] = [];
    const api = createKioskApi(ipcRenderer, (m) => logged.push(m));
    const received: unknown[] = [];
    const off = api.onCommand((c) => received.push(c));
    sendKioskCommand(webContents, { type: 'update-ready', version: '0.2.0' });
    webContents.send(COMMAND_CHANNEL, { type: 'run', script: 'alert(1)' });
    expect(received).toEqual([{ type: 'update-ready', version: '0.2.0' }]);
    expect(logged).toHaveLength(1);
    off();
    expect(listeners.get(COMMAND_CHANNEL)?.size).toBe(0);
    sendKioskCommand(webContents, { type: 'will-restart', reason: 'update' });
    expect(received).toHaveLength(1);
  });

  it('refuses to send a malformed command and skips a destroyed window', () => {
    const { webContents } = wire(handlers().h);
    expect(() => sendKioskCommand(webContents, { type: 'update-ready', version: '' })).toThrow();
    webContents.destroyed = true;
    expect(() => sendKioskCommand(webContents, { type: 'will-restart', reason: 'quit' })).not.toThrow();
  });

  it('onCommand insists on a function', () => {
    const api = createKioskApi(wire(handlers().h).ipcRenderer);
    expect(() => api.onCommand('alert(1)' as never)).toThrow(KioskIpcError);
  });
});
