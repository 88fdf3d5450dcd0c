/**
 * Configuration is parsed once, here, from flags and environment variables; nothing else in the
 * server reads process.env or process.argv. Flags win over the environment.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseIsoInstant } from '#shared/time.ts';

const Config = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    dataDir: z.string().min(1).default('data'),
    playlistsDir: z.string().min(1).default('playlists'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Start the clock at this instant (ISO 8601 with offset), to replay the 2024 campaign. */
    clock: z
      .string()
      .refine(
        (s) => parseIsoInstant(s) !== null,
        'expected an ISO 8601 instant with an offset, e.g. 2024-09-05T07:55:00+07:00',
      )
      .optional(),
    /** How many times faster than real time the --clock runs (1 = real speed). */
    clockRate: z.coerce.number().min(0).max(100000).default(1),
    /** Password for the first campaign-manager account; printed once when generated. */
    adminPassword: z.string().min(12, 'IHANOI_ADMIN_PASSWORD must be at least 12 characters').optional(),
    /** Maximum size of an uploaded video, in megabytes. */
    maxUploadMb: z.coerce.number().positive().default(500),
    cron: z.enum(['on', 'off']).default('on'),
    /** Where alert e-mails go out, e.g. smtp://user:pass@mail.example.vn:587; unset = console only. */
    smtpUrl: z
      .string()
      .refine((s) => /^smtps?:\/\//.test(s), 'expected smtp://host:port or smtps://host:port')
      .optional(),
    mailFrom: z.string().min(3).default('iHanoi signage <signage@localhost>'),
    /** A screen offline longer than this raises an alert to the people responsible for its site. */
    alertOfflineMinutes: z.coerce.number().int().min(1).max(10_080).default(30),
    /** A CAP 1.2 alert URL polled every minute; imported alerts wait for approval (decision 013). */
    capUrl: z.url().optional(),
    /** A socket that has sent neither hello, pair_request nor enrol by then is closed. */
    wsHandshakeTimeoutMs: z.coerce.number().int().min(10).max(600_000).default(10_000),
    /**
     * A socket that said hello and was not welcomed by then is closed, so the player reconnects.
     * The welcome waits for the commit that records the session; in a reconnect storm that
     * commit queues behind groups of backlog plays, so the bound is generous: it frees a socket
     * stuck on a stalled disk, not one in a busy queue.
     */
    wsWelcomeTimeoutMs: z.coerce.number().int().min(10).max(600_000).default(30_000),
    /** Player sockets not yet authenticated (no hello welcomed), per client address and in all. */
    wsMaxStrangersPerAddress: z.coerce.number().int().min(1).max(100_000).default(20),
    wsMaxStrangers: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
    /** HTTP: a connection idle this long (headers or body stalled) is cut; 0 = never. */
    httpIdleTimeoutMs: z.coerce.number().int().min(0).default(30_000),
    /** HTTP: the request line and headers must arrive within this. */
    httpHeadersTimeoutMs: z.coerce.number().int().min(10).default(10_000),
    /** HTTP: a whole request (an upload included) must arrive within this; 0 = never. */
    httpRequestTimeoutMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(15 * 60_000),
    /** HTTP: an idle keep-alive connection is closed after this. */
    httpKeepAliveTimeoutMs: z.coerce.number().int().min(10).default(5_000),
    /**
     * The address people type to reach the console, when it differs from host:port (a reverse
     * proxy). An https:// URL makes the session cookie Secure; its origin is accepted for writes.
     */
    publicUrl: z
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'expected an http:// or https:// URL')
      .transform((u) => new URL(u).origin)
      .optional(),
    /** The shortest and longest media accepted, in seconds: a 136-year or 1 ms "video" is not one. */
    mediaMinSeconds: z.coerce.number().positive().default(1),
    mediaMaxSeconds: z.coerce.number().positive().default(3600),
    /** Believe X-Forwarded-For/-Proto/-Host from the proxy in front (only behind one). */
    trustProxy: z
      .union([
        z.boolean(),
        z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => ['on', 'true', '1'].includes(v)),
      ])
      .default(false),
  })
  .refine((c) => c.mediaMinSeconds < c.mediaMaxSeconds, {
    error: '--media-min-seconds must be below --media-max-seconds',
    path: ['mediaMinSeconds'],
  });
