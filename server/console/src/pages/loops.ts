/**
 * The loop editor (danh sách phát của điểm đặt): a site's ordered items, reordered by dragging
 * or with the Up/Down buttons (the keyboard way), each image with its own display time, and a
 * preview of one day: the plan the server issued for a screen of the site, with the loop laid
 * around the campaign spots exactly as the player lays it. Times are in the site's zone.
 *
 * The site list is the caller's scope (the server sends only those sites); the server checks
 * the scope again on save.
 */
import {
  MAX_IMAGE_DURATION_MS,
  type DayPreview,
  type Loop,
  type MediaEntry,
  type Screen,
  type Site,
} from '#shared/schemas/api.ts';
import { formatTime, instantToZoned } from '#shared/time.ts';
import { errorText, get, put, query } from '../api.ts';
import { clear, h, message } from '../dom.ts';
import { fmtDate, parseDmy, todayIn } from '../fmt.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { dataTable } from '../table.ts';
import { fmtDuration, thumbOf } from './media.ts';

interface Item {
  sha256: string;
  name: string;
  kind: 'video' | 'image';
  /** The item's time; for a video, its length. */
  durationMs: number;
  thumbnailUrl: string | null;
}

/** 'HH:mm:ss' in the site's zone. */
function clock(ms: number, zone: string): string {
  const z = instantToZoned(ms, zone);
  return `${formatTime(ms, zone)}:${String(z.second).padStart(2, '0')}`;
}

