/**
 * The Electron shell's configuration, parsed once with zod. Sources, strongest first:
 * command-line flags (--server=URL, --windowed, --devtools), environment (IHANOI_SERVER_URL,
 * IHANOI_TIME_ZONE), config.json in userData (what an installer or IT person leaves behind),
 * then player-config.json shipped in the package's resources (set when building the installers
 * for one city's server). Nothing else in the shell reads process.env or argv.
 */
import { z } from 'zod';
import { TimeZone } from '../../shared/schemas/domain.ts';

const HttpUrl = z
  .url({ error: 'expected a full URL such as http://10.0.0.5:8080' })
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'the server URL must start with http:// or https://');

export const ShellConfig = z.object({
  serverUrl: HttpUrl,
  /** The site's zone, for the update quiet hours (the core learns the real one from its plan). */
  timeZone: TimeZone,
  /** Development: a normal window instead of the kiosk. */
  windowed: z.boolean(),
  allowDevTools: z.boolean(),
  /** 0: any free port on 127.0.0.1. */
  displayPort: z.number().int().min(0).max(65535),
});
export type ShellConfig = z.infer<typeof ShellConfig>;

const FileConfig = ShellConfig.partial().strict();

export const DEFAULT_SHELL_CONFIG: ShellConfig = {
  serverUrl: 'http://127.0.0.1:8080',
  timeZone: 'Asia/Ho_Chi_Minh',
  windowed: false,
  allowDevTools: false,
  displayPort: 0,
};

export interface ConfigSources {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Config files strongest first, as [path, text]; a missing file is simply not listed. */
  files: ReadonlyArray<readonly [string, string]>;
}

function flag(argv: readonly string[], name: string): string | true | undefined {
  for (const arg of argv) {
    if (arg === `--${name}`) return true;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** Reads the config files that exist, in the order given (strongest first). */
export function readConfigFiles(
  paths: readonly string[],
  fs: { readFileSync(path: string, encoding: 'utf8'): string },
): Array<readonly [string, string]> {
  const found: Array<readonly [string, string]> = [];
  for (const path of paths) {
    try {
      found.push([path, fs.readFileSync(path, 'utf8')] as const);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT')
        throw new Error(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
  return found;
}

/** Throws an Error whose message says which source and field to fix. */
export function resolveShellConfig(src: ConfigSources): ShellConfig {
  let merged: Record<string, unknown> = { ...DEFAULT_SHELL_CONFIG };
  for (const [path, text] of [...src.files].reverse()) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${path} is not valid JSON (${(err as Error).message}); fix or delete it`);
    }
    const parsed = FileConfig.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    merged = { ...merged, ...parsed.data };
  }
  if (src.env.IHANOI_SERVER_URL) merged.serverUrl = src.env.IHANOI_SERVER_URL;
  if (src.env.IHANOI_TIME_ZONE) merged.timeZone = src.env.IHANOI_TIME_ZONE;
  const server = flag(src.argv, 'server');
  if (typeof server === 'string') merged.serverUrl = server;
  if (flag(src.argv, 'windowed')) merged.windowed = true;
  if (flag(src.argv, 'devtools')) merged.allowDevTools = true;
  const parsed = ShellConfig.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `configuration: ${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(merged[String(issue.path[0])])})`,
    );
  }
  return parsed.data;
}
