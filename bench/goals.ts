/**
 * The issue-13 goals as one table at the end of `npm run bench`: each bench reports its figure
 * beside its goal, and bench/main.ts prints them all side by side with the load average of the
 * machine while each bench ran (2 cores shared with other jobs: absolute times move with it;
 * the alternating ratios are the fair figures).
 */
import { loadavg } from 'node:os';

export interface GoalLine {
  /** The path measured, e.g. "push". */
  path: string;
  /** What was measured, with the baseline when there is one. */
  figure: string;
  /** The goal, as the issue states it. */
  goal: string;
  pass: boolean;
  /** Why it missed, when known, or what the figure leaves out. */
  note?: string;
}

const lines: GoalLine[] = [];
/** The load average when the bench that reported each line started. */
const loads: string[] = [];
let currentLoad = '';

export function goal(line: GoalLine): void {
  lines.push(line);
  loads.push(currentLoad);
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

/** bench/main.ts: the load average when the bench that reports next started. */
export function benchStarted(): void {
  currentLoad = load();
}

export function goalTable(): string {
  const rows = lines.map(
    (l, i) =>
      `| ${l.path} | ${l.figure} | ${l.goal} | ${l.pass ? 'PASS' : '**MISS**'} | ${loads[i]} |${l.note ? ` ${l.note} |` : ' |'}`,
  );
  return [
    '| path | measured | goal | | load at start | note |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export const goalCount = () => ({
  pass: lines.filter((l) => l.pass).length,
  miss: lines.filter((l) => !l.pass).length,
});

/** `--quick` runs a tenth of the size; a goal in time for the whole size scales with it. */
export const SIZE = process.argv.includes('--quick') ? 0.1 : 1;