export async function loopsPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const [sites, screens, library] = await Promise.all([
    get<{ items: Site[] }>('/sites'),
    get<{ items: Screen[] }>('/screens'),
    get<{ items: MediaEntry[] }>('/media'),
  ]);
  root.appendChild(h('h1', null, t('navLoops')));
  if (sites.items.length === 0) {
    root.appendChild(message('info', t('loopNoSites')));
    return;
  }
  const wanted = new URLSearchParams(location.search).get('site');
  let site = sites.items.find((s) => s.id === wanted) ?? sites.items[0]!;
  const mediaBySha = new Map(library.items.map((m) => [m.sha256, m]));

  const siteSelect = h(
    'select',
    {
      id: 'loop-site',
      onchange: (() => {
        site = sites.items.find((s) => s.id === siteSelect.value)!;
        history.replaceState(null, '', `/loops?site=${encodeURIComponent(site.id)}`);
        void loadSite();
      }) as EventListener,
    },
    sites.items.map((s) => h('option', { value: s.id, selected: s === site }, s.name)),
  );
  root.appendChild(h('div', { class: 'row' }, h('label', null, t('site'), siteSelect)));
  const editorBox = h('div');
  const previewBox = h('div');
  root.append(editorBox, previewBox);

  async function loadSite(): Promise<void> {
    clear(editorBox);
    clear(previewBox);
    try {
      const loop = await get<Loop>(`/sites/${encodeURIComponent(site.id)}/loop`);
      const preview = previewCard();
      editorBox.appendChild(editorCard(loop, preview.show));
      previewBox.appendChild(preview.card);
      await preview.show();
    } catch (err) {
      editorBox.appendChild(message('error', errorText(err)));
    }
  }

  function editorCard(loop: Loop, afterSave: () => Promise<void>): HTMLElement {
    let items: Item[] = loop.items.map((i) => ({
      sha256: i.mediaSha256,
      name: i.name,
      kind: i.kind,
      durationMs: i.durationMs,
      thumbnailUrl: i.thumbnailUrl,
    }));
    const list = h('ol', { id: 'loop-items', class: 'loop-items' });
    const announce = h('p', { class: 'sr-only', 'aria-live': 'polite', id: 'loop-announce' });
    const cycle = h('p', { id: 'loop-cycle', class: 'muted' });
    const status = h('div', { id: 'loop-status' });
    let dragFrom: number | null = null;

    const markUnsaved = () => {
      clear(status);
      status.appendChild(message('info', t('loopUnsaved')));
    };
    const move = (from: number, to: number, focus?: 'up' | 'down') => {
      if (to < 0 || to >= items.length || from === to) return;
      const next = items.slice();
      const [it] = next.splice(from, 1);
      next.splice(to, 0, it!);
      items = next;
      draw();
      markUnsaved();
      announce.textContent = t('loopMoved')
        .replace('{name}', it!.name)
        .replace('{pos}', String(to + 1))
        .replace('{n}', String(items.length));
      if (focus) {
        const btn = list.children[to]?.querySelector<HTMLButtonElement>(`button[data-move="${focus}"]`);
        // At the top or the bottom the pressed button is disabled: keep the focus in the row.
        (btn && !btn.disabled
          ? btn
          : list.children[to]?.querySelector<HTMLButtonElement>('button[data-move]:not([disabled])')
        )?.focus();
      }
    };

    function row(it: Item, i: number): HTMLElement {
      const li = h('li', {
        class: 'loop-item',
        draggable: 'true',
        'data-sha': it.sha256,
        'data-index': i,
      });
      li.addEventListener('dragstart', (e) => {
        dragFrom = i;
        li.classList.add('dragging');
        e.dataTransfer?.setData('text/plain', String(i));
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      });
      li.addEventListener('dragend', () => {
        dragFrom = null;
        li.classList.remove('dragging');
      });
      li.addEventListener('dragover', (e) => {
        if (dragFrom === null) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
        li.classList.add('drop-target');
      });
      li.addEventListener('dragleave', () => li.classList.remove('drop-target'));
      li.addEventListener('drop', (e) => {
        e.preventDefault();
        li.classList.remove('drop-target');
        const from = dragFrom ?? Number(e.dataTransfer?.getData('text/plain'));
        dragFrom = null;
        if (Number.isInteger(from)) move(from, i);
      });
      const media = mediaBySha.get(it.sha256);
      const duration =
        it.kind === 'image'
          ? h(
              'label',
              { class: 'inline' },
              t('imageSecondsShort'),
              h('input', {
                type: 'number',
                class: 'loop-seconds',
                name: `seconds-${i}`,
                min: 1,
                max: MAX_IMAGE_DURATION_MS / 1000,
                step: 1,
                value: Math.round(it.durationMs / 1000),
                'aria-label': `${t('imageSecondsShort')}: ${it.name}`,
                onchange: ((e: Event) => {
                  const input = e.currentTarget as HTMLInputElement;
                  const s = Number(input.value);
                  if (Number.isFinite(s) && s > 0) it.durationMs = Math.round(s * 1000);
                  drawCycle();
                  markUnsaved();
                }) as EventListener,
              }),
            )
          : h('span', { class: 'muted' }, `${t('kindVideo')} · ${fmtDuration(it.durationMs)}`);
      li.append(
        h('span', { class: 'handle', 'aria-hidden': 'true', title: t('loopDrag') }, '⠿'),
        h('span', { class: 'pos' }, `${i + 1}.`),
        thumbOf({
          kind: it.kind,
          name: it.name,
          url: media?.url ?? `/api/v1/media/${it.sha256}`,
          thumbnailUrl: it.thumbnailUrl ?? media?.thumbnailUrl ?? null,
        }),
        h('span', { class: 'loop-name' }, it.name),
        duration,
        h(
          'span',
          { class: 'loop-buttons' },
          h(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              'data-move': 'up',
              disabled: i === 0,
              'aria-label': `${t('moveUp')}: ${it.name}`,
              onclick: (() => move(i, i - 1, 'up')) as EventListener,
            },
            `↑ ${t('moveUp')}`,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              'data-move': 'down',
              disabled: i === items.length - 1,
              'aria-label': `${t('moveDown')}: ${it.name}`,
              onclick: (() => move(i, i + 1, 'down')) as EventListener,
            },
            `↓ ${t('moveDown')}`,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'small danger',
              'data-remove': '',
              'aria-label': `${t('remove')}: ${it.name}`,
              onclick: (() => {
                items = items.filter((_, j) => j !== i);
                draw();
                markUnsaved();
                announce.textContent = `${t('loopRemoved')}: ${it.name}`;
              }) as EventListener,
            },
            t('remove'),
          ),
        ),
      );
      return li;
    }

    const drawCycle = () => {
      const total = items.reduce((n, i) => n + i.durationMs, 0);
      cycle.textContent = items.length
        ? `${items.length} ${t('loopItemsCount')} · ${t('loopCycle')}: ${fmtDuration(total)}`
        : t('loopEmpty');
    };
    const draw = () => {
      list.replaceChildren(...items.map(row));
      drawCycle();
    };
    draw();

    const addSelect = h(
      'select',
      { id: 'loop-add-media' },
      library.items.map((m) =>
        h(
          'option',
          { value: m.sha256 },
          `${m.name} (${m.kind === 'image' ? t('kindImage') : t('kindVideo')})`,
        ),
      ),
    );
    const addButton = h(
      'button',
      {
        type: 'button',
        id: 'loop-add',
        class: 'secondary',
        disabled: library.items.length === 0,
        onclick: (() => {
          const m = mediaBySha.get(addSelect.value);
          if (!m) return;
          items = [
            ...items,
            {
              sha256: m.sha256,
              name: m.name,
              kind: m.kind,
              durationMs: m.durationMs,
              thumbnailUrl: m.thumbnailUrl,
            },
          ];
          draw();
          markUnsaved();
          announce.textContent = `${t('loopAdded')}: ${m.name}`;
        }) as EventListener,
      },
      t('loopAdd'),
    );
    const resume = h(
      'select',
      { id: 'loop-resume', onchange: markUnsaved as EventListener },
      h('option', { value: 'next', selected: loop.resume === 'next' }, t('resumeNext')),
      h('option', { value: 'resume', selected: loop.resume === 'resume' }, t('resumeWhere')),
    );
    const outside = h(
      'select',
      { id: 'loop-outside', onchange: markUnsaved as EventListener },
      h('option', { value: 'idle', selected: loop.outsideHours === 'idle' }, t('outsideIdle')),
      h('option', { value: 'dark', selected: loop.outsideHours === 'dark' }, t('outsideDark')),
    );
    const save = h(
      'button',
      {
        type: 'button',
        id: 'loop-save',
        onclick: (async () => {
          clear(status);
          const bad = items.findIndex(
            (i) => i.kind === 'image' && !(i.durationMs >= 1000 && i.durationMs <= MAX_IMAGE_DURATION_MS),
          );
          if (bad >= 0) {
            status.appendChild(
              message(
                'error',
                t('loopBadSeconds')
                  .replace('{pos}', String(bad + 1))
                  .replace('{max}', String(MAX_IMAGE_DURATION_MS / 1000)),
              ),
            );
            list.children[bad]?.querySelector('input')?.focus();
            return;
          }
          save.disabled = true;
          try {
            const saved = await put<Loop>(`/sites/${encodeURIComponent(site.id)}/loop`, {
              items: items.map((i) =>
                i.kind === 'image'
                  ? { mediaSha256: i.sha256, durationMs: i.durationMs }
                  : { mediaSha256: i.sha256 },
              ),
              resume: resume.value,
              outsideHours: outside.value,
            });
            status.appendChild(
              message(
                'ok',
                t('loopSaved')
                  .replace('{n}', String(saved.items.length))
                  .replace('{cycle}', fmtDuration(saved.cycleMs)),
              ),
            );
            await afterSave();
          } catch (err) {
            status.appendChild(message('error', errorText(err)));
          } finally {
            save.disabled = false;
          }
        }) as EventListener,
      },
      t('loopSave'),
    );
    return h(
      'section',
      { class: 'card', id: 'loop-editor' },
      h('h2', null, `${t('loopOf')} ${site.name}`),
      h('p', { class: 'muted' }, t('loopHelp')),
      list,
      cycle,
      announce,
      library.items.length
        ? h('div', { class: 'row' }, h('label', null, t('loopAddLabel'), addSelect), addButton)
        : message('info', t('loopNoMedia')),
      h(
        'div',
        { class: 'row' },
        h('label', null, t('loopResume'), resume),
        h('label', null, t('loopOutside'), outside),
      ),
      h('div', { class: 'row' }, save),
      status,
    );
  }

  function previewCard(): { card: HTMLElement; show: () => Promise<void> } {
    const zone = site.timeZone;
    const own = screens.items.filter((s) => s.siteId === site.id && s.status !== 'revoked');
    const date = h('input', {
      id: 'loop-preview-date',
      name: 'date',
      value: fmtDate(todayIn(zone, ctx.nowMs), zone),
      placeholder: t('dateHint'),
      size: 10,
    });
    const screen = h(
      'select',
      { id: 'loop-preview-screen' },
      h('option', { value: '' }, t('anyScreen')),
      own.map((s) => h('option', { value: s.id }, s.name)),
    );
    const out = h('div', { id: 'loop-preview' });
    const status = h('div');
    const show = async () => {
      clear(status);
      const d = parseDmy(date.value);
      if (!d) {
        status.appendChild(message('error', t('badDate')));
        return;
      }
      try {
        const p = await get<DayPreview>(
          `/sites/${encodeURIComponent(site.id)}/day-preview${query({ date: d, screenId: screen.value })}`,
        );
        clear(out);
        out.appendChild(drawPreview(p));
      } catch (err) {
        clear(out);
        status.appendChild(message('error', errorText(err)));
      }
    };
    const button = h(
      'button',
      { type: 'button', id: 'loop-preview-show', onclick: (() => void show()) as EventListener },
      t('show'),
    );
    const card = h(
      'section',
      { class: 'card', id: 'loop-preview-card' },
      h('h2', null, t('loopPreview')),
      h('p', { class: 'muted' }, `${t('loopPreviewHelp')} ${t('timeZone')}: ${zone}.`),
      h(
        'div',
        { class: 'row' },
        h('label', null, t('previewDate'), date),
        h('label', null, t('screen'), screen),
        button,
      ),
      status,
      out,
    );
    return { card, show };
  }

  function drawPreview(p: DayPreview): HTMLElement {
    const zone = p.timeZone;
    if (!p.planned) {
      return message('info', p.screenId ? t('loopNoPlan') : t('loopNoScreen'));
    }
    const open = p.open.map(([a, b]) => `${formatTime(a, zone)}–${formatTime(b, zone)}`).join(', ');
    const summary = h(
      'p',
      { id: 'loop-preview-summary' },
      `${t('screen')}: ${p.screenName ?? '—'} · ${t('openHours')}: ${open || t('closedAllDay')} · `,
      h('strong', { id: 'loop-preview-spots-count' }, String(p.spots.length)),
      ` ${t('spotsCutIn')} · ${p.loop.length} ${t('loopShowings')}`,
    );
    // The day as a strip: open time, the spots as marks at their planned minute.
    const first = p.open[0]?.[0] ?? p.spots[0]?.start ?? 0;
    const last = p.open.at(-1)?.[1] ?? p.spots.at(-1)?.end ?? first + 1;
    const span = Math.max(1, last - first);
    const pct = (ms: number) => `${(((ms - first) / span) * 100).toFixed(3)}%`;
    // Placed through the CSSOM: the page's CSP allows no inline style attributes.
    const mark = (cls: string, left: number, width: number | null, title?: string) => {
      const el = h('span', { class: cls, title: title ?? null });
      el.style.left = pct(left);
      if (width !== null) el.style.width = `${((width / span) * 100).toFixed(3)}%`;
      return el;
    };
    const strip = h(
      'div',
      { class: 'day-strip', 'aria-hidden': 'true' },
      p.open.map(([a, b]) => mark('open', a, b - a)),
      p.spots.map((s) => mark('spot', s.start, null, `${clock(s.start, zone)} ${s.campaignName}`)),
    );
    const axis = h(
      'div',
      { class: 'day-axis', 'aria-hidden': 'true' },
      h('span', null, formatTime(first, zone)),
      h('span', null, formatTime(last, zone)),
    );
    const spots = dataTable<DayPreview['spots'][number]>({
      id: 'loop-preview-spots',
      label: t('spotsCutIn'),
      rows: p.spots,
      noSearch: true,
      emptyText: t('noSpots'),
      rowAttrs: (s) => ({ 'data-spot': s.id, 'data-start': String(s.start) }),
      columns: [
        {
          key: 'time',
          label: t('plannedTime'),
          rowHeader: true,
          cell: (s) => `${clock(s.start, zone)}–${clock(s.end, zone)}`,
          sort: (s) => s.start,
        },
        {
          key: 'campaign',
          label: t('navCampaign'),
          cell: (s) => s.campaignName,
          sort: (s) => s.campaignName,
        },
        { key: 'cuts', label: t('spotCuts'), cell: (s) => s.cuts ?? '—' },
        {
          key: 'resumes',
          label: t('spotThen'),
          cell: (s) =>
            s.resumesWith
              ? s.resumesWith.offsetMs > 0
                ? `${s.resumesWith.name} (${t('fromSecond')} ${fmtDuration(s.resumesWith.offsetMs)})`
                : s.resumesWith.name
              : '—',
        },
      ],
    });

    // One hour in full: the loop's showings with the spots between them, in order.
    const hours = [...new Set([...p.loop, ...p.spots].map((x) => instantToZoned(x.start, zone).hour))].sort(
      (a, b) => a - b,
    );
    const firstSpotHour = p.spots[0] ? instantToZoned(p.spots[0].start, zone).hour : (hours[0] ?? 0);
    const hourSelect = h(
      'select',
      { id: 'loop-preview-hour' },
      hours.map((hr) =>
        h('option', { value: hr, selected: hr === firstSpotHour }, `${String(hr).padStart(2, '0')}:00`),
      ),
    );
    const sequence = h('ol', { id: 'loop-preview-sequence', class: 'sequence' });
    const drawHour = () => {
      const hr = Number(hourSelect.value);
      const inHour = (x: { start: number }) => instantToZoned(x.start, zone).hour === hr;
      const rows = [
        ...p.loop.filter(inHour).map((l) => ({
          start: l.start,
          el: h(
            'li',
            { 'data-kind': 'loop' },
            h('span', { class: 'time' }, `${clock(l.start, zone)}–${clock(l.end, zone)}`),
            ` ${l.name}`,
            l.offsetMs > 0
              ? h('span', { class: 'muted' }, ` (${t('fromSecond')} ${fmtDuration(l.offsetMs)})`)
              : null,
          ),
        })),
        ...p.spots.filter(inHour).map((s) => ({
          start: s.start,
          el: h(
            'li',
            { 'data-kind': 'spot', 'data-spot': s.id },
            h('span', { class: 'time' }, `${clock(s.start, zone)}–${clock(s.end, zone)}`),
            ' ',
            h('strong', null, `${t('spot')}: ${s.campaignName}`),
          ),
        })),
      ].sort((a, b) => a.start - b.start);
      sequence.replaceChildren(...rows.map((r) => r.el));
    };
    hourSelect.addEventListener('change', drawHour);
    drawHour();

    return h(
      'div',
      null,
      summary,
      strip,
      axis,
      h('h3', null, t('spotsTitle')),
      spots,
      h('h3', null, t('loopHour')),
      h('div', { class: 'row' }, h('label', null, t('hour'), hourSelect)),
      h(
        'div',
        { class: 'sequence-wrap', tabindex: 0, role: 'region', 'aria-label': t('loopHour') },
        sequence,
      ),
    );
  }

  await loadSite();
}
