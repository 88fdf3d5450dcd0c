import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SHELL_CONFIG,
  readConfigFiles,
  resolveShellConfig,
} from '../../../player/electron/config.ts';

describe('resolveShellConfig', () => {
  it('falls back to the defaults', () => {
    expect(resolveShellConfig({ argv: [], env: {}, files: [] })).toEqual(DEFAULT_SHELL_CONFIG);
  });

  it('layers shipped file < userData file < environment < flags', () => {
    const files = [
      ['/home/kiosk/.config/iHanoi Player/config.json', '{"serverUrl":"http://10.1.2.3:8080"}'],
      [
        '/opt/iHanoi Player/resources/player-config.json',
        '{"serverUrl":"https://signage.hanoi.example","timeZone":"Asia/Bangkok"}',
      ],
    ] as const;
    expect(resolveShellConfig({ argv: [], env: {}, files })).toMatchObject({
      serverUrl: 'http://10.1.2.3:8080',
      timeZone: 'Asia/Bangkok',
    });
    expect(
      resolveShellConfig({ argv: [], env: { IHANOI_SERVER_URL: 'http://127.0.0.1:9000' }, files }).serverUrl,
    ).toBe('http://127.0.0.1:9000');
    const c = resolveShellConfig({
      argv: [
        '/opt/iHanoi Player/ihanoi-player',
        '--server=http://127.0.0.1:7000',
        '--windowed',
        '--devtools',
      ],
      env: { IHANOI_SERVER_URL: 'http://127.0.0.1:9000' },
      files,
    });
    expect(c).toMatchObject({ serverUrl: 'http://127.0.0.1:7000', windowed: true, allowDevTools: true });
  });

  it('says which file and field to fix', () => {
    expect(() =>
      resolveShellConfig({ argv: [], env: {}, files: [['/u/config.json', '{"serverUrl": ']] }),
    ).toThrow(/\/u\/config.json is not valid JSON/);
    expect(() =>
      resolveShellConfig({ argv: [], env: {}, files: [['/u/config.json', '{"serverUrl":"ftp://x"}']] }),
    ).toThrow(/\/u\/config.json: serverUrl: .*http/);
    expect(() =>
      resolveShellConfig({ argv: [], env: {}, files: [['/u/config.json', '{"serverURL":"http://x"}']] }),
    ).toThrow(/\/u\/config.json/);
    expect(() => resolveShellConfig({ argv: [], env: { IHANOI_TIME_ZONE: 'Hanoi' }, files: [] })).toThrow(
      /timeZone: .*IANA/,
    );
    expect(() => resolveShellConfig({ argv: ['--server=javascript:alert(1)'], env: {}, files: [] })).toThrow(
      /serverUrl/,
    );
  });

  it('accepts the shipped resources/player-config.json', () => {
    const text = readFileSync(
      new URL('../../../player/electron/resources/player-config.json', import.meta.url),
      'utf8',
    );
    const c = resolveShellConfig({ argv: [], env: {}, files: [['player-config.json', text]] });
    expect(c.serverUrl).toMatch(/^https?:\/\//);
  });
});

describe('readConfigFiles', () => {
  it('returns the files that exist, in order, and fails loudly on any other read error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shell-config-'));
    try {
      writeFileSync(join(dir, 'b.json'), '{}');
      expect(readConfigFiles([join(dir, 'a.json'), join(dir, 'b.json')], fs)).toEqual([
        [join(dir, 'b.json'), '{}'],
      ]);
      expect(() => readConfigFiles([dir], fs)).toThrow(/cannot read/); // a directory: EISDIR
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