export type Config = z.infer<typeof Config>;

const OPTIONS = {
  host: { env: 'HOST', help: 'address to listen on', def: '127.0.0.1' },
  port: { env: 'PORT', help: 'port to listen on', def: '8080' },
  'data-dir': { env: 'IHANOI_DATA_DIR', help: 'where signage.db, media and reports live', def: 'data' },
  'playlists-dir': {
    env: 'IHANOI_PLAYLISTS_DIR',
    help: 'campaign definitions loaded at start',
    def: 'playlists',
  },
  'log-level': { env: 'LOG_LEVEL', help: 'fatal|error|warn|info|debug|trace|silent', def: 'info' },
  clock: {
    env: 'IHANOI_CLOCK',
    help: 'start the clock at an ISO instant, e.g. 2024-09-05T07:55:00+07:00',
    def: 'real time',
  },
  'clock-rate': {
    env: 'IHANOI_CLOCK_RATE',
    help: 'speed of the --clock (1 = real speed, 60 = a minute per second)',
    def: '1',
  },
  'admin-password': {
    env: 'IHANOI_ADMIN_PASSWORD',
    help: 'password of the first campaign manager (else one is generated and printed once)',
    def: 'generated',
  },
  'max-upload-mb': { env: 'IHANOI_MAX_UPLOAD_MB', help: 'largest video upload accepted, in MB', def: '500' },
  cron: { env: 'IHANOI_CRON', help: 'on|off: run the scheduled jobs', def: 'on' },
  'smtp-url': {
    env: 'IHANOI_SMTP_URL',
    help: 'SMTP server for alert e-mails (smtp://user:pass@host:port)',
    def: 'none',
  },
  'mail-from': {
    env: 'IHANOI_MAIL_FROM',
    help: 'sender of alert e-mails',
    def: 'iHanoi signage <signage@localhost>',
  },
  'alert-offline-minutes': {
    env: 'IHANOI_ALERT_OFFLINE_MINUTES',
    help: 'alert when a screen is offline longer than this',
    def: '30',
  },
  'cap-url': {
    env: 'IHANOI_CAP_URL',
    help: 'CAP 1.2 alert URL to poll each minute (alerts wait for approval)',
    def: 'none',
  },
  'ws-handshake-timeout-ms': {
    env: 'IHANOI_WS_HANDSHAKE_TIMEOUT_MS',
    help: 'close a player socket that sends no hello/pair_request/enrol in this time',
    def: '10000',
  },
  'ws-welcome-timeout-ms': {
    env: 'IHANOI_WS_WELCOME_TIMEOUT_MS',
    help: 'close a player socket not welcomed this long after its hello',
    def: '5000',
  },
  'ws-max-strangers-per-address': {
    env: 'IHANOI_WS_MAX_STRANGERS_PER_ADDRESS',
    help: 'unauthenticated player sockets allowed per client address',
    def: '20',
  },
  'ws-max-strangers': {
    env: 'IHANOI_WS_MAX_STRANGERS',
    help: 'unauthenticated player sockets allowed in all',
    def: '1000',
  },
  'http-idle-timeout-ms': {
    env: 'IHANOI_HTTP_IDLE_TIMEOUT_MS',
    help: 'cut an HTTP connection whose headers or body stall this long (0 = never)',
    def: '30000',
  },
  'http-headers-timeout-ms': {
    env: 'IHANOI_HTTP_HEADERS_TIMEOUT_MS',
    help: 'time allowed for a request line and its headers',
    def: '10000',
  },
  'http-request-timeout-ms': {
    env: 'IHANOI_HTTP_REQUEST_TIMEOUT_MS',
    help: 'time allowed for a whole request, uploads included (0 = never)',
    def: '900000',
  },
  'http-keep-alive-timeout-ms': {
    env: 'IHANOI_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    help: 'close an idle keep-alive connection after this',
    def: '5000',
  },
  'public-url': {
    env: 'IHANOI_PUBLIC_URL',
    help: 'the URL people use, e.g. https://signage.hanoi.gov.vn (https makes the cookie Secure)',
    def: 'http://host:port',
  },
  'media-min-seconds': {
    env: 'IHANOI_MEDIA_MIN_SECONDS',
    help: 'shortest media accepted, in seconds',
    def: '1',
  },
  'media-max-seconds': {
    env: 'IHANOI_MEDIA_MAX_SECONDS',
    help: 'longest media accepted, in seconds',
    def: '3600',
  },
  'trust-proxy': {
    env: 'IHANOI_TRUST_PROXY',
    help: 'on|off: believe X-Forwarded-* headers (only behind a reverse proxy)',
    def: 'off',
  },
} as const;

