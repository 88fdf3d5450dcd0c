/**
 * Main-process side of the kiosk IPC. Each channel's handler receives arguments that have
 * already been parsed with the channel's schema, and only when the call comes from a frame on
 * the display page's origin; its return value is parsed again before it leaves, so nothing
 * unexpected reaches the page either.
 */
import {
  COMMAND_CHANNEL,
  KioskCommand,
  describeIssues,
  invokeChannels,
  type ChannelArgs,
  type ChannelResult,
  type InvokeChannel,
  type IpcResult,
} from './ipc-schemas.ts';
import { isAllowedNavigation } from './security.ts';

export type KioskHandlers = {
  [C in InvokeChannel]: (...args: ChannelArgs<C>) => ChannelResult<C> | Promise<ChannelResult<C>>;
};

/** The part of an IpcMainInvokeEvent we look at. */
export interface InvokeEventLike {
  senderFrame?: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Runs one call through sender check, argument parsing, the handler and reply parsing. */
export async function dispatch<C extends InvokeChannel>(
  channel: C,
  handler: KioskHandlers[C],
  event: InvokeEventLike,
  rawArgs: unknown[],
  allowedOrigin: string,
): Promise<IpcResult<ChannelResult<C>>> {
  const senderUrl = event.senderFrame?.url ?? '';
  if (!isAllowedNavigation(senderUrl, allowedOrigin)) {
    return {
      ok: false,
      error: { code: 'forbidden-sender', message: `calls are only accepted from ${allowedOrigin}` },
    };
  }
  const spec = invokeChannels[channel];
  const parsed = spec.args.safeParse(rawArgs);
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'bad-arguments', message: `${channel}: ${describeIssues(parsed.error)}` },
    };
  }
  let value: unknown;
  try {
    value = await (handler as (...a: unknown[]) => unknown)(...(parsed.data as unknown[]));
  } catch (err) {
    return {
      ok: false,
      error: { code: 'failed', message: err instanceof Error ? err.message : String(err) },
    };
  }
  const checked = spec.result.safeParse(value);
  if (!checked.success) {
    return {
      ok: false,
      error: { code: 'bad-reply', message: `${channel}: ${describeIssues(checked.error)}` },
    };
  }
  return { ok: true, value: checked.data as ChannelResult<C> };
}

/** Registers every channel; returns a function that removes them again. */
export function registerKioskIpc(
  ipcMain: IpcMainLike,
  handlers: KioskHandlers,
  allowedOrigin: string,
): () => void {
  const channels = Object.keys(invokeChannels) as InvokeChannel[];
  for (const channel of channels) {
    ipcMain.handle(channel, (event, ...args) =>
      dispatch(channel, handlers[channel], event, args, allowedOrigin),
    );
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

export interface CommandTarget {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** Sends a shell command to the page after checking it against the schema. */
export function sendKioskCommand(target: CommandTarget, command: KioskCommand): void {
  const parsed = KioskCommand.parse(command);
  if (!target.isDestroyed()) target.send(COMMAND_CHANNEL, parsed);
}
