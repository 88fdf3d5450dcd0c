import type { Campaign, Media } from '#shared/schemas/api.ts';
import { HOURS_PER_WEEK, VENUE_TYPES, type VenueType } from '#shared/schemas/domain.ts';
import { hourWeight, paintHour, stepsPerHour } from '#shared/peak.ts';
import type { PlanPreviewResult } from '#shared/schemas/reports.ts';
import { errorText, patch, post, uploadWithProgress } from '../api.ts';
import { barChart } from '../charts.ts';
import { clear, h, message, submitInto } from '../dom.ts';
import { fmtDate, fmtNumber, parseDmy, todayIn } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { participantsSection } from './participants.ts';

const BRUSHES = [0, 1, 1.5, 2, 3, 5];

export async function campaignPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  root.appendChild(h('h1', null, t('navCampaign')));
  if (!ctx.campaign) {
    root.appendChild(message('info', t('noCampaign')));
    return;
  }
  let campaign: Campaign = ctx.campaign;
  let targetInput: HTMLInputElement | null = null;
  let schedulePreview: () => void = () => undefined;
  root.append(
    h(
      'p',
      { class: 'muted' },
      currentLang() === 'en' && campaign.nameEn ? campaign.nameEn : campaign.name,
      ' · ',
      campaign.phaseText,
    ),
    videoSection(),
    datesSection(),
  );
  root.append(
    peakSection(),
    await participantsSection(
      () => campaign,
      (c) => (campaign = c),
    ),
  );

  function videoSection(): HTMLElement {
    const status = h('div');
    const current = h('p', { id: 'current-video' });
    const showCurrent = () => {
      clear(current);
      current.append(
        `${t('currentVideo')}: `,
        campaign.media
          ? `${campaign.media.originalName} (${fmtNumber(campaign.media.durationMs / 1000, 1)} ${t('seconds')}, ${fmtNumber(campaign.media.bytes / 1e6, 1)} MB)`
          : '—',
      );
    };
    showCurrent();
    const file = h('input', {
      type: 'file',
      id: 'video-file',
      name: 'media',
      accept: 'video/mp4,video/webm',
    });
    const bar = h('progress', { id: 'upload-progress', max: 1, value: 0 });
    const pct = h('span', { id: 'upload-pct' }, '0 %');
    const button = h(
      'button',
      {
        type: 'button',
        id: 'upload-button',
        onclick: (async () => {
          clear(status);
          const f = file.files?.[0];
          if (!f) {
            status.appendChild(message('error', t('chooseVideo')));
            return;
          }
          button.setAttribute('disabled', '');
          try {
            const media = await uploadWithProgress<Media>(
              `/media?name=${encodeURIComponent(f.name)}`,
              f,
              (p) => {
                bar.value = p;
                pct.textContent = `${Math.round(p * 100)} %`;
              },
            );
            campaign = await patch<Campaign>(`/campaigns/${encodeURIComponent(campaign.id)}`, {
              mediaSha256: media.sha256,
            });
            showCurrent();
            status.appendChild(message('ok', t('uploaded')));
          } catch (err) {
            status.appendChild(message('error', errorText(err)));
          } finally {
            button.removeAttribute('disabled');
          }
        }) as EventListener,
      },
      t('upload'),
    );
    return h(
      'section',
      { class: 'card' },
      h('h2', null, t('campaignVideo')),
      current,
      h('label', null, t('chooseVideo'), file),
      h('div', { class: 'row' }, button, bar, pct),
      status,
    );
  }

  function datesSection(): HTMLElement {
    const status = h('div');
    const first = h('input', {
      id: 'first-day',
      name: 'firstDay',
      value: fmtDate(campaign.firstDay, campaign.timeZone),
      placeholder: t('dateHint'),
      size: 10,
    });
    const last = h('input', {
      id: 'last-day',
      name: 'lastDay',
      value: fmtDate(campaign.lastDay, campaign.timeZone),
      placeholder: t('dateHint'),
      size: 10,
    });
    const target = h('input', {
      id: 'target-per-day',
      name: 'targetPerDay',
      type: 'number',
      min: 1,
      max: 1000,
      value: campaign.targetPerDay,
    });
    target.addEventListener('input', () => schedulePreview());
    const form = h(
      'form',
      {
        class: 'card',
        onsubmit: submitInto(status, async () => {
          const a = parseDmy(first.value);
          const b = parseDmy(last.value);
          if (!a || !b) {
            status.appendChild(message('error', t('badDate')));
            return;
          }
          campaign = await patch<Campaign>(`/campaigns/${encodeURIComponent(campaign.id)}`, {
            firstDay: a,
            lastDay: b,
            targetPerDay: Number(target.value),
          });
          status.appendChild(
            message('ok', `${t('saved')}: ${campaign.windowText}, ${campaign.targetPerDay}`),
          );
        }),
      },
      h('h2', null, t('dates')),
      h(
        'div',
        { class: 'row' },
        h('label', null, t('firstDay'), first),
        h('label', null, t('lastDay'), last),
        h('label', null, t('targetPerDay'), target),
      ),
      h('button', { type: 'submit', id: 'save-dates' }, t('save')),
      status,
    );
    targetInput = target;
    return form;
  }

  function peakSection(): HTMLElement {
    const venueTypes = Object.keys(VENUE_TYPES) as VenueType[];
    let venue: VenueType = venueTypes.find((v) => campaign.peakProfiles[v]) ?? venueTypes[0]!;
    let profile: number[] = [];
    let brush = 3;
    const loadProfile = () => {
      profile = [...(campaign.peakProfiles[venue] ?? Array.from({ length: HOURS_PER_WEEK }, () => 1))];
    };
    loadProfile();
    const status = h('div');
    const venueSelect = h(
      'select',
      {
        id: 'venue-type',
        onchange: (() => {
          venue = venueSelect.value as VenueType;
          loadProfile();
          paintAll();
          schedulePreview();
        }) as EventListener,
      },
      venueTypes.map((v) =>
        h(
          'option',
          { value: v, selected: v === venue },
          currentLang() === 'vi' ? VENUE_TYPES[v].vi : VENUE_TYPES[v].en,
        ),
      ),
    );
    const brushSelect = h(
      'select',
      { id: 'brush', onchange: (() => (brush = Number(brushSelect.value))) as EventListener },
      BRUSHES.map((b) => h('option', { value: b, selected: b === brush }, String(b))),
    );
    const dateInput = h('input', {
      id: 'preview-date',
      value: fmtDate(clampDate(todayIn(campaign.timeZone, ctx.nowMs)), campaign.timeZone),
      size: 10,
    });
    dateInput.addEventListener('change', () => schedulePreview());

    // 7 × 24 grid; mouse down starts painting, moving over cells keeps painting until mouse up.
    const days = t('weekdays').split(',');
    const cells: HTMLTableCellElement[] = [];
    let painting = false;
    // A profile may have finer steps than the grid (a window from 06:45): a cell shows its hour's
    // highest step and says when part of the hour differs; painting a cell sets the whole hour
    // and leaves every other hour's steps as they were.
    const paint = (cell: HTMLTableCellElement) => {
      const i = Number(cell.dataset.i);
      const k = stepsPerHour(profile);
      if (profile.slice(i * k, i * k + k).every((w) => w === brush)) return;
      profile = paintHour(profile, i, brush);
      paintCell(cell);
      schedulePreview();
    };
    const paintCell = (cell: HTMLTableCellElement) => {
      const i = Number(cell.dataset.i);
      const w = hourWeight(profile, i);
      const k = stepsPerHour(profile);
      const steps = profile.slice(i * k, i * k + k);
      const partial = steps.some((x) => x !== steps[0]);
      cell.dataset.w = String(w);
      cell.dataset.partial = partial ? '1' : '0';
      const label = `${days[Math.floor(i / 24)]} ${String(i % 24).padStart(2, '0')}:00`;
      cell.title = partial
        ? `${label} — ${steps
            .map((x, j) => `${String(i % 24).padStart(2, '0')}:${String((j * 60) / k).padStart(2, '0')} ${x}`)
            .join(', ')}`
        : `${label} — ${w}`;
      cell.style.background =
        w === 0
          ? '#e5e7eb'
          : w <= 1
            ? '#dbeafe'
            : `hsl(${Math.max(0, 30 - (w - 1) * 8)} 90% ${Math.max(45, 75 - w * 6)}%)`;
      cell.style.backgroundImage = partial
        ? 'repeating-linear-gradient(45deg, transparent 0 4px, rgba(255,255,255,.55) 4px 6px)'
        : '';
    };
    const paintAll = () => cells.forEach(paintCell);
    window.addEventListener('mouseup', () => (painting = false));
    const grid = h(
      'table',
      { class: 'peak-grid', id: 'peak-grid' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, ''),
          Array.from({ length: 24 }, (_, hr) => h('th', null, String(hr).padStart(2, '0'))),
        ),
      ),
      h(
        'tbody',
        null,
        days.map((d, di) =>
          h(
            'tr',
            null,
            h('th', null, d),
            Array.from({ length: 24 }, (_, hr) => {
              const cell = h('td', { 'data-i': di * 24 + hr, 'data-day': di, 'data-hour': hr });
              cell.addEventListener('mousedown', (e) => {
                e.preventDefault();
                painting = true;
                paint(cell);
              });
              cell.addEventListener('mouseover', () => {
                if (painting) paint(cell);
              });
              cells.push(cell);
              return cell;
            }),
          ),
        ),
      ),
    );
    paintAll();

    const chartBox = h('div', { id: 'preview-chart', class: 'chart-box' });
    const summary = h('p', { id: 'preview-summary', class: 'muted' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let seq = 0;
    const runPreview = async () => {
      const my = ++seq;
      const date = parseDmy(dateInput.value);
      const target = Number(targetInput?.value ?? campaign.targetPerDay);
      if (!date || !(target >= 1)) return;
      try {
        const p = await post<PlanPreviewResult>('/reports/plan-preview', {
          targetPerDay: target,
          date,
          venueType: venue,
          profile,
          campaignId: campaign.id,
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
    schedulePreview = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void runPreview(), 120);
    };
    schedulePreview();

    const save = h(
      'button',
      {
        type: 'button',
        id: 'save-profile',
        onclick: (async () => {
          clear(status);
          try {
            campaign = await patch<Campaign>(`/campaigns/${encodeURIComponent(campaign.id)}`, {
              peakProfiles: { [venue]: profile },
            });
            status.appendChild(message('ok', t('saved')));
          } catch (err) {
            status.appendChild(message('error', errorText(err)));
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
        onclick: (() => {
          profile = Array.from({ length: HOURS_PER_WEEK }, () => 1);
          paintAll();
          schedulePreview();
        }) as EventListener,
      },
      t('resetProfile'),
    );
    return h(
      'section',
      { class: 'card' },
      h('h2', null, t('peakEditor')),
      h('p', { class: 'muted' }, t('peakHelp')),
      h(
        'div',
        { class: 'row' },
        h('label', null, t('venueType'), venueSelect),
        h('label', null, t('brush'), brushSelect),
        h('label', null, t('previewDate'), dateInput),
      ),
      h('div', { class: 'grid-wrap', tabindex: 0, role: 'region', 'aria-label': t('peakEditor') }, grid),
      h('div', { class: 'row' }, save, reset),
      status,
      h('h3', null, t('preview')),
      summary,
      chartBox,
    );
  }

  function clampDate(d: string): string {
    return d < campaign.firstDay ? campaign.firstDay : d > campaign.lastDay ? campaign.lastDay : d;
  }
}
