import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { Media, MediaParams, listOf } from '#shared/schemas/api.ts';
import { AppError, notFound } from '../errors.ts';
import { hashToken } from '../auth/passwords.ts';
import { MediaStore, UploadTooLarge } from '../media/store.ts';
import { sniffVideoFile } from '../media/sniff.ts';
import { parseRange } from '#shared/http-range.ts';
import { mediaView } from './views.ts';

const TAGS = ['media'];
const VIDEO_TYPES = ['video/mp4', 'video/webm', 'application/octet-stream'];

const UploadQuery = z.object({
  /** The original file name, kept for people (the store names files by sha256). */
  name: z.string().trim().min(1).max(255).optional(),
});

/**
 * Media (video). Uploads are the raw bytes as the request body (Content-Type video/mp4,
 * video/webm or application/octet-stream), streamed to disk with a size limit and hashed on the
 * way. Serving supports ETag (= sha256) and single byte ranges, for players that resume.
 *
 * Reading bytes needs a user session or a screen credential (Bearer): the promo is public, but
 * the server should not be an open file host for whatever a manager uploads.
 */
const mediaRoutes: FastifyPluginAsyncZod = async (app) => {
  const store = new MediaStore(join(app.config.dataDir, 'media'));
  const limitBytes = Math.floor(app.config.maxUploadMb * 1024 * 1024);

  // Hand the body over as a stream; the route enforces its own limit while writing to disk.
  app.addContentTypeParser(VIDEO_TYPES, (_req, payload, done) => done(null, payload));

  const assertUserOrScreen = (request: FastifyRequest) => {
    if (request.user) return;
    const auth = request.headers.authorization;
    if (auth?.startsWith('Bearer ') && app.repos.screens.findByTokenHash(hashToken(auth.slice(7).trim())))
      return;
    throw new AppError(
      'UNAUTHENTICATED',
      'Cần đăng nhập hoặc mã xác thực của màn hình. / Log in, or send the screen credential as a Bearer token.',
    );
  };

  app.get(
    '/api/v1/media',
    { schema: { tags: TAGS, summary: 'Uploaded videos', response: { 200: listOf(Media) } } },
    async () => ({ items: app.repos.media.list().map(mediaView) }),
  );

  app.get(
    '/api/v1/media/:sha256/info',
    {
      schema: { tags: TAGS, summary: 'Facts about one video', params: MediaParams, response: { 200: Media } },
    },
    async (request) => {
      const row = app.repos.media.get(request.params.sha256);
      if (!row) throw notFound('video / media', request.params.sha256);
      return mediaView(row);
    },
  );

  app.post(
    '/api/v1/media',
    {
      config: { roles: ['campaign_manager'] },
      schema: {
        tags: TAGS,
        summary: `Upload a video as the raw request body (MP4 or WebM, at most ${app.config.maxUploadMb} MB)`,
        querystring: UploadQuery,
        response: { 201: Media, 200: Media },
      },
    },
    async (request, reply) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      const tooLarge = () =>
        new AppError(
          'MEDIA_TOO_LARGE',
          `Video vượt quá giới hạn ${app.config.maxUploadMb} MB. / The video is larger than ${app.config.maxUploadMb} MB; compress it or raise --max-upload-mb.`,
        );
      if (declared > limitBytes) throw tooLarge();
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw new AppError(
          'MEDIA_NOT_VIDEO',
          'Gửi video dưới dạng thân yêu cầu với Content-Type video/mp4 hoặc video/webm. / Send the video as the request body with Content-Type video/mp4 or video/webm.',
        );
      }
      let staged;
      try {
        staged = await store.stage(body, limitBytes);
      } catch (err) {
        if (err instanceof UploadTooLarge) throw tooLarge();
        throw err;
      }
      if (staged.bytes === 0) {
        store.discard(staged);
        throw new AppError(
          'MEDIA_NOT_VIDEO',
          'Tệp rỗng. / The upload is empty; choose an MP4 or WebM video.',
        );
      }
      const sniff = sniffVideoFile(staged.tmpPath);
      if (!sniff.ok) {
        store.discard(staged);
        throw new AppError(
          'MEDIA_NOT_VIDEO',
          `Tệp không phải video MP4/WebM dùng được: ${sniff.reason}. / The file is not a usable MP4 or WebM video: ${sniff.reason}.`,
        );
      }
      store.commit(staged);
      const added = app.repos.media.add(
        {
          sha256: staged.sha256,
          mime_type: sniff.facts.mimeType,
          duration_ms: sniff.facts.durationMs,
          bytes: staged.bytes,
          original_name:
            request.query.name ?? `upload.${sniff.facts.mimeType === 'video/mp4' ? 'mp4' : 'webm'}`,
        },
        request.user!.id,
      );
      void reply.status(added ? 201 : 200);
      return mediaView(app.repos.media.get(staged.sha256)!);
    },
  );

  app.get(
    '/api/v1/media/:sha256',
    {
      config: { access: 'public' },
      schema: {
        tags: TAGS,
        summary:
          'The video bytes. ETag is the sha256; supports If-None-Match (304) and Range (206/416). Needs a session or a screen credential.',
        params: MediaParams,
      },
    },
    async (request, reply) => {
      assertUserOrScreen(request);
      const sha = request.params.sha256;
      const row = app.repos.media.get(sha);
      if (!row || !store.has(sha)) throw notFound('video / media', sha);
      const size = store.size(sha);
      const etag = `"${sha}"`;
      void reply
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, max-age=31536000, immutable')
        .header('content-type', row.mime_type);
      const inm = request.headers['if-none-match'];
      if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
        return reply.status(304).send();
      }
      const ifRange = request.headers['if-range'] as string | undefined;
      const range =
        ifRange && ifRange.trim() !== etag
          ? { kind: 'none' as const }
          : parseRange(request.headers.range, size);
      if (range.kind === 'unsatisfiable') {
        void reply.header('content-range', `bytes */${size}`);
        throw new AppError(
          'RANGE_NOT_SATISFIABLE',
          `Khoảng byte không hợp lệ (tệp có ${size} byte). / The requested range is outside the file (${size} bytes).`,
        );
      }
      if (range.kind === 'range') {
        void reply
          .status(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', String(range.end - range.start + 1));
        return reply.send(createReadStream(store.pathOf(sha), { start: range.start, end: range.end }));
      }
      void reply.header('content-length', String(size));
      return reply.send(createReadStream(store.pathOf(sha)));
    },
  );
};
export default mediaRoutes;
