import type { Campaign, Media } from '#shared/schemas/api.ts';
import { errorText, get, patch, uploadWithProgress } from '../api.ts';
import { clear, h, message, submitInto } from '../dom.ts';
import { fmtDate, fmtNumber, parseDmy } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { dataTable } from '../table.ts';
import { participantsSection } from './participants.ts';
import { peakPainter } from './peak-painter.ts';

const PHASE_KEYS = {
  upcoming: 'phase_upcoming',
  running: 'phase_running',
  ended: 'phase_ended',
  closed: 'phase_closed',
} as const;

/** Every campaign, the one being edited marked; a name opens it in the editor below. */
function campaignList(all: Campaign[], chosen: Campaign | null, ctx: PageContext): HTMLElement {
  const nameOf = (c: Campaign) => (currentLang() === 'en' && c.nameEn ? c.nameEn : c.name);
  return h(
    'section',
    { class: 'card', id: 'campaign-list' },
    h('h2', null, t('allCampaigns')),
    dataTable<Campaign>({
      id: 'campaigns-table',
      label: t('allCampaigns'),
      rows: all,
      emptyText: t('noCampaign'),
      sortBy: { key: 'dates', dir: 'desc' },
      rowAttrs: (c) => ({
        'data-campaign': c.id,
        ...(c.id === chosen?.id ? { 'aria-current': 'true', class: 'current' } : {}),
      }),
      columns: [
        {
          key: 'name',
          label: t('campaignName'),
          rowHeader: true,
          sort: nameOf,
          cell: (c) =>
            h(
              'a',
              {
                href: `/campaign?id=${encodeURIComponent(c.id)}`,
                onclick: ((e: Event) => {
                  e.preventDefault();
                  ctx.navigate(`/campaign?id=${encodeURIComponent(c.id)}`);
                }) as EventListener,
              },
              nameOf(c),
            ),
        },
        {
          key: 'dates',
          label: t('dates'),
          cell: (c) => `${fmtDate(c.firstDay, c.timeZone)}–${fmtDate(c.lastDay, c.timeZone)}`,
          sort: (c) => c.firstDay,
        },
        {
          key: 'status',
          label: t('status'),
          cell: (c) => h('span', { class: `badge phase-${c.phase}` }, t(PHASE_KEYS[c.phase])),
          sort: (c) => c.phase,
        },
        {
          key: 'sites',
          label: t('sitesCount'),
          num: true,
          cell: (c) => fmtNumber(c.siteCount),
          sort: (c) => c.siteCount,
        },
        {
          key: 'target',
          label: t('targetPerDay'),
          num: true,
          optional: true,
          cell: (c) => fmtNumber(c.targetPerDay),
          sort: (c) => c.targetPerDay,
        },
      ],
    }),
  );
}

export async function campaignPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  root.appendChild(h('h1', null, t('navCampaign')));
  const all = (await get<{ items: Campaign[] }>('/campaigns')).items;
  const wanted = new URLSearchParams(location.search).get('id');
  const chosen =
    all.find((c) => c.id === wanted) ?? (ctx.campaign && all.find((c) => c.id === ctx.campaign!.id));
  root.appendChild(campaignList(all, chosen ?? null, ctx));
  if (!chosen) {
    root.appendChild(message('info', t('noCampaign')));
    return;
  }
  let campaign: Campaign = chosen;
  root.appendChild(h('h2', { id: 'campaign-editing' }, `${t('campaignEditing')}: ${campaign.name}`));
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
  const painter = await peakPainter(
    ctx,
    () => campaign,
    (c) => (campaign = c),
    () => targetInput?.value ?? String(campaign.targetPerDay),
  );
  schedulePreview = () => painter.refreshPreview();
  root.append(
    painter.element,
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
}
