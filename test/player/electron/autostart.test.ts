import * as fsp from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DESKTOP_FILE_NAME,
  autostartEntry,
  enableAutostart,
  isDisabledEntry,
  isUnderSystemd,
  quoteExecArgument,
  renderDesktopEntry,
  type AutostartHost,
} from '../../../player/electron/autostart.ts';

describe('quoteExecArgument', () => {
  it.each([
    ['/usr/bin/ihanoi-player', '/usr/bin/ihanoi-player'],
    ['/opt/iHanoi Player/ihanoi-player', '"/opt/iHanoi Player/ihanoi-player"'],
    ['/home/kiosk/Tải về/a"b', '"/home/kiosk/Tải về/a\\"b"'],
    ['$HOME/`id`', '"\\$HOME/\\`id\\`"'],
    ['C:\\x', '"C:\\\\x"'],
    ['a;rm -rf ~', '"a;rm -rf ~"'],
    ['', '""'],
  ])('%s -> %s', (arg, quoted) => {
    expect(quoteExecArgument(arg)).toBe(quoted);
  });

  it('refuses line breaks, which would start a new key', () => {
    expect(() => quoteExecArgument('/tmp/x\nExec=/bin/evil')).toThrow(/line break/);
  });
});

describe('renderDesktopEntry', () => {
  it('renders a valid autostart entry with an English and a Vietnamese comment', () => {
    const text = renderDesktopEntry(
      autostartEntry('/home/kiosk/Applications/ihanoi-player-0.1.0-linux-x86_64.AppImage'),
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('[Desktop Entry]');
    expect(lines).toContain('Type=Application');
    expect(lines).toContain('Name=iHanoi Player');
    expect(lines).toContain('Exec=/home/kiosk/Applications/ihanoi-player-0.1.0-linux-x86_64.AppImage');
    expect(lines).toContain('X-GNOME-Autostart-enabled=true');
    expect(lines.some((l) => l.startsWith('Comment[vi]=Trình phát màn hình iHanoi'))).toBe(true);
    expect(lines.some((l) => l.startsWith('Hidden='))).toBe(false);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('applies the string escape after the Exec quoting, and doubles % field codes', () => {
    const text = renderDesktopEntry({ ...autostartEntry('/opt/a\\b $x'), exec: ['/opt/a\\b $x', '100%'] });
    // quoted: "/opt/a\\b \$x" then string-escaped: every backslash doubled
    expect(text).toContain('Exec="/opt/a\\\\\\\\b \\\\$x" "100%%"\n');
  });

  it('writes a disabled entry as Hidden=true', () => {
    const text = renderDesktopEntry(autostartEntry('/usr/bin/ihanoi-player', true));
    expect(isDisabledEntry(text)).toBe(true);
    expect(text).toContain('X-GNOME-Autostart-enabled=false\n');
  });

  it('refuses an empty command and multi-line values', () => {
    expect(() => renderDesktopEntry({ ...autostartEntry('/x'), exec: [] })).toThrow();
    expect(() => renderDesktopEntry({ ...autostartEntry('/x'), name: 'a\nExec=/bin/sh' })).toThrow(
      /line break/,
    );
  });

  it('is exactly what the packaged resources/ihanoi-player.desktop ships', () => {
    const shipped = readFileSync(
      new URL('../../../player/electron/resources/ihanoi-player.desktop', import.meta.url),
      'utf8',
    );
    expect(shipped).toBe(renderDesktopEntry(autostartEntry('/usr/bin/ihanoi-player')));
  });
});

describe('the packaged systemd user unit', () => {
  it('restarts always, never hits the start limit, and runs the installed binary', () => {
    const unit = readFileSync(
      new URL('../../../player/electron/resources/ihanoi-player.service', import.meta.url),
      'utf8',
    );
    const keys = unit.split('\n').filter((l) => /^\w+=/.test(l));
    expect(keys).toContain('Restart=always');
    expect(keys).toContain('ExecStart=/usr/bin/ihanoi-player');
    expect(keys).toContain('StartLimitIntervalSec=0');
    expect(keys).toContain('WantedBy=graphical-session.target');
  });
});

describe('isUnderSystemd', () => {
  it('reads INVOCATION_ID', () => {
    expect(isUnderSystemd({ INVOCATION_ID: '5f1c0a3e2b7d4c6f9e8a1b2c3d4e5f60' })).toBe(true);
    expect(isUnderSystemd({ INVOCATION_ID: '' })).toBe(false);
    expect(isUnderSystemd({})).toBe(false);
  });
});

describe('enableAutostart', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'autostart-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  function host(overrides: Partial<AutostartHost> = {}) {
    const loginItems: unknown[] = [];
    const h: AutostartHost = {
      platform: 'linux',
      setLoginItemSettings: (s) => loginItems.push(s),
      execPath: '/opt/iHanoi Player/ihanoi-player',
      env: {},
      homeDir: home,
      fs: fsp,
      ...overrides,
    };
    return { h, loginItems };
  }

  it('uses a login item on Windows and touches no files', async () => {
    const { h, loginItems } = host({
      platform: 'win32',
      execPath: 'C:\\Program Files\\iHanoi Player\\iHanoi Player.exe',
    });
    await expect(enableAutostart(h)).resolves.toEqual({ method: 'login-item' });
    expect(loginItems).toEqual([
      { openAtLogin: true, path: 'C:\\Program Files\\iHanoi Player\\iHanoi Player.exe', args: [] },
    ]);
    await expect(fsp.readdir(home)).resolves.toEqual([]);
  });

  it('writes ~/.config/autostart/ihanoi-player.desktop for the .deb binary, once', async () => {
    const { h } = host();
    const first = await enableAutostart(h);
    const path = join(home, '.config', 'autostart', DESKTOP_FILE_NAME);
    expect(first).toEqual({ method: 'xdg-autostart', path, changed: true });
    expect(readFileSync(path, 'utf8')).toContain('Exec="/opt/iHanoi Player/ihanoi-player"\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    await expect(enableAutostart(h)).resolves.toEqual({ method: 'xdg-autostart', path, changed: false });
  });

  it('points at $APPIMAGE, not the temporary mount, and honours XDG_CONFIG_HOME', async () => {
    const xdg = join(home, 'xdg');
    const { h } = host({
      execPath: '/tmp/.mount_ihanoiXyZ/ihanoi-player',
      env: { APPIMAGE: '/home/kiosk/ihanoi-player-0.1.0-linux-x86_64.AppImage', XDG_CONFIG_HOME: xdg },
    });
    const r = await enableAutostart(h);
    expect(r).toMatchObject({ method: 'xdg-autostart', path: join(xdg, 'autostart', DESKTOP_FILE_NAME) });
    expect(readFileSync(join(xdg, 'autostart', DESKTOP_FILE_NAME), 'utf8')).toContain(
      'Exec=/home/kiosk/ihanoi-player-0.1.0-linux-x86_64.AppImage\n',
    );
  });

  it('leaves an entry that someone switched off alone', async () => {
    const dir = join(home, '.config', 'autostart');
    mkdirSync(dir, { recursive: true });
    const disabled =
      '[Desktop Entry]\nType=Application\nName=iHanoi Player\nExec=/usr/bin/ihanoi-player\nHidden=true\n';
    writeFileSync(join(dir, DESKTOP_FILE_NAME), disabled);
    const { h } = host();
    await expect(enableAutostart(h)).resolves.toEqual({
      method: 'left-disabled',
      path: join(dir, DESKTOP_FILE_NAME),
    });
    expect(readFileSync(join(dir, DESKTOP_FILE_NAME), 'utf8')).toBe(disabled);
  });

  it('switches the XDG entry off when systemd is the launcher', async () => {
    const { h } = host({ env: { INVOCATION_ID: 'abc123' } });
    const r = await enableAutostart(h);
    expect(r).toMatchObject({ method: 'systemd', changed: true });
    const text = readFileSync(join(home, '.config', 'autostart', DESKTOP_FILE_NAME), 'utf8');
    expect(isDisabledEntry(text)).toBe(true);
  });

  it('says so on a platform it cannot handle', async () => {
    const { h } = host({ platform: 'freebsd' });
    await expect(enableAutostart(h)).resolves.toEqual({ method: 'unsupported', platform: 'freebsd' });
  });
});
