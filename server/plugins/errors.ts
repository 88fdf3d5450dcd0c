import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, problemOf } from '../errors.ts';
import { describeIssue, validationDetail } from '../validation-text.ts';
import { environmentReason, isEnvironmentError, isUniqueViolation } from '../db/errors.ts';

/** Seconds a client should wait before trying a write again while the database is unavailable. */
const RETRY_AFTER_S = 5;

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
        const fieldErrors = err.validation.map((v) =>
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
        const e = err as { statusCode: number; message: string; code?: string };
        appErr = new AppError(
          e.statusCode === 413 ? 'MEDIA_TOO_LARGE' : e.statusCode === 415 ? 'MEDIA_NOT_VIDEO' : 'BAD_REQUEST',
          e.message,
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
      const e = new AppError(
        'NOT_FOUND',
        `Không có đường dẫn ${request.method} ${request.url}. / No route ${request.method} ${request.url}.`,
      );
      void reply.status(404).type('application/problem+json').send(problemOf(e, request.url));
    });
  },
  { name: 'errors' },
);
