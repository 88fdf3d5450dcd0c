/**
 * Helpers for REST tests: a test server with the real playlists/ loaded, accounts of each role,
 * and a small fetch wrapper that logs in with a Bearer token.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Role } from '#shared/schemas/domain.ts';
import { accountService, type ScopeRef } from '#server/auth/accounts.ts';
import { runStartup } from '#server/startup.ts';
import type { Config } from '#server/config.ts';
import { startTestServer, type TestServer } from './server.ts';

export const PLAYLISTS_DIR = resolve('playlists');
export const TEST_PASSWORD = 'correct horse battery staple';
export const ADMIN_PASSWORD = 'admin password for tests';

/** A copy of playlists/ in a temp dir, for tests that edit the files. */
export function copyPlaylists(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ihanoi-playlists-')), 'playlists');
  cpSync(PLAYLISTS_DIR, dir, { recursive: true });
  return dir;
}

/** A real server with the iHanoi campaign loaded and `admin` (campaign manager) created. */
export async function startSeededServer(
  opts: { clockAt?: number; config?: Partial<Config> } = {},
): Promise<TestServer & { lines: string[] }> {
  const s = await startTestServer({
    clockAt: opts.clockAt,
    config: { playlistsDir: PLAYLISTS_DIR, adminPassword: ADMIN_PASSWORD, ...opts.config },
  });
  const lines: string[] = [];
  await runStartup(s.app, (l) => lines.push(l));
  return Object.assign(s, { lines });
}

export interface Res<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class Client {
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}

  async req<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Res<T>> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }
  get<T = any>(path: string) {
    return this.req<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.req<T>('POST', path, body ?? {});
  }
  patch<T = any>(path: string, body: unknown) {
    return this.req<T>('PATCH', path, body);
  }
}

export async function login(s: TestServer, username: string, password = TEST_PASSWORD): Promise<Client> {
  const res = await new Client(s.url).post('/api/v1/auth/login', { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return new Client(s.url, res.body.token);
}

/** Creates an account directly (no HTTP) and logs it in. */
export async function userClient(
  s: TestServer,
  username: string,
  role: Role,
  scopes: ScopeRef[] = [],
): Promise<Client> {
  await accountService(s.db, s.app.repos, s.clock).create(
    { username, displayName: username, role, password: TEST_PASSWORD, scopes },
    'test',
  );
  return login(s, username);
}

export const enc = encodeURIComponent;
