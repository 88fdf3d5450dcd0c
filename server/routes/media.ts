import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  DEFAULT_IMAGE_DURATION_MS,
  Media,
  MEDIA_MIME_TYPES,
  MediaEntry,
  MediaLimits,
  MediaParams,
  MediaUploadQuery,
  UpdateMediaBody,
  listOf,
} from '#shared/schemas/api.ts';
import { AppError, notFound } from '../errors.ts';
import { MEDIA_CSP, MediaStore, UploadTooLarge } from '../media/store.ts';
import { sniffImageFile, sniffMediaFile } from '../media/sniff.ts';
import type { MediaRow } from '../repositories/media.ts';
import { parseRange } from '#shared/http-range.ts';
import { mediaEntryView, mediaView } from './views.ts';

const TAGS = ['media'];

/** A duration for people: "1 giờ" / "1 h", "90 giây" / "90 s", "49710 ngày" / "49710 days". */
function span(seconds: number, lang: 'vi' | 'en'): string {
  const units: [number, string, string][] = [
    [86_400, 'ngày', 'days'],
    [3600, 'giờ', 'h'],
    [60, 'phút', 'min'],
  ];
  for (const [size, vi, en] of units) {
    if (seconds >= size && Number.isInteger(seconds / size))
      return `${seconds / size} ${lang === 'vi' ? vi : en}`;
  }
  if (seconds >= 86_400) return `${Math.round(seconds / 86_400)} ${lang === 'vi' ? 'ngày' : 'days'}`;
  const s = Math.round(seconds * 1000) / 1000;
  return `${s} ${lang === 'vi' ? 'giây' : 's'}`;
}
const BODY_TYPES = [
  'video/mp4',
  'video/webm',
  'image/jpeg',
  'image/png',
  'image/webp',
  'application/octet-stream',
];
/** A thumbnail is a small still; anything bigger is not what the console sends. */
const THUMBNAIL_LIMIT_BYTES = 2 * 1024 * 1024;
const EXTENSION: Record<MediaRow['mime_type'], string> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};
/** Who may add to the library: managers for campaigns, venue staff and office heads for their loops. */
const UPLOADERS = ['campaign_manager', 'office_head', 'venue_staff'] as const;

/**
 * The media library: videos (MP4, WebM) and still images (JPEG, PNG, WebP). Uploads are the raw
 * bytes as the request body (any of those Content-Types or application/octet-stream), streamed
 * to disk with a size limit and hashed on the way; the bytes decide what the file is. Serving
 * supports ETag (= sha256) and single byte ranges, for players that resume.
 *
 * Thumbnails (docs/decisions/012-venue-loops.md): an image is its own; for a video the console
 * draws the first frame on a canvas after uploading and PUTs it as a JPEG, because the server
 * has no video decoder (no ffmpeg). Until then a video has none and the console shows a poster.
 *
 * Reading bytes needs a user session or a screen credential (Bearer): the promo is public, but
 * the server should not be an open file host for whatever a manager uploads.
 */
