/**
 * Configuration is parsed once, here, from flags and environment variables; nothing else in the
 * server reads process.env or process.argv. Flags win over the environment.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseIsoInstant } from '#shared/time.ts';

const Config = z.object({
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
    lines.push(`  --${flag.padEnd(16)} ${o.env.padEnd(22)} ${o.help} (default: ${o.def})`);
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
