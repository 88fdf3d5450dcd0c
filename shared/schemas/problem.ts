/**
 * The one error shape of the API: RFC 9457 problem+json with a stable `code`. Messages are
 * Vietnamese first, then English, and say what to do. `errors` lists field-level problems of a
 * request that failed validation, each with its JSON path.
 */
import { z } from 'zod';

export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  OUT_OF_SCOPE: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  ORIGIN_REJECTED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RESEND_REFUSED: 409,
  CAP_INVALID: 422,
  OVERRIDE_BELOW_TARGET: 422,
  OVERRIDE_INFEASIBLE: 422,
  PEAK_PROFILE_INFEASIBLE: 422,
  CAMPAIGN_INFEASIBLE: 422,
  PAIRING_CODE_INVALID: 422,
  MEDIA_NOT_VIDEO: 415,
  MEDIA_NOT_IMAGE: 415,
  MEDIA_TOO_LARGE: 413,
  MEDIA_DURATION_OUT_OF_RANGE: 422,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  SCHEMA_TOO_NEW: 500,
  SCHEMA_EDITED: 500,
  PLAYLIST_INVALID: 500,
  INTERNAL: 500,
  NOT_READY: 503,
  DATABASE_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * One field's problem. `path` (body.screenName) and `field` (screenName) are for programs: the
 * console puts `message` ("Vietnamese. / English.", naming the field as people know it) beside
 * the input named `field`.
 */
export const FieldError = z.object({
  path: z.string(),
  field: z.string().optional(),
  message: z.string(),
});

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(FieldError).optional(),
});
export type Problem = z.infer<typeof Problem>;

/** JSON path like $.sites[3].name from a zod issue path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return (
    '$' +
    path
      .map((p) =>
        typeof p === 'number'
          ? `[${p}]`
          : /^[A-Za-z_$][\w$]*$/.test(String(p))
            ? `.${String(p)}`
            : `[${JSON.stringify(String(p))}]`,
      )
      .join('')
  );
}