export function helpText(): string {
  const lines = [
    'iHanoi signage server — máy chủ điều khiển màn hình iHanoi',
    '',
    'Usage: npm start -- [options]',
    '',
    'Options (flag / environment variable / default):',
  ];
  for (const [flag, o] of Object.entries(OPTIONS)) {
    lines.push(`  --${flag.padEnd(28)} ${o.env.padEnd(34)} ${o.help} (default: ${o.def})`);
  }
  lines.push('  --help                                 show this text');
  return lines.join('\n');
}

export class ConfigError extends Error {}

export function parseConfig(argv: string[], env: Record<string, string | undefined>): Config | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${helpText()}`);
  }
  if (values.help) return 'help';
  const pick = (flag: keyof typeof OPTIONS) =>
    (values[flag] as string | undefined) ?? env[OPTIONS[flag].env] ?? undefined;
  const raw = {
    host: pick('host'),
    port: pick('port'),
    dataDir: pick('data-dir'),
    playlistsDir: pick('playlists-dir'),
    logLevel: pick('log-level'),
    clock: pick('clock'),
    clockRate: pick('clock-rate'),
    adminPassword: pick('admin-password'),
    maxUploadMb: pick('max-upload-mb'),
    cron: pick('cron'),
    smtpUrl: pick('smtp-url'),
    mailFrom: pick('mail-from'),
    alertOfflineMinutes: pick('alert-offline-minutes'),
    capUrl: pick('cap-url'),
    wsHandshakeTimeoutMs: pick('ws-handshake-timeout-ms'),
    wsWelcomeTimeoutMs: pick('ws-welcome-timeout-ms'),
    wsMaxStrangersPerAddress: pick('ws-max-strangers-per-address'),
    wsMaxStrangers: pick('ws-max-strangers'),
    httpIdleTimeoutMs: pick('http-idle-timeout-ms'),
    httpHeadersTimeoutMs: pick('http-headers-timeout-ms'),
    httpRequestTimeoutMs: pick('http-request-timeout-ms'),
    httpKeepAliveTimeoutMs: pick('http-keep-alive-timeout-ms'),
    publicUrl: pick('public-url'),
    trustProxy: pick('trust-proxy'),
    mediaMinSeconds: pick('media-min-seconds'),
    mediaMaxSeconds: pick('media-max-seconds'),
  };
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Cấu hình không hợp lệ / Invalid configuration:\n${msg}\n\n${helpText()}`);
  }
  const c = parsed.data;
  return { ...c, dataDir: resolve(c.dataDir), playlistsDir: resolve(c.playlistsDir) };
}

/** Config for tests and tools: defaults plus what they pass. */
export function testConfig(overrides: Partial<Config> & { dataDir: string }): Config {
  return Config.parse({ logLevel: 'silent', cron: 'off', port: 0, ...overrides });
}
