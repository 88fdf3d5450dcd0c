/**
 * The peak painter: a venue type's weights over the week as a 7 × 24 grid of numbers, painted
 * with the mouse or the keyboard, beside the plan they give one screen on a chosen day.
 *
 * - Hours when no site that follows the profile is open are shown closed and cannot be painted
 *   (their weight changes nothing); the holidays in the campaign window are listed below.
 * - Edits are kept per venue type until saved, so switching type loses nothing; "save" sends
 *   every edited type at once. A refusal (a profile the sites cannot play) leaves the edits on
 *   the grid, says what to change, and the next save sends them again.
 * - The grid is an ARIA grid with one tab stop: arrows move, Space/Enter paint with the chosen
 *   weight, 0–9 paint that weight, Shift+arrow paints while moving; each cell's name says its
 *   day, hour and weight, and a live region repeats what was painted.
 */
import type { Campaign, Site } from '#shared/schemas/api.ts';
import { HOURS_PER_WEEK, VENUE_TYPES, type VenueType } from '#shared/schemas/domain.ts';
import {
  copyDay,
  hourWeight,
  isPeakWeight,
  openCountsByHour,
  paintHour,
  stepsPerHour,
} from '#shared/peak.ts';
import type { PlanPreviewResult } from '#shared/schemas/reports.ts';
import { weekdayOf } from '#shared/time.ts';
import { ApiError, errorText, get, patch, post } from '../api.ts';
import { barChart } from '../charts.ts';
import { clear, h, message, showFailure } from '../dom.ts';
import { fmtDate, fmtNumber, parseDmy, todayIn } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';
import type { PageContext } from '../main.ts';

const BRUSHES = [0, 1, 1.5, 2, 3, 5];
const flat = () => Array.from({ length: HOURS_PER_WEEK }, () => 1);
const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** What the opening hours of the sites that follow a venue type's profile say about the week. */
interface Openness {
  /** Sites open in some part of each hour of the week. */
  counts: number[];
  sites: number;
  zones: string[];
  /** Dates in the campaign window on which every one of those sites is closed. */
  holidays: string[];
}

/** The colour class of a weight; the legend lists the same classes. */
function shade(w: number): string {
  if (w === 0) return 'w-none';
  if (w < 1) return 'w-low';
  if (w === 1) return 'w-normal';
  if (w <= 2) return 'w-peak1';
  if (w <= 3) return 'w-peak2';
  return 'w-peak3';
}

export interface PeakPainter {
  element: HTMLElement;
  /** Plans the preview again (the target changed in the dates form). */
  refreshPreview(): void;
}

