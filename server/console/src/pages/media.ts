/**
 * The media library (thư viện nội dung): every video and image with its thumbnail, kind,
 * duration and where it is used, and an upload with a real progress bar. A file the library
 * would refuse (wrong type, too big) is refused here before it is sent, saying what to do; the
 * server checks again and its refusals are shown in its own words.
 *
 * A video's thumbnail is drawn here (docs/decisions/012-venue-loops.md): the server has no video
 * decoder, so after an upload, or on the row's button, the first frame goes through a canvas
 * and is PUT as a JPEG.
 */
import type { MediaEntry, MediaLimits } from '#shared/schemas/api.ts';
import type { Role } from '#shared/schemas/domain.ts';
import { errorText, get, putBlob, uploadWithProgress } from '../api.ts';
import { clear, h, message } from '../dom.ts';
import { fmtDateTime, fmtNumber } from '../fmt.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { dataTable } from '../table.ts';

/** Who may add to the library (the server's list; auditors only read). */
export const UPLOADER_ROLES: readonly Role[] = ['campaign_manager', 'office_head', 'venue_staff'];

const EXTENSIONS: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** The type a file says it is: its MIME type, else its extension. */
function declaredType(file: File): string {
  if (file.type) return file.type;
  const ext = file.name.split('.').at(-1)?.toLowerCase() ?? '';
  return EXTENSIONS[ext] ?? '';
}

/** A size as people read it: kB under 1 MB, MB above. */
const fmtMb = (bytes: number) =>
  bytes < 1024 * 1024 ? `${fmtNumber(bytes / 1024, 1)} kB` : `${fmtNumber(bytes / (1024 * 1024), 1)} MB`;

/** Seconds as people read a duration: "15 giây", "2 phút 5 giây". */
export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${fmtNumber(s, 1)} ${t('seconds')}`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest ? `${m} ${t('minutes')} ${rest} ${t('seconds')}` : `${m} ${t('minutes')}`;
}

/** What refuses a file before upload, in words that say what to fix; null when it may go. */
export function refusal(file: File, limits: MediaLimits): string | null {
  const type = declaredType(file);
  if (!(limits.mimeTypes as readonly string[]).includes(type)) {
    return t('mediaWrongType')
      .replace('{name}', file.name)
      .replace('{type}', type || t('mediaUnknownType'));
  }
  if (file.size > limits.maxUploadBytes) {
    return t('mediaTooBig')
      .replace('{name}', file.name)
      .replace('{size}', fmtMb(file.size))
      .replace('{limit}', fmtMb(limits.maxUploadBytes));
  }
  if (file.size === 0) return t('mediaEmpty').replace('{name}', file.name);
  return null;
}

/** A still for a row: the thumbnail, or a video paused on its first frame when there is none. */
export function thumbOf(m: Pick<MediaEntry, 'kind' | 'name' | 'url' | 'thumbnailUrl'>): HTMLElement {
  if (m.thumbnailUrl)
    return h('img', { class: 'thumb', src: m.thumbnailUrl, alt: m.name, loading: 'lazy', decoding: 'async' });
  return h('video', {
    class: 'thumb',
    src: `${m.url}#t=0.1`,
    preload: 'metadata',
    muted: true,
    'aria-label': m.name,
  });
}