const mediaRoutes: FastifyPluginAsyncZod = async (app) => {
  const store = new MediaStore(join(app.config.dataDir, 'media'));
  const limitBytes = Math.floor(app.config.maxUploadMb * 1024 * 1024);

  // Hand the body over as a stream; the route enforces its own limit while writing to disk.
  app.addContentTypeParser(BODY_TYPES, (_req, payload, done) => done(null, payload));

  const getRow = (sha256: string): MediaRow => {
    const row = app.repos.media.get(sha256);
    if (!row) throw notFound('video / media', sha256);
    return row;
  };

  /** Managers may change any item; others only what they uploaded. */
  const assertMayEdit = (request: FastifyRequest, row: MediaRow) => {
    const user = request.user!;
    if (user.role === 'campaign_manager' || row.uploaded_by === user.id) return;
    throw new AppError(
      'FORBIDDEN',
      'Chỉ người tải lên hoặc quản lý chiến dịch được sửa mục này. / Only the uploader or a campaign manager may change this item.',
    );
  };

  /** Sends a stored file with ETag, If-None-Match and a single Range. */
  const sendStored = (
    request: FastifyRequest,
    reply: import('fastify').FastifyReply,
    sha: string,
    mimeType: string,
  ) => {
    const size = store.size(sha);
    const etag = `"${sha}"`;
    void reply
      .header('etag', etag)
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, max-age=31536000, immutable')
      // The type the bytes were sniffed as, never guessed again by the browser, and a sandbox in
      // case a polyglot file is opened as a page anyway.
      .header('content-type', mimeType)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', MEDIA_CSP);
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
  };

  app.get(
    '/api/v1/media',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'The media library: videos and images, each with where it is used',
        response: { 200: listOf(MediaEntry) },
      },
    },
    async () => {
      const usage = app.repos.media.usageAll();
      return { items: app.repos.media.list().map((r) => mediaEntryView(r, usage.get(r.sha256) ?? [])) };
    },
  );

  app.get(
    '/api/v1/media/limits',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'What the library takes: file types, the largest upload, and the duration range',
        response: { 200: MediaLimits },
      },
    },
    async () => ({
      maxUploadBytes: limitBytes,
      minSeconds: app.config.mediaMinSeconds,
      maxSeconds: app.config.mediaMaxSeconds,
      mimeTypes: [...MEDIA_MIME_TYPES],
      defaultImageSeconds: DEFAULT_IMAGE_DURATION_MS / 1000,
    }),
  );

  app.get(
    '/api/v1/media/:sha256/info',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Facts about one item and where it is used',
        params: MediaParams,
        response: { 200: MediaEntry },
      },
    },
    async (request) => {
      const row = getRow(request.params.sha256);
      return mediaEntryView(row, app.repos.media.usage(row.sha256));
    },
  );

  app.patch(
    '/api/v1/media/:sha256',
    {
      config: { access: 'write', roles: [...UPLOADERS] },
      schema: {
        tags: TAGS,
        summary: "Rename an item, or change an image's default display time (the uploader or a manager)",
        params: MediaParams,
        body: UpdateMediaBody,
        response: { 200: MediaEntry },
      },
    },
    async (request) => {
      const row = getRow(request.params.sha256);
      assertMayEdit(request, row);
      if (request.body.durationMs !== undefined && row.kind !== 'image') {
        throw new AppError(
          'VALIDATION_FAILED',
          'Chỉ ảnh có thời lượng hiển thị; độ dài video lấy từ tệp. / Only an image has a display time; a video lasts as long as its file.',
          [{ path: 'body.durationMs', message: 'only for images' }],
        );
      }
      const updated = app.repos.media.update(row.sha256, request.body, request.user!.id)!;
      // A loop item keeps the time it was saved with, so neither change re-plans anything.
      return mediaEntryView(updated, app.repos.media.usage(row.sha256));
    },
  );

  app.put(
    '/api/v1/media/:sha256/thumbnail',
    {
      config: { access: 'write', roles: [...UPLOADERS], bodyTypes: BODY_TYPES },
      schema: {
        tags: TAGS,
        summary:
          "Store a video's thumbnail: a JPEG, PNG or WebP of its first frame as the raw body (the console captures it)",
        params: MediaParams,
        response: { 200: Media },
      },
    },
    async (request) => {
      const row = getRow(request.params.sha256);
      assertMayEdit(request, row);
      if (row.kind !== 'video') {
        throw new AppError(
          'VALIDATION_FAILED',
          'Ảnh đã là hình thu nhỏ của chính nó. / An image is its own thumbnail.',
        );
      }
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') {
        throw new AppError(
          'MEDIA_NOT_IMAGE',
          'Gửi ảnh JPEG, PNG hoặc WebP làm thân yêu cầu. / Send a JPEG, PNG or WebP image as the request body.',
        );
      }
      let staged;
      try {
        staged = await store.stage(body, THUMBNAIL_LIMIT_BYTES);
      } catch (err) {
        if (err instanceof UploadTooLarge)
          throw new AppError('MEDIA_TOO_LARGE', 'Hình thu nhỏ quá 2 MB. / A thumbnail may be at most 2 MB.');
        throw err;
      }
      const sniff = staged.bytes > 0 ? sniffImageFile(staged.tmpPath) : null;
      if (!sniff?.ok) {
        store.discard(staged);
        const reason = sniff ? sniff.reason : 'an empty body';
        throw new AppError(
          'MEDIA_NOT_IMAGE',
          `Hình thu nhỏ không phải ảnh dùng được: ${reason}. / The thumbnail is not a usable image: ${reason}.`,
        );
      }
      store.commit(staged);
      app.repos.media.setThumbnail(row.sha256, staged.sha256, request.user!.id);
      return mediaView(app.repos.media.get(row.sha256)!);
    },
  );

  app.get(
    '/api/v1/media/:sha256/thumbnail',
    {
      config: { access: 'read', screens: true },
      schema: {
        tags: TAGS,
        summary:
          "A still of the item: an image itself, or its video's captured first frame (404 when none). Needs a session or a screen credential.",
        params: MediaParams,
      },
    },
    async (request, reply) => {
      const row = getRow(request.params.sha256);
      const thumb = row.kind === 'image' ? row.sha256 : row.thumbnail_sha256;
      if (!thumb || !store.has(thumb)) throw notFound('thumbnail / hình thu nhỏ', row.sha256);
      const sniffed = row.kind === 'image' ? null : sniffImageFile(store.pathOf(thumb));
      const mime = row.kind === 'image' ? row.mime_type : sniffed?.ok ? sniffed.facts.mimeType : 'image/jpeg';
      return sendStored(request, reply, thumb, mime);
    },
  );

  app.post(
    '/api/v1/media',
    {
      config: { access: 'write', roles: [...UPLOADERS], bodyTypes: BODY_TYPES },
      schema: {
        tags: TAGS,
        summary: `Upload a video (MP4, WebM) or an image (JPEG, PNG, WebP) as the raw request body, at most ${app.config.maxUploadMb} MB`,
        querystring: MediaUploadQuery,
        response: { 201: MediaEntry, 200: MediaEntry },
      },
    },
    async (request, reply) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      const tooLarge = () =>
        new AppError(
          'MEDIA_TOO_LARGE',
          `Tệp vượt quá giới hạn ${app.config.maxUploadMb} MB; hãy nén lại hoặc cắt ngắn. / The file is larger than ${app.config.maxUploadMb} MB; compress or shorten it, or raise --max-upload-mb.`,
        );
      if (declared > limitBytes) throw tooLarge();
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') {
        throw new AppError(
          'MEDIA_NOT_VIDEO',
          'Gửi tệp dưới dạng thân yêu cầu (video MP4/WebM hoặc ảnh JPEG/PNG/WebP). / Send the file as the request body: an MP4 or WebM video, or a JPEG, PNG or WebP image.',
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
          'Tệp rỗng. / The upload is empty; choose a video (MP4, WebM) or an image (JPEG, PNG, WebP).',
        );
      }
      const sniff = sniffMediaFile(staged.tmpPath);
      if (!sniff.ok) {
        store.discard(staged);
        throw new AppError(
          'MEDIA_NOT_VIDEO',
          `Tệp không phải video (MP4/WebM) hay ảnh (JPEG/PNG/WebP) dùng được: ${sniff.reason}. / The file is not a usable MP4 or WebM video, nor a JPEG, PNG or WebP image: ${sniff.reason}.`,
        );
      }
      const durationMs =
        sniff.kind === 'video'
          ? sniff.facts.durationMs
          : Math.round((request.query.durationS ?? DEFAULT_IMAGE_DURATION_MS / 1000) * 1000);
      const { mediaMinSeconds: minS, mediaMaxSeconds: maxS } = app.config;
      if (!(durationMs >= minS * 1000 && durationMs <= maxS * 1000)) {
        store.discard(staged);
        const vi = (s: number) => span(s, 'vi');
        const en = (s: number) => span(s, 'en');
        throw new AppError(
          'MEDIA_DURATION_OUT_OF_RANGE',
          `Thời lượng ${vi(durationMs / 1000)} nằm ngoài khoảng cho phép, từ ${vi(minS)} đến ${vi(maxS)}; hãy kiểm tra hoặc xuất lại tệp. / The duration ${en(durationMs / 1000)} is not between ${en(minS)} and ${en(maxS)}; check or re-export the file.`,
          undefined,
          { durationMs, minSeconds: minS, maxSeconds: maxS },
        );
      }
      // The row and the file stand or fall together: a row that cannot be written takes the
      // file it would have named with it (unless identical bytes were already stored).
      const existed = store.has(staged.sha256);
      store.commit(staged);
      const mime = sniff.facts.mimeType;
      let added: boolean;
      try {
        added = app.repos.media.add(
          {
            sha256: staged.sha256,
            kind: sniff.kind,
            mime_type: mime,
            duration_ms: durationMs,
            bytes: staged.bytes,
            original_name: request.query.name ?? `upload.${EXTENSION[mime]}`,
            width: sniff.kind === 'image' ? sniff.facts.width : null,
            height: sniff.kind === 'image' ? sniff.facts.height : null,
          },
          request.user!.id,
        );
      } catch (err) {
        if (!existed) store.remove(staged.sha256);
        throw err;
      }
      void reply.status(added ? 201 : 200);
      return mediaEntryView(app.repos.media.get(staged.sha256)!, app.repos.media.usage(staged.sha256));
    },
  );

  app.get(
    '/api/v1/media/:sha256',
    {
      config: { access: 'read', screens: true },
      schema: {
        tags: TAGS,
        summary:
          'The bytes of a video or image. ETag is the sha256; supports If-None-Match (304) and Range (206/416). Needs a session or a screen credential.',
        params: MediaParams,
      },
    },
    async (request, reply) => {
      const sha = request.params.sha256;
      const row = app.repos.media.get(sha);
      if (!row || !store.has(sha)) throw notFound('video / media', sha);
      return sendStored(request, reply, sha, row.mime_type);
    },
  );
};
export default mediaRoutes;
