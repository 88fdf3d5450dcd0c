import type { Override, OverrideState } from '#shared/schemas/api.ts';
import { get, post, query } from '../api.ts';
import { clear, h, message, submitInto } from '../dom.ts';
import { fmtDateTime, fmtNumber } from '../fmt.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { stat } from './common.ts';

interface CampaignSite {
  siteId: string;
  name: string;
  targetPerDay: number;
  overridePerDay: number | null;
  effectivePerDay: number;
}

export async function frequencyPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  root.append(h('h1', null, t('frequencyTitle')), h('p', { class: 'muted' }, t('frequencyHelp')));
  const campaign = ctx.campaign;
  if (!campaign) {
    root.appendChild(message('info', t('noCampaign')));
    return;
  }
  const sites = (await get<{ items: CampaignSite[] }>(`/campaigns/${encodeURIComponent(campaign.id)}/sites`))
    .items;
  if (!sites.length) {
    root.appendChild(message('info', t('noData')));
    return;
  }
  const params = new URLSearchParams(location.search);
  let siteId = sites.find((s) => s.siteId === params.get('site'))?.siteId ?? sites[0]!.siteId;
  const body = h('div');
  const select = h(
    'select',
    {
      id: 'freq-site',
      onchange: (() => {
        siteId = select.value;
        void show();
      }) as EventListener,
    },
    sites.map((s) => h('option', { value: s.siteId, selected: s.siteId === siteId }, s.name)),
  );
  root.append(h('label', null, t('site'), select), body);

  async function show(notice?: HTMLElement): Promise<void> {
    const st = await get<OverrideState>(`/overrides/state${query({ campaign: campaign!.id, site: siteId })}`);
    clear(body);
    const status = h('div', { id: 'freq-status' });
    if (notice) status.appendChild(notice);
    const value = h('input', {
      id: 'freq-value',
      name: 'playsPerDay',
      type: 'number',
      min: 1,
      max: 1000,
      value: st.effectivePerDay,
    });
    const reason = h('input', { id: 'freq-reason', name: 'reason', maxlength: 1000, size: 50 });
    // Each change's previous value: the change before it at the same site, else the city's target.
    const older = st.history.slice().sort((a, b) => a.setAt.localeCompare(b.setAt) || a.id - b.id);
    const previousOf = (o: Override): number => {
      const i = older.indexOf(o);
      const before = older.slice(0, i).filter((x) => x.siteId === o.siteId && x.campaignId === o.campaignId);
      return before.at(-1)?.playsPerDay ?? campaign!.targetPerDay;
    };
    const form = h(
      'form',
      {
        class: 'card',
        id: 'freq-form',
        onsubmit: submitInto(status, async () => {
          // A refusal (below the city's target, only upwards, not feasible) is shown in the server's words.
          const saved = await post<Override>('/overrides', {
            campaignId: campaign!.id,
            siteId,
            playsPerDay: Number(value.value),
            reason: reason.value,
          });
          // What the raise does today, in the scheduler's count: added today, moved to later days.
          const e = saved.effect;
          const effect = e
            ? ` ${t('raiseEffect')
                .replace('{today}', fmtNumber(e.addedToday))
                .replace('{later}', fmtNumber(e.movedLater))}`
            : '';
          const box = message('ok', `${t('applied')}${effect}`);
          box.id = 'freq-effect';
          await show(box);
        }),
      },
      h(
        'div',
        { class: 'stats' },
        stat(t('cityTarget'), fmtNumber(st.targetPerDay), 'freq-target'),
        stat(t('inForce'), fmtNumber(st.effectivePerDay), 'freq-in-force', 'ok'),
        stat(t('maxFeasible'), fmtNumber(st.maxFeasiblePerDay), 'freq-max'),
      ),
      h(
        'div',
        { class: 'row' },
        h('label', null, t('newValue'), value),
        h('label', null, t('reason'), reason),
      ),
      h('button', { type: 'submit', id: 'freq-submit' }, t('apply')),
      status,
    );
    body.append(
      form,
      h('h2', null, t('history')),
      h(
        'table',
        { class: 'data', id: 'freq-history' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('when')),
            h('th', null, t('who')),
            h('th', { class: 'num' }, t('previousValue')),
            h('th', { class: 'num' }, t('value')),
            h('th', null, t('reason')),
          ),
        ),
        h(
          'tbody',
          null,
          st.history.length
            ? st.history.map((o) =>
                h(
                  'tr',
                  null,
                  h('td', null, fmtDateTime(o.setAt, ctx.zone)),
                  h('td', null, o.setByName),
                  h('td', { class: 'num', 'data-col': 'previous' }, fmtNumber(previousOf(o))),
                  h('td', { class: 'num' }, fmtNumber(o.playsPerDay)),
                  h('td', null, o.reason),
                ),
              )
            : h('tr', null, h('td', { colspan: 5 }, t('noData'))),
        ),
      ),
    );
  }
  await show();
}
