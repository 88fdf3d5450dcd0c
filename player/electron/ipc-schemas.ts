/**
 * The whole IPC surface between the kiosk window and the main process, as zod schemas.
 * Both sides parse with the same schemas: the preload checks what the page passes in and what
 * comes back, the main process checks every argument again (a compromised renderer can call
 * ipcRenderer directly) and every reply is `{ ok: true, value } | { ok: false, error }`.
 *
 * Deliberately small. The display page gets its schedule, media and play reporting from the
 * player core over local HTTP/WebSocket, because the same page must also work in a plain
 * Chromium kiosk (browser mode) where there is no preload at all. Only what concerns the
 * Electron shell itself (its version, a restart request, shell commands) goes through here.
 *
 * Pure: zod only, no `electron`, no `node:`; bundled into the sandboxed preload.
 */
import { z } from 'zod';

export const KioskInfo = z.object({
  /** The player's version (package.json), as published in the update feed. */
  version: z.string().min(1).max(64),
  electron: z.string().min(1).max(64),
  chrome: z.string().min(1).max(64),
  platform: z.string().min(1).max(32),
  arch: z.string().min(1).max(32),
  /** Restarts in the current cap window: a screen that keeps crashing shows it in diagnostics. */
  recentRestarts: z.number().int().nonnegative(),
});
export type KioskInfo = z.infer<typeof KioskInfo>;

/** What the display page tells the shell; the shell logs it next to its own restarts and updates. */
export const DisplayEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('state'), state: z.string().regex(/^[a-z][a-z-]{0,31}$/) }),
  z.object({ type: z.literal('error'), message: z.string().min(1).max(500) }),
]);
export type DisplayEvent = z.infer<typeof DisplayEvent>;

export const RestartRequest = z.object({ reason: z.string().min(1).max(200) });
export type RestartRequest = z.infer<typeof RestartRequest>;

/** What the restart guard did with a request; 'wait' means the restart cap is reached. */
export const RestartOutcome = z.enum(['reload', 'relaunch', 'wait']);
export type RestartOutcome = z.infer<typeof RestartOutcome>;

/** Messages from the shell to the page (the page may show a notice before the shell acts). */
export const KioskCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('update-ready'), version: z.string().min(1).max(64) }),
  z.object({ type: z.literal('will-restart'), reason: z.string().min(1).max(200) }),
]);
export type KioskCommand = z.infer<typeof KioskCommand>;

/** Channel name -> argument tuple and reply value: the one typed map both sides use. */
export const invokeChannels = {
  'kiosk:get-info': { args: z.tuple([]), result: KioskInfo },
  'kiosk:report-display-event': { args: z.tuple([DisplayEvent]), result: z.null() },
  'kiosk:request-restart': { args: z.tuple([RestartRequest]), result: RestartOutcome },
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type ChannelArgs<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['args']>;
export type ChannelResult<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['result']>;

export const COMMAND_CHANNEL = 'kiosk:command';

export const IpcErrorCode = z.enum(['bad-arguments', 'forbidden-sender', 'failed', 'bad-reply']);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

export const IpcError = z.object({ code: IpcErrorCode, message: z.string().max(1000) });
export type IpcError = z.infer<typeof IpcError>;

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

export function ipcResultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: IpcError }),
  ]);
}

/** A short, human-readable summary of a zod failure (path: message; ...). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
