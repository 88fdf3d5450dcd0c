/**
 * The one object the preload exposes to the display page as `window.kiosk`. Built from an
 * ipcRenderer-like object so it runs under plain Node in tests; preload.ts only hands it
 * Electron's ipcRenderer and contextBridge.
 *
 * The page never receives ipcRenderer, the IPC event object or anything it could use to reach
 * other channels: only these four functions, each checking its input before sending and the
 * reply before resolving.
 */
import { z } from 'zod';
import {
  COMMAND_CHANNEL,
  KioskCommand,
  type DisplayEvent,
  describeIssues,
  invokeChannels,
  ipcResultSchema,
  type ChannelArgs,
  type ChannelResult,
  type InvokeChannel,
} from './ipc-schemas.ts';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface KioskApi {
  getInfo(): Promise<ChannelResult<'kiosk:get-info'>>;
  reportDisplayEvent(event: DisplayEvent): Promise<void>;
  requestRestart(reason: string): Promise<ChannelResult<'kiosk:request-restart'>>;
  /** Subscribes to shell commands; returns the function that unsubscribes. */
  onCommand(callback: (command: KioskCommand) => void): () => void;
}

export class KioskIpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'KioskIpcError';
  }
}

async function call<C extends InvokeChannel>(
  ipc: IpcRendererLike,
  channel: C,
  ...args: ChannelArgs<C>
): Promise<ChannelResult<C>> {
  const spec = invokeChannels[channel];
  const parsedArgs = spec.args.safeParse(args);
  if (!parsedArgs.success) {
    throw new KioskIpcError('bad-arguments', `${channel}: ${describeIssues(parsedArgs.error)}`);
  }
  const reply = await ipc.invoke(channel, ...(parsedArgs.data as unknown[]));
  const parsedReply = ipcResultSchema(spec.result as z.ZodType).safeParse(reply);
  if (!parsedReply.success) {
    throw new KioskIpcError('bad-reply', `${channel}: ${describeIssues(parsedReply.error)}`);
  }
  if (!parsedReply.data.ok)
    throw new KioskIpcError(parsedReply.data.error.code, parsedReply.data.error.message);
  return parsedReply.data.value as ChannelResult<C>;
}

export function createKioskApi(ipc: IpcRendererLike, log: (message: string) => void = () => {}): KioskApi {
  return {
    getInfo: () => call(ipc, 'kiosk:get-info'),
    reportDisplayEvent: async (event) => {
      await call(ipc, 'kiosk:report-display-event', event);
    },
    requestRestart: (reason) => call(ipc, 'kiosk:request-restart', { reason }),
    onCommand: (callback) => {
      if (typeof callback !== 'function')
        throw new KioskIpcError('bad-arguments', 'onCommand needs a function');
      const listener = (_event: unknown, raw: unknown) => {
        const parsed = KioskCommand.safeParse(raw);
        if (!parsed.success) {
          log(`ignored a malformed shell command: ${describeIssues(parsed.error)}`);
          return;
        }
        callback(parsed.data);
      };
      ipc.on(COMMAND_CHANNEL, listener);
      return () => {
        ipc.removeListener(COMMAND_CHANNEL, listener);
      };
    },
  };
}
