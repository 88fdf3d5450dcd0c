/**
 * Media downloads for players: GET /player/v1/media/<sha256> with the screen's token as a Bearer
 * credential. Supports a single `Range: bytes=N-[M]` so an interrupted download resumes where
 * it stopped instead of starting a 500 MB video again.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseRange } from '#shared/http-range.ts';
import type { PairingRepository } from '../repositories/pairing.ts';
import { PLAYER_MEDIA_PREFIX } from './plan.ts';
import { MEDIA_CSP } from '../media/store.ts';

/** Where the content-addressed store keeps a media file (flat or fanned out by prefix). */
export function mediaFileOf(dataDir: string, sha256: string): string | undefined {
  const candidates = [join(dataDir, 'media', sha256), join(dataDir, 'media', sha256.slice(0, 2), sha256)];
  return candidates.find((p) => existsSync(p));
}

function problem(reply: FastifyReply, status: number, code: string, detail: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `https://ihanoi-signage.local/problems/${code.toLowerCase()}`,
      title: code,
      status,
      code,
      detail,
    });
}

export default async function playerMediaRoutes(app: FastifyInstance, opts: { pairing: PairingRepository }) {
  // The auth hook lets only a paired, unrevoked screen's Bearer credential through.
  const config = { access: 'player' as const };
  app.get<{ Params: { sha256: string } }>(
    `${PLAYER_MEDIA_PREFIX}:sha256`,
    { config },
    async (request, reply) => {
      const { sha256 } = request.params;
      const file = /^[0-9a-f]{64}$/.test(sha256) ? mediaFileOf(app.config.dataDir, sha256) : undefined;
      const row = file ? opts.pairing.media(sha256) : undefined;
      if (!file || !row)
        return problem(reply, 404, 'NOT_FOUND', `Không có tệp "${sha256}". / No media "${sha256}".`);
      const size = statSync(file).size;
      reply
        .header('accept-ranges', 'bytes')
        .header('content-type', row.mime_type)
        .header('content-security-policy', MEDIA_CSP)
        .header('etag', `"${sha256}"`);
      const range = parseRange(request.headers.range, size);
      if (range.kind === 'unsatisfiable') {
        reply.header('content-range', `bytes */${size}`);
        return problem(
          reply,
          416,
          'RANGE_NOT_SATISFIABLE',
          `Khoảng byte không hợp lệ (tệp có ${size} byte). / Range outside the file (${size} bytes).`,
        );
      }
      if (range.kind === 'range') {
        const { start, end } = range;
        reply
          .code(206)
          .header('content-range', `bytes ${start}-${end}/${size}`)
          .header('content-length', end - start + 1);
        return reply.send(createReadStream(file, { start, end }));
      }
      reply.header('content-length', size);
      return reply.send(createReadStream(file));
    },
  );
}
