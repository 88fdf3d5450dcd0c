import type { FastifyError, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, problemOf } from '../errors.ts';
import { describeIssue, validationDetail } from '../validation-text.ts';
import { environmentReason, isEnvironmentError, isUniqueViolation } from '../db/errors.ts';

/** Seconds a client should wait before trying a write again while the database is unavailable. */
const RETRY_AFTER_S = 5;

/** Fastify's own client errors, said in words a person can act on (Vietnamese, then English). */
function clientError(
  e: { statusCode: number; message: string; code?: string },
  config: { bodyLimit?: number },
): AppError {
  const limitMb = Math.round(((config.bodyLimit ?? 1_048_576) / 1_048_576) * 10) / 10;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'BODY_TOO_LARGE',
        `Nội dung gửi lên quá lớn (tối đa ${limitMb} MB); gửi ít dữ liệu hơn. Video tải lên ở POST /api/v1/media. / The request body is larger than ${limitMb} MB; send less (videos go to POST /api/v1/media).`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Kiểu nội dung không được nhận; gửi JSON với Content-Type: application/json. / This content type is not accepted; send JSON with Content-Type: application/json.',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(
        'BAD_REQUEST',
        'Thân yêu cầu trống; gửi một đối tượng JSON, ít nhất là {}. / The body is empty; send a JSON object, at least {}.',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(
        'BAD_REQUEST',
        'Độ dài nội dung không khớp với Content-Length; gửi lại. / The body does not match its Content-Length; send it again.',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return new AppError(
        'BAD_REQUEST',
        'Thân yêu cầu không phải JSON hợp lệ; kiểm tra dấu ngoặc và dấu phẩy. / The body is not valid JSON; check its brackets and commas.',
      );
  }
  if (e.statusCode === 400 && /JSON/i.test(e.message)) {
    return new AppError(
      'BAD_REQUEST',
      'Thân yêu cầu không phải JSON hợp lệ; kiểm tra dấu ngoặc và dấu phẩy. / The body is not valid JSON; check its brackets and commas.',
    );
  }
  if (e.statusCode === 413) return clientError({ ...e, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, config);
  if (e.statusCode === 415) return clientError({ ...e, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }, config);
  return new AppError(
    'BAD_REQUEST',
    `Yêu cầu không hợp lệ (${e.message}); sửa rồi gửi lại. / The request is invalid (${e.message}); fix it and send it again.`,
  );
}

/**
 * Methods registered for a path, for a 405 with Allow. Judged on registered patterns, with the
 * console's catch-all left out (it would claim every GET).
 */
function allowedMethods(routes: readonly { method: string; url: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const r of routes) {
    if (r.url === '/*' || r.url === '*') continue;
    const pattern = r.url
      .split('/')
      .map((seg) =>
        seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    if (new RegExp(`^${pattern}$`).test(path)) methods.add(r.method);
  }
  return [...methods].sort();
}

/**
 * One error handler for the whole API: every failure leaves as problem+json with a stable code.
 * 5xx details stay in the log, never in the response.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((err, request, reply) => {
      let appErr: AppError;
      if (err instanceof AppError) {
        appErr = err;
      } else if (hasZodFastifySchemaValidationErrors(err)) {
        const context = err.validationContext ?? 'body';
        // The guard's own type names fastify/types/schema, which fastify's exports map hides.
        const validation: readonly FastifySchemaValidationError[] = (err as FastifyError).validation ?? [];
        const fieldErrors = validation.map((v) =>
          describeIssue(context, {
            keyword: v.keyword,
            instancePath: v.instancePath,
            message: v.message,
            params: v.params,
          }),
        );
        appErr = new AppError('VALIDATION_FAILED', validationDetail(fieldErrors), fieldErrors);
      } else if (isEnvironmentError(err)) {
        // Another process holds the lock, or the disk is read-only or full: nothing is wrong with
        // the request, so it may be sent again. Logged once per request, without a stack.
        request.log.warn({ code: (err as { code?: string }).code, url: request.url }, 'database unavailable');
        app.dbHealth.failed(err);
        void reply.header('retry-after', String(RETRY_AFTER_S));
        appErr = new AppError(
          'DATABASE_UNAVAILABLE',
          `${environmentReason(err)}. Thử lại sau ít giây; không có gì bị thay đổi. / Try again in a few seconds; nothing was changed.`,
        );
      } else if (isUniqueViolation(err)) {
        // A check-then-insert lost a race: the constraint is the real check.
        appErr = new AppError(
          'CONFLICT',
          'Đã có một bản ghi trùng (tên hoặc mã đã được dùng). / That already exists (the name or id is taken).',
        );
      } else if (isResponseSerializationError(err)) {
        request.log.error({ err }, 'response did not match its schema');
        appErr = new AppError('INTERNAL', 'Lỗi máy chủ. / Internal server error.');
      } else if ((err as { statusCode?: number }).statusCode === 429) {
        appErr = new AppError(
          'RATE_LIMITED',
          'Quá nhiều yêu cầu, vui lòng thử lại sau. / Too many requests; try again later.',
        );
      } else if (
        typeof (err as { statusCode?: number }).statusCode === 'number' &&
        (err as { statusCode: number }).statusCode < 500
      ) {
        appErr = clientError(
          err as { statusCode: number; message: string; code?: string },
          app.initialConfig,
        );
      } else {
        request.log.error({ err }, 'unhandled error');
        appErr = new AppError(
          'INTERNAL',
          'Lỗi máy chủ; chi tiết đã được ghi vào nhật ký. / Internal server error; details are in the server log.',
        );
      }
      if (appErr.status >= 500 && err instanceof AppError) request.log.error({ err }, appErr.code);
      void reply.status(appErr.status).type('application/problem+json').send(problemOf(appErr, request.url));
    });
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allow = allowedMethods(app.routeAccess, path);
      // A route that exists for this method but found nothing (a missing file) is a plain 404.
      if (allow.length && !allow.includes(request.method)) {
        const e = new AppError(
          'METHOD_NOT_ALLOWED',
          `Đường dẫn ${path} không nhận ${request.method}; dùng ${allow.join(', ')}. / ${path} does not take ${request.method}; use ${allow.join(', ')}.`,
          undefined,
          { allow },
        );
        void reply
          .status(405)
          .header('allow', allow.join(', '))
          .type('application/problem+json')
          .send(problemOf(e, request.url));
        return;
      }
      const e = new AppError(
        'NOT_FOUND',
        `Không có đường dẫn ${request.method} ${path}; xem danh sách ở /docs. / No route ${request.method} ${path}; see /docs for the API.`,
      );
      void reply.status(404).type('application/problem+json').send(problemOf(e, request.url));
    });
  },
  { name: 'errors' },
);
