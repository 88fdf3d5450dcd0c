import type { Campaign, Media } from '#shared/schemas/api.ts';
import { errorText, patch, uploadWithProgress } from '../api.ts';
import { clear, h, message, submitInto } from '../dom.ts';
import { fmtDate, fmtNumber, parseDmy } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { participantsSection } from './participants.ts';
import { peakPainter } from './peak-painter.ts';

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
