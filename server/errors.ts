import { ERROR_CODES, type ErrorCode, type Problem } from '#shared/schemas/problem.ts';
import { describeIssue, type FieldProblem } from './validation-text.ts';

/** An error a caller can act on. `message` is shown to people: Vietnamese first, then English. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: (Omit<FieldProblem, 'field'> & { field?: string })[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code];
  }
}

export function problemOf(err: AppError, instance?: string): Problem & Record<string, unknown> {
  return {
    type: `https://ihanoi-signage.local/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: err.code,
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...(err.fieldErrors
      ? {
          errors: err.fieldErrors.map((f) => ({
            ...f,
            field:
              f.field ??
              f.path
                .split('.')
                .filter((p) => !/^\d+$/.test(p))
                .at(-1) ??
              '',
          })),
        }
      : {}),
    ...(err.extra ?? {}),
  };
}

export const notFound = (what: string, id: string) =>
  new AppError('NOT_FOUND', `Không tìm thấy ${what} "${id}". / ${what} "${id}" was not found.`);

/**
 * A field's problem found by a route (not by the schema): `vi` and `en` say the rule without the
 * field's name, which is added as the console labels it.
 */
export function fieldError(path: string, vi: string, en: string): FieldProblem {
  const [context, ...rest] = path.split('.');
  return describeIssue(context ?? 'body', { instancePath: '/' + rest.join('/'), message: `${vi} / ${en}` });
}