export async function peakPainter(
  ctx: PageContext,
  campaignNow: () => Campaign,
  setCampaign: (c: Campaign) => void,
  targetValue: () => string,
): Promise<PeakPainter> {
  const venueTypes = Object.keys(VENUE_TYPES) as VenueType[];
  const start = campaignNow();
  let venue: VenueType = venueTypes.find((v) => start.peakProfiles[v]) ?? venueTypes[0]!;
  let brush = 3;
  const drafts = new Map<VenueType, number[]>();
  const savedOf = (v: VenueType) => campaignNow().peakProfiles[v] ?? flat();
  const profileOf = (v: VenueType) => drafts.get(v) ?? savedOf(v);
  const isDirty = (v: VenueType) => {
    const d = drafts.get(v);
    const s = savedOf(v);
    return !!d && (d.length !== s.length || d.some((w, i) => w !== s[i]));
  };
  const dirtyTypes = () => venueTypes.filter(isDirty);
  ctx.guardLeave(() => dirtyTypes().length > 0);
  const venueName = (v: VenueType) => (currentLang() === 'vi' ? VENUE_TYPES[v].vi : VENUE_TYPES[v].en);

  const openness = await loadOpenness(start);
  const openOf = (v: VenueType) => openness.get(v) ?? null;
  /** An hour may be painted when some site that follows the profile is open in it (or none is known). */
  const paintable = (i: number) => {
    const o = openOf(venue);
    return !o || o.sites === 0 || (o.counts[i] ?? 0) > 0;
  };

  const days = t('weekdays').split(',');
  const longDays = t('weekdaysLong').split(',');
  const status = h('div', { id: 'peak-status' });
  const live = h('p', { class: 'sr-only', role: 'status', id: 'peak-live' });
  const dirtyNote = h('p', { id: 'peak-dirty', class: 'dirty-note', role: 'status' });
  const fieldNote = h('p', { id: 'peak-error', class: 'field-error', hidden: true });
  const openNote = h('p', { id: 'peak-open-note', class: 'muted' });
  const holidayBox = h('div', { id: 'peak-holidays' });

  const venueSelect = h(
    'select',
    {
      id: 'venue-type',
      onchange: (() => {
        venue = venueSelect.value as VenueType;
        paintAll();
        showOpenness();
        refreshPreview();
      }) as EventListener,
    },
    venueTypes.map((v) => h('option', { value: v, selected: v === venue }, venueName(v))),
  );
  const brushSelect = h(
    'select',
    { id: 'brush', onchange: (() => (brush = Number(brushSelect.value))) as EventListener },
    BRUSHES.map((b) => h('option', { value: b, selected: b === brush }, fmtNumber(b, 1))),
  );
  const dateInput = h('input', {
    id: 'preview-date',
    name: 'previewDate',
    value: fmtDate(clampDate(todayIn(start.timeZone, ctx.nowMs)), start.timeZone),
    size: 10,
    'aria-describedby': 'preview-date-error',
  });
  const dateError = h('span', { id: 'preview-date-error', class: 'field-error' });
  dateInput.addEventListener('change', () => refreshPreview());

  // ---- the grid ------------------------------------------------------------------------------
  const cells: HTMLTableCellElement[] = [];
  let focused = 3 * 24 + 9; // Thursday 09:00: the roving tab stop
  let painting = false;

  function describe(i: number): string {
    const p = profileOf(venue);
    const day = longDays[Math.floor(i / 24)] ?? '';
    const hour = i % 24;
    const when = `${day} ${hh(hour)}–${hh(hour + 1)}`;
    if (!paintable(i)) return `${when}: ${t('closedCell')}`;
    const w = hourWeight(p, i);
    const k = stepsPerHour(p);
    const steps = p.slice(i * k, i * k + k);
    const kind = w === 0 ? t('weightNone') : isPeakWeight(w) ? t('weightPeak') : t('weightOrdinary');
    const detail = steps.some((x) => x !== steps[0])
      ? ` (${steps
          .map(
            (x, j) =>
              `${String(hour).padStart(2, '0')}:${String((j * 60) / k).padStart(2, '0')} ${fmtNumber(x, 2)}`,
          )
          .join(', ')})`
      : '';
    return `${when}: ${t('weight')} ${fmtNumber(w, 2)}, ${kind}${detail}`;
  }

  function paintCell(cell: HTMLTableCellElement): void {
    const i = Number(cell.dataset.i);
    const p = profileOf(venue);
    const open = paintable(i);
    const w = hourWeight(p, i);
    const k = stepsPerHour(p);
    const steps = p.slice(i * k, i * k + k);
    cell.dataset.w = String(w);
    cell.dataset.closed = open ? '0' : '1';
    cell.dataset.partial = steps.some((x) => x !== steps[0]) ? '1' : '0';
    cell.className = open ? shade(w) : 'w-closed';
    cell.textContent = open ? fmtNumber(w, 2) : '';
    if (open) cell.removeAttribute('aria-disabled');
    else cell.setAttribute('aria-disabled', 'true');
    cell.setAttribute('aria-label', describe(i));
    cell.title = describe(i);
    cell.tabIndex = i === focused ? 0 : -1;
  }
  const paintAll = () => {
    cells.forEach(paintCell);
    showDirty();
  };

  /** Sets one hour to `w`; false when the hour is closed or already has that weight. */
  function paint(i: number, w: number): boolean {
    if (!paintable(i)) return false;
    const p = profileOf(venue);
    const k = stepsPerHour(p);
    if (p.slice(i * k, i * k + k).every((x) => x === w)) return false;
    drafts.set(venue, paintHour(p, i, w));
    paintCell(cells[i]!);
    showDirty();
    refreshPreview();
    return true;
  }

  function focusCell(i: number): void {
    const prev = cells[focused];
    focused = i;
    if (prev) prev.tabIndex = -1;
    const cell = cells[i]!;
    cell.tabIndex = 0;
    cell.focus({ preventScroll: false });
  }

  function paintFromKey(i: number, w: number): void {
    if (!paintable(i)) {
      live.textContent = `${describe(i)}. ${t('closedCannotPaint')}`;
      return;
    }
    paint(i, w);
    live.textContent = describe(i);
  }

  function onKey(e: KeyboardEvent): void {
    const cell = (e.target as HTMLElement).closest<HTMLTableCellElement>('td[data-i]');
    if (!cell) return;
    const i = Number(cell.dataset.i);
    const day = Math.floor(i / 24);
    const hour = i % 24;
    let next: number | null = null;
    switch (e.key) {
      case 'ArrowRight':
        next = day * 24 + Math.min(23, hour + 1);
        break;
      case 'ArrowLeft':
        next = day * 24 + Math.max(0, hour - 1);
        break;
      case 'ArrowDown':
        next = Math.min(6, day + 1) * 24 + hour;
        break;
      case 'ArrowUp':
        next = Math.max(0, day - 1) * 24 + hour;
        break;
      case 'Home':
        next = e.ctrlKey ? 0 : day * 24;
        break;
      case 'End':
        next = e.ctrlKey ? HOURS_PER_WEEK - 1 : day * 24 + 23;
        break;
      case ' ':
      case 'Enter':
        e.preventDefault();
        paintFromKey(i, brush);
        return;
      case 'Delete':
      case 'Backspace':
        e.preventDefault();
        paintFromKey(i, 1);
        return;
      default:
        if (/^[0-9]$/.test(e.key) && !e.ctrlKey && !e.altKey && !e.metaKey) {
          e.preventDefault();
          paintFromKey(i, Number(e.key));
        }
        return;
    }
    e.preventDefault();
    focusCell(next);
    if (e.shiftKey) paintFromKey(next, brush);
  }

  window.addEventListener('mouseup', () => (painting = false));
  ctx.onLeave(() => (painting = false));
  const grid = h(
    'table',
    {
      class: 'peak-grid',
      id: 'peak-grid',
      role: 'grid',
      'aria-labelledby': 'peak-title',
      'aria-describedby': 'peak-keys peak-error',
      onkeydown: onKey as EventListener,
      // Focus may arrive by a click or a script: the tab stop follows it.
      onfocusin: ((e: FocusEvent) => {
        const c = (e.target as HTMLElement).closest<HTMLTableCellElement>('td[data-i]');
        if (!c || Number(c.dataset.i) === focused) return;
        const prev = cells[focused];
        if (prev) prev.tabIndex = -1;
        focused = Number(c.dataset.i);
        c.tabIndex = 0;
      }) as EventListener,
    },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('dayHour'))),
        Array.from({ length: 24 }, (_, hr) =>
          h('th', { scope: 'col', 'aria-label': hh(hr) }, String(hr).padStart(2, '0')),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      days.map((d, di) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row', 'aria-label': longDays[di] ?? d }, d),
          Array.from({ length: 24 }, (_, hr) => {
            const cell = h('td', {
              role: 'gridcell',
              'data-i': di * 24 + hr,
              'data-day': di,
              'data-hour': hr,
            });
            cell.addEventListener('mousedown', (e) => {
              if (e.button !== 0) return;
              e.preventDefault();
              const i = Number(cell.dataset.i);
              focusCell(i);
              if (!paintable(i)) {
                live.textContent = `${describe(i)}. ${t('closedCannotPaint')}`;
                return;
              }
              painting = true;
              paint(i, brush);
            });
            cell.addEventListener('mouseover', () => {
              if (painting) paint(Number(cell.dataset.i), brush);
            });
            cells.push(cell);
            return cell;
          }),
        ),
      ),
    ),
  );

  // ---- legend, opening hours, holidays --------------------------------------------------------
  const swatch = (cls: string, sample: string, label: string) =>
    h('li', null, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }, sample), ' ', label);
  const legend = h(
    'ul',
    { class: 'peak-legend', id: 'peak-legend', 'aria-label': t('legend') },
    swatch('w-closed', '', t('legendClosed')),
    swatch('w-none', '0', t('legendNone')),
    swatch('w-low', fmtNumber(0.5, 1), t('legendLow')),
    swatch('w-normal', '1', t('legendNormal')),
    swatch('w-peak1', fmtNumber(1.5, 1), t('legendPeak1')),
    swatch('w-peak2', '3', t('legendPeak2')),
    swatch('w-peak3', '5', t('legendPeak3')),
    swatch('w-peak2 striped', '', t('legendPartial')),
  );

  function showOpenness(): void {
    const o = openOf(venue);
    clear(openNote);
    clear(holidayBox);
    const zone = o?.zones.join(', ') || start.timeZone;
    if (!o || o.sites === 0) {
      openNote.append(`${t('noSitesFollow')} ${t('hoursIn')} ${zone}.`);
      return;
    }
    openNote.append(`${t('openFrom')} ${o.sites} ${t('sitesFollow')} ${t('hoursIn')} ${zone}.`);
    holidayBox.append(
      h('h3', null, t('holidays')),
      o.holidays.length
        ? h(
            'ul',
            { class: 'holiday-list' },
            o.holidays.map((d) =>
              h('li', { 'data-date': d }, `${days[weekdayOf(d)] ?? ''} ${fmtDate(d, start.timeZone)}`),
            ),
          )
        : h('p', { class: 'muted' }, t('noHolidays')),
    );
  }

  function showDirty(): void {
    const dirty = dirtyTypes();
    dirtyNote.textContent = dirty.length ? `${t('unsavedChanges')}: ${dirty.map(venueName).join(', ')}` : '';
    for (const opt of venueSelect.options) {
      const v = opt.value as VenueType;
      opt.textContent = isDirty(v) ? `${venueName(v)} *` : venueName(v);
    }
  }

  // ---- copy a day -----------------------------------------------------------------------------
  const copyFrom = h(
    'select',
    { id: 'copy-from', name: 'copyFrom' },
    longDays.map((d, i) => h('option', { value: i, selected: i === 3 }, d)),
  );
  const copyBoxes = longDays.map((d, i) =>
    h('input', { type: 'checkbox', id: `copy-to-${i}`, name: 'copyTo', value: i, 'aria-label': d }),
  );
  const copyNote = h('span', { id: 'copy-error', class: 'field-error' });
  const copyButton = h(
    'button',
    {
      type: 'button',
      id: 'copy-days',
      class: 'secondary',
      onclick: (() => {
        copyNote.textContent = '';
        clear(status);
        const from = Number(copyFrom.value);
        const to = copyBoxes
          .filter((b) => b.checked)
          .map((b) => Number(b.value))
          .filter((d) => d !== from);
        if (to.length === 0) {
          copyNote.textContent = t('copyPickDays');
          return;
        }
        drafts.set(venue, copyDay(profileOf(venue), from, to, paintable));
        paintAll();
        refreshPreview();
        for (const b of copyBoxes) b.checked = false;
        const text = `${t('copied')} ${longDays[from]} → ${to.map((d) => longDays[d]).join(', ')}. ${t('notSavedYet')}`;
        status.appendChild(message('info', text));
      }) as EventListener,
    },
    t('copyDays'),
  );
  const copyBox = h(
    'fieldset',
    { class: 'copy-days', id: 'copy-box' },
    h('legend', null, t('copyTitle')),
    h('label', null, t('copyFrom'), ' ', copyFrom),
    h(
      'span',
      { class: 'copy-targets', role: 'group', 'aria-label': t('copyTo') },
      `${t('copyTo')}: `,
      copyBoxes.map((b, i) => h('label', { class: 'inline' }, b, days[i])),
    ),
    copyButton,
    copyNote,
  );

  // ---- save -----------------------------------------------------------------------------------
  let saving = false;
  const save = h(
    'button',
    {
      type: 'button',
      id: 'save-profile',
      onclick: (async () => {
        if (saving) return;
        clear(status);
        fieldNote.hidden = true;
        fieldNote.textContent = '';
        grid.removeAttribute('aria-invalid');
        const dirty = dirtyTypes();
        if (dirty.length === 0) {
          status.appendChild(message('info', t('nothingChanged')));
          return;
        }
        saving = true;
        save.setAttribute('aria-busy', 'true');
        try {
          const body = Object.fromEntries(dirty.map((v) => [v, profileOf(v)]));
          const c = await patch<Campaign>(`/campaigns/${encodeURIComponent(campaignNow().id)}`, {
            peakProfiles: body,
          });
          setCampaign(c);
          for (const v of dirty) drafts.delete(v);
          paintAll();
          status.appendChild(message('ok', `${t('saved')}: ${dirty.map(venueName).join(', ')}`));
        } catch (err) {
          // The edits stay on the grid: the person fixes what the message says and saves again.
          showFailure(status, err, null);
          const note =
            err instanceof ApiError ? err.fields.find((f) => f.field === 'peakProfiles') : undefined;
          if (note) {
            fieldNote.textContent = note.message;
            fieldNote.hidden = false;
          }
        } finally {
          saving = false;
          save.removeAttribute('aria-busy');
        }
      }) as EventListener,
    },
    t('saveProfile'),
  );
  const reset = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'reset-profile',
      onclick: (() => {
        drafts.set(venue, flat());
        paintAll();
        refreshPreview();
      }) as EventListener,
    },
    t('resetProfile'),
  );
  const undo = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'undo-profile',
      onclick: (() => {
        drafts.delete(venue);
        paintAll();
        refreshPreview();
      }) as EventListener,
    },
    t('undoProfile'),
  );

  // ---- preview --------------------------------------------------------------------------------
  const chartBox = h('div', { id: 'preview-chart', class: 'chart-box' });
  const summary = h('p', { id: 'preview-summary', class: 'muted' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  const runPreview = async () => {
    const my = ++seq;
    dateError.textContent = '';
    dateInput.removeAttribute('aria-invalid');
    const date = parseDmy(dateInput.value);
    if (!date) {
      dateError.textContent = t('badDate');
      dateInput.setAttribute('aria-invalid', 'true');
      return;
    }
    const target = Number(targetValue());
    if (!Number.isInteger(target) || target < 1 || target > 1000) {
      clear(summary);
      summary.append(t('previewNeedsTarget'));
      return;
    }
    try {
      const p = await post<PlanPreviewResult>('/reports/plan-preview', {
        targetPerDay: target,
        date,
        venueType: venue,
        profile: profileOf(venue),
        campaignId: campaignNow().id,
      });
      if (my !== seq) return;
      clear(chartBox);
      chartBox.dataset.total = String(p.total);
      chartBox.appendChild(
        barChart(
          p.hours.map((x) => ({
            label: String(x.hour).padStart(2, '0'),
            value: x.plays,
            kind: x.peak ? 'peak' : x.open ? '' : 'closed',
            shaded: !x.open,
          })),
          {
            title: t('preview'),
            valueLabel: t('plays'),
            labelEvery: 2,
            height: 200,
            shadeLabel: t('closedHours'),
          },
        ),
      );
      clear(summary);
      summary.append(
        `${t('previewTotal')}: `,
        h('strong', { id: 'preview-total' }, String(p.total)),
        ` · ${t('peakShare')}: ${fmtNumber(p.peakShare, 1)} %`,
      );
    } catch (err) {
      if (my === seq) {
        clear(chartBox);
        chartBox.appendChild(message('error', errorText(err)));
      }
    }
  };
  function refreshPreview(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void runPreview(), 120);
  }
  ctx.onLeave(() => clearTimeout(timer));

  paintAll();
  showOpenness();
  refreshPreview();

  const element = h(
    'section',
    { class: 'card peak-painter', id: 'peak-painter' },
    h('h2', { id: 'peak-title' }, t('peakEditor')),
    h('p', { class: 'muted' }, t('peakHelp')),
    h(
      'div',
      { class: 'row' },
      h('label', null, t('venueType'), venueSelect),
      h('label', null, t('brush'), brushSelect),
      h('label', null, t('previewDate'), dateInput, dateError),
    ),
    legend,
    openNote,
    h('div', { class: 'grid-wrap' }, grid),
    h('p', { class: 'muted small', id: 'peak-keys' }, t('peakKeys')),
    fieldNote,
    live,
    holidayBox,
    copyBox,
    h('div', { class: 'row' }, save, undo, reset),
    dirtyNote,
    status,
    h('h3', null, t('preview')),
    summary,
    chartBox,
  );
  return { element, refreshPreview };

  function clampDate(d: string): string {
    return d < start.firstDay ? start.firstDay : d > start.lastDay ? start.lastDay : d;
  }

  /** Per venue type: the participating sites without a profile of their own, and their hours. */
  async function loadOpenness(c: Campaign): Promise<Map<VenueType, Openness>> {
    const out = new Map<VenueType, Openness>();
    const [taking, sites] = await Promise.all([
      get<{ items: { siteId: string }[] }>(`/campaigns/${encodeURIComponent(c.id)}/sites`),
      get<{ items: Site[] }>('/sites'),
    ]);
    const ids = new Set(taking.items.map((x) => x.siteId));
    for (const v of venueTypes) {
      const follow = sites.items.filter((s) => ids.has(s.id) && s.venueType === v && s.peakProfile === null);
      const holidays: string[] = [];
      if (follow.length) {
        const first = follow[0]!.openingHours.closedDates;
        for (const d of first)
          if (
            d >= c.firstDay &&
            d <= c.lastDay &&
            follow.every((s) => s.openingHours.closedDates.includes(d))
          )
            holidays.push(d);
      }
      out.set(v, {
        counts: openCountsByHour(follow.map((s) => s.openingHours)),
        sites: follow.length,
        zones: [...new Set(follow.map((s) => s.timeZone))],
        holidays: holidays.sort(),
      });
    }
    return out;
  }
}
