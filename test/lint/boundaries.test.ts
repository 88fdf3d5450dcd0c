/**
 * The layering rules in eslint.config.js, shown failing on deliberate violations. Each snippet is
 * linted as if it sat at the given path; only the boundary rules run (they need no type
 * information, so the snippet does not have to exist on disk).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => BOUNDARY_RULES.has(ruleId),
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('layering is checked by the linter', () => {
  it('a route cannot import better-sqlite3 or the db module', async () => {
    expect(
      await problems(
        'server/routes/violation.ts',
        "import Database from 'better-sqlite3';\nvoid Database;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*repositories or services/)]);
    expect(
      await problems(
        'server/routes/violation.ts',
        "import { openDb } from '../db/index.ts';\nvoid openDb;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
    // The same import is fine in a repository.
    expect(
      await problems(
        'server/repositories/fine.ts',
        "import Database from 'better-sqlite3';\nvoid Database;\n",
      ),
    ).toEqual([]);
  });

  it('shared/ cannot import from server/, player/ or Node', async () => {
    for (const spec of [
      '#server/app.ts',
      '../server/app.ts',
      '#player/core/index.ts',
      'node:fs',
      'fs',
      'ws',
    ]) {
      expect(await problems('shared/violation.ts', `import * as m from '${spec}';\nvoid m;\n`), spec).toEqual(
        [expect.stringMatching(/^no-restricted-imports: .*shared\/ is pure TypeScript/)],
      );
    }
    expect(
      await problems(
        'shared/fine.ts',
        "import { z } from 'zod';\nimport { Instant } from './schemas/domain.ts';\nvoid z;\nvoid Instant;\n",
      ),
    ).toEqual([]);
  });

  it('only shared/clock.ts reads the system time', async () => {
    const code =
      'export const a = Date.now();\nexport const b = new Date();\nexport const c = Date();\nexport const d = new Date(0);\n';
    for (const path of ['server/cron/violation.ts', 'player/core/violation.ts', 'shared/violation.ts']) {
      const found = await problems(path, code);
      expect(found, path).toHaveLength(3);
      expect(found.every((p) => p.startsWith('no-restricted-syntax: Only shared/clock.ts'))).toBe(true);
    }
    expect(await problems('shared/clock.ts', code)).toEqual([]);
  });
});
