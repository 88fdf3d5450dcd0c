/**
 * Start at login, so a screen PC that lost power comes back to the video by itself.
 *
 * Windows (and macOS): a login item through app.setLoginItemSettings.
 * Linux: an XDG autostart entry ~/.config/autostart/ihanoi-player.desktop pointing at the
 * running binary (for an AppImage that is $APPIMAGE, not the temporary mount). The .deb also
 * installs the same entry system-wide in /etc/xdg/autostart and a systemd user unit; the user
 * file has the same name, so it overrides the system one rather than starting a second copy.
 * When the player runs under that systemd unit, the XDG entry is written disabled so the two
 * launchers never race (the single-instance lock would stop the loser, and systemd's
 * Restart=always would keep restarting it).
 */
import { join } from 'node:path';

export const DESKTOP_FILE_NAME = 'ihanoi-player.desktop';

export interface DesktopEntryInput {
  name: string;
  /** English comment (the default locale) and its Vietnamese twin. */
  comment: string;
  commentVi: string;
  /** argv of the command: the binary first, then its arguments. */
  exec: readonly string[];
  icon?: string;
  /** Written as Hidden=true: the entry exists but does not start anything. */
  disabled?: boolean;
}

/**
 * Quotes one argument of an Exec key (Desktop Entry Specification, "The Exec key"):
 * reserved characters force double quotes, inside which " ` $ and \ take a backslash.
 */
export function quoteExecArgument(arg: string): string {
  if (/[\r\n]/.test(arg)) throw new Error('a desktop entry argument cannot contain a line break');
  if (arg !== '' && /^[A-Za-z0-9_\-./:+,@=]+$/.test(arg)) return arg;
  return `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/** Escapes a value of type string/localestring (\\ for backslash) and field codes (%%). */
function escapeValue(value: string, kind: 'string' | 'exec'): string {
  if (/[\r\n]/.test(value)) throw new Error('a desktop entry value cannot contain a line break');
  const escaped = value.replace(/\\/g, '\\\\');
  return kind === 'exec' ? escaped.replace(/%/g, '%%') : escaped;
}

export function renderDesktopEntry(input: DesktopEntryInput): string {
  if (input.exec.length === 0) throw new Error('a desktop entry needs a command to run');
  const exec = input.exec.map(quoteExecArgument).join(' ');
  const lines = [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.4',
    `Name=${escapeValue(input.name, 'string')}`,
    `Comment=${escapeValue(input.comment, 'string')}`,
    `Comment[vi]=${escapeValue(input.commentVi, 'string')}`,
    `Exec=${escapeValue(exec, 'exec')}`,
    ...(input.icon ? [`Icon=${escapeValue(input.icon, 'string')}`] : []),
    'Terminal=false',
    'StartupNotify=false',
    'X-GNOME-Autostart-enabled=' + (input.disabled ? 'false' : 'true'),
    ...(input.disabled ? ['Hidden=true'] : []),
  ];
  return lines.join('\n') + '\n';
}

/** True when the text is an autostart entry someone switched off. */
export function isDisabledEntry(text: string): boolean {
  return /^Hidden\s*=\s*true\s*$/m.test(text) || /^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
}

/** systemd sets INVOCATION_ID for every unit it starts. */
export function isUnderSystemd(env: Readonly<Record<string, string | undefined>>): boolean {
  return typeof env.INVOCATION_ID === 'string' && env.INVOCATION_ID.length > 0;
}

/** The entry the player writes for itself; resources/ihanoi-player.desktop is this with /usr/bin/ihanoi-player. */
export function autostartEntry(binary: string, disabled = false): DesktopEntryInput {
  return {
    name: 'iHanoi Player',
    comment: 'iHanoi screen player: starts the campaign video at login',
    commentVi: 'Trình phát màn hình iHanoi: tự chạy video chiến dịch khi đăng nhập',
    exec: [binary],
    icon: 'ihanoi-player',
    disabled,
  };
}

export interface AutostartFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, options: { mode: number }): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
}

export interface AutostartHost {
  platform: string;
  /** Electron's app.setLoginItemSettings (Windows/macOS). */
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void;
  execPath: string;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  fs: AutostartFs;
}

export type AutostartResult =
  | { method: 'login-item' }
  | { method: 'xdg-autostart'; path: string; changed: boolean }
  | { method: 'left-disabled'; path: string }
  | { method: 'systemd'; path: string; changed: boolean }
  | { method: 'unsupported'; platform: string };

export async function enableAutostart(host: AutostartHost): Promise<AutostartResult> {
  if (host.platform === 'win32' || host.platform === 'darwin') {
    host.setLoginItemSettings({ openAtLogin: true, path: host.execPath, args: [] });
    return { method: 'login-item' };
  }
  if (host.platform !== 'linux') return { method: 'unsupported', platform: host.platform };

  const configHome = host.env.XDG_CONFIG_HOME || join(host.homeDir, '.config');
  const dir = join(configHome, 'autostart');
  const path = join(dir, DESKTOP_FILE_NAME);
  let existing: string | null = null;
  try {
    existing = await host.fs.readFile(path, 'utf8');
  } catch {
    existing = null;
  }
  const underSystemd = isUnderSystemd(host.env);
  if (!underSystemd && existing !== null && isDisabledEntry(existing)) {
    return { method: 'left-disabled', path };
  }
  const text = renderDesktopEntry(autostartEntry(host.env.APPIMAGE || host.execPath, underSystemd));
  const changed = existing !== text;
  if (changed) {
    await host.fs.mkdir(dir, { recursive: true });
    await host.fs.writeFile(path, text, { mode: 0o644 });
  }
  return underSystemd ? { method: 'systemd', path, changed } : { method: 'xdg-autostart', path, changed };
}