/** Draws a video's first frame on a canvas and stores it as the item's thumbnail. */
async function captureThumbnail(m: MediaEntry): Promise<void> {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.src = m.url;
  await new Promise<void>((resolve, reject) => {
    video.addEventListener('loadeddata', () => resolve(), { once: true });
    video.addEventListener('error', () => reject(new Error('video')), { once: true });
  });
  video.currentTime = Math.min(0.1, video.duration / 2 || 0);
  await new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
  const width = Math.min(320, video.videoWidth || 320);
  const height = Math.round((width * (video.videoHeight || 180)) / (video.videoWidth || 320));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(video, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
  video.removeAttribute('src');
  video.load();
  if (!blob) throw new Error('canvas');
  await putBlob(`/media/${m.sha256}/thumbnail`, blob);
}

export async function mediaPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const [list, limits] = await Promise.all([
    get<{ items: MediaEntry[] }>('/media'),
    get<MediaLimits>('/media/limits'),
  ]);
  let items = list.items;
  const mayUpload = UPLOADER_ROLES.includes(ctx.me.role);
  root.appendChild(h('h1', null, t('navMedia')));
  root.appendChild(h('p', { class: 'muted' }, t('mediaHelp')));

  const usedBy = (m: MediaEntry) =>
    m.usedBy.length
      ? h(
          'ul',
          { class: 'used-by' },
          m.usedBy.map((u) =>
            h(
              'li',
              null,
              u.kind === 'campaign'
                ? `${t('usedCampaign')}: ${u.name}`
                : `${t('usedLoop')}: ${u.siteName}${u.screenName ? ` · ${u.screenName}` : ''}`,
            ),
          ),
        )
      : h('span', { class: 'muted' }, t('notUsed'));

  const reload = async () => {
    items = (await get<{ items: MediaEntry[] }>('/media')).items;
    table.refresh(items);
  };

  const makeThumb = (m: MediaEntry) =>
    h(
      'button',
      {
        type: 'button',
        class: 'small secondary',
        'data-thumb-for': m.sha256,
        onclick: (async (e: Event) => {
          const btn = e.currentTarget as HTMLButtonElement;
          btn.disabled = true;
          try {
            await captureThumbnail(m);
            await reload();
          } catch (err) {
            btn.disabled = false;
            btn.replaceWith(
              message(
                'error',
                err instanceof Error && err.message === 'video' ? t('thumbFailed') : errorText(err),
              ),
            );
          }
        }) as EventListener,
      },
      t('makeThumb'),
    );

  const table = dataTable<MediaEntry>({
    id: 'media-table',
    label: t('navMedia'),
    rows: items,
    emptyText: t('mediaEmptyLibrary'),
    sortBy: { key: 'created', dir: 'desc' },
    rowAttrs: (m) => ({ 'data-sha': m.sha256, 'data-kind': m.kind }),
    searchText: (m) =>
      `${m.name} ${m.originalName} ${m.usedBy.map((u) => (u.kind === 'campaign' ? u.name : u.siteName)).join(' ')}`,
    columns: [
      { key: 'name', label: t('mediaName'), rowHeader: true, cell: (m) => m.name, sort: (m) => m.name },
      {
        key: 'thumb',
        label: t('thumbnail'),
        cell: (m) => [thumbOf(m), !m.thumbnailUrl && m.kind === 'video' && mayUpload ? makeThumb(m) : null],
      },
      {
        key: 'kind',
        label: t('mediaKind'),
        cell: (m) => (m.kind === 'image' ? t('kindImage') : t('kindVideo')),
        sort: (m) => m.kind,
      },
      {
        key: 'duration',
        label: t('duration'),
        num: true,
        cell: (m) => fmtDuration(m.durationMs),
        sort: (m) => m.durationMs,
      },
      { key: 'used', label: t('usedBy'), cell: usedBy, sort: (m) => m.usedBy.length },
      {
        key: 'size',
        label: t('fileSize'),
        num: true,
        optional: true,
        cell: (m) => fmtMb(m.bytes),
        sort: (m) => m.bytes,
      },
      {
        key: 'created',
        label: t('uploadedAt'),
        optional: true,
        cell: (m) => fmtDateTime(m.createdAt, ctx.zone),
        sort: (m) => m.createdAt,
      },
    ],
  });

  if (mayUpload) root.appendChild(uploadCard());
  root.appendChild(h('section', { class: 'card' }, h('h2', null, t('mediaList')), table));

  function uploadCard(): HTMLElement {
    const status = h('div', { id: 'media-status' });
    const file = h('input', {
      type: 'file',
      id: 'media-file',
      name: 'media',
      accept: [...limits.mimeTypes].join(','),
    });
    const seconds = h('input', {
      type: 'number',
      id: 'media-seconds',
      name: 'durationS',
      min: 1,
      max: 3600,
      value: limits.defaultImageSeconds,
    });
    const bar = h('progress', {
      id: 'media-progress',
      max: 1,
      value: 0,
      'aria-labelledby': 'media-pct-label',
    });
    const pct = h('span', { id: 'media-pct' }, '0 %');
    const button = h(
      'button',
      {
        type: 'button',
        id: 'media-upload',
        onclick: (async () => {
          clear(status);
          const f = file.files?.[0];
          if (!f) {
            status.appendChild(message('error', t('chooseMedia')));
            return;
          }
          const refused = refusal(f, limits);
          if (refused) {
            status.appendChild(message('error', refused));
            return;
          }
          bar.value = 0;
          pct.textContent = '0 %';
          button.disabled = true;
          try {
            const q = new URLSearchParams({ name: f.name });
            if (declaredType(f).startsWith('image/')) q.set('durationS', seconds.value || '10');
            const m = await uploadWithProgress<MediaEntry>(`/media?${q.toString()}`, f, (p) => {
              bar.value = p;
              pct.textContent = `${Math.round(p * 100)} %`;
            });
            if (m.kind === 'video' && !m.thumbnailUrl) await captureThumbnail(m).catch(() => undefined);
            await reload();
            status.appendChild(message('ok', `${t('mediaUploaded')}: ${m.name}`));
            file.value = '';
          } catch (err) {
            status.appendChild(message('error', errorText(err)));
          } finally {
            button.disabled = false;
          }
        }) as EventListener,
      },
      t('upload'),
    );
    return h(
      'section',
      { class: 'card', id: 'media-upload-card' },
      h('h2', null, t('mediaUpload')),
      h('p', { class: 'muted' }, t('mediaAccepts').replace('{limit}', fmtMb(limits.maxUploadBytes))),
      h(
        'div',
        { class: 'row' },
        h('label', null, t('chooseMedia'), file),
        h('label', null, t('imageSeconds'), seconds),
      ),
      h(
        'div',
        { class: 'row' },
        button,
        h('span', { id: 'media-pct-label', class: 'sr-only' }, t('uploadProgress')),
        bar,
        pct,
      ),
      status,
    );
  }
}
