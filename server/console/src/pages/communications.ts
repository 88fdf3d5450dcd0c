/**
 * Communications (tin truyền thông) and urgent warnings (cảnh báo khẩn): the three-level flow of
 * the city office's letter. Editors draft and submit, approvers approve or reject, the page lists
 * what higher levels already air here (never re-send it) and each office's cadence. The
 * warnings page shows, live, how many screens in scope have shown a warning.
 */
import type { Cadence, Communication, Warning } from '#shared/schemas/comms.ts';
import type { RegionNode } from '#shared/schemas/api.ts';
import { zonedToInstant } from '#shared/time.ts';
import { get, post } from '../api.ts';
import { clear, h, message, showFailure, submitInto } from '../dom.ts';
import { fmtDate, fmtDateTime, parseDmy, todayIn } from '../fmt.ts';
import { currentLang } from '../i18n.ts';
import type { PageContext } from '../main.ts';

const L = (vi: string, en: string) => (currentLang() === 'vi' ? vi : en);

const STATUS: Record<string, [string, string]> = {
  draft: ['Nháp', 'Draft'],
  edited: ['Chờ duyệt', 'Awaiting approval'],
  approved: ['Đã duyệt', 'Approved'],
  on_air: ['Đang phát', 'On air'],
  ended: ['Đã kết thúc', 'Ended'],
  rejected: ['Bị trả lại', 'Rejected'],
  pending: ['Chờ duyệt', 'Awaiting approval'],
  expired: ['Hết hạn', 'Expired'],
  cancelled: ['Đã huỷ', 'Cancelled'],
};
const LEVEL: Record<string, [string, string]> = {
  city: ['Thành phố', 'City'],
  district: ['Quận/huyện', 'District'],
  ward: ['Phường/xã', 'Ward'],
};
const st = (s: string) => L(...(STATUS[s] ?? [s, s]));
const lv = (s: string) => L(...(LEVEL[s] ?? [s, s]));

function homeRegion(ctx: PageContext): string | null {
  return ctx.me.scopes.find((s) => s.kind === 'region')?.id ?? null;
}

async function regionOptions(ctx: PageContext, id: string): Promise<HTMLSelectElement> {
  const select = h('select', { id, name: 'scopeRegionId' });
  const home = homeRegion(ctx);
  if (!home) return select;
  const tree = await get<{ items: RegionNode[] }>(`/regions?root=${encodeURIComponent(home)}`);
  const walk = (n: RegionNode, depth: number) => {
    select.appendChild(h('option', { value: n.id }, `${'  '.repeat(depth)}${n.name}`));
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const n of tree.items) walk(n, 0);
  return select;
}

export async function communicationsPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const zone = ctx.zone;
  const isComms = ctx.me.role === 'comms_editor' || ctx.me.role === 'comms_approver';
  const approver = ctx.me.role === 'comms_approver';
  const status = h('div', { id: 'comm-status' });
  const list = h('div', { id: 'comm-list' });
  const above = h('div', { id: 'comm-above' });
  const cadence = h('div', { id: 'comm-cadence' });

  async function act(path: string, body?: unknown): Promise<void> {
    clear(status);
    try {
      await post(path, body);
      status.appendChild(message('ok', L('Đã lưu', 'Saved')));
      await refresh();
    } catch (err) {
      showFailure(status, err, null);
    }
  }

  function row(c: Communication): HTMLElement {
    const buttons: HTMLElement[] = [];
    const mine = isComms && homeRegion(ctx) === c.authorRegion.id;
    if (mine && (c.status === 'draft' || c.status === 'rejected'))
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'small submit',
            onclick: (() => void act(`/communications/${c.id}/submit`, {})) as EventListener,
          },
          L('Biên tập xong', 'Submit'),
        ),
      );
    if (mine && approver && (c.status === 'edited' || (c.level !== 'city' && c.status === 'draft'))) {
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'small approve',
            onclick: (() => void act(`/communications/${c.id}/approve`)) as EventListener,
          },
          L('Phê duyệt', 'Approve'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'small reject',
            onclick: (() => {
              const reason = window.prompt(L('Lý do trả lại', 'Reason for rejecting'));
              if (reason) void act(`/communications/${c.id}/reject`, { reason });
            }) as EventListener,
          },
          L('Trả lại', 'Reject'),
        ),
      );
    }
    return h(
      'tr',
      { 'data-id': c.id },
      h('td', null, c.id),
      h('td', { class: 'title' }, c.title),
      h('td', null, lv(c.level), ' · ', c.authorRegion.name),
      h('td', null, c.scopeRegion.name),
      h('td', null, `${fmtDate(c.firstDay, zone)} – ${fmtDate(c.lastDay, zone)}`),
      h('td', null, String(c.playsPerDay)),
      h(
        'td',
        { class: `status status-${c.status}` },
        st(c.status),
        c.rejectReason ? ` (${c.rejectReason})` : '',
      ),
      h('td', null, buttons),
    );
  }

  function table(items: Communication[], id: string): HTMLElement {
    if (items.length === 0) return h('p', { class: 'muted', id }, L('Chưa có tin.', 'No items yet.'));
    return h(
      'table',
      { id },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'Mã / Id',
            L('Tiêu đề', 'Title'),
            L('Cấp gửi', 'Sent by'),
            L('Địa bàn', 'Area'),
            L('Thời gian', 'Dates'),
            L('Lượt/ngày', 'Plays/day'),
            L('Trạng thái', 'Status'),
            '',
          ].map((x) => h('th', null, x)),
        ),
      ),
      h('tbody', null, items.map(row)),
    );
  }

  async function refresh(): Promise<void> {
    const [mine, cad, fromAbove] = await Promise.all([
      get<{ items: Communication[] }>('/communications'),
      get<Cadence>('/communications/cadence'),
      isComms
        ? get<{ items: Communication[] }>('/communications/from-above')
        : Promise.resolve({ items: [] }),
    ]);
    clear(list);
    list.appendChild(table(mine.items, 'comm-table'));
    clear(above);
    if (isComms) above.appendChild(table(fromAbove.items, 'comm-above-table'));
    clear(cadence);
    const flagged = cad.rows.filter((r) => r.flagged);
    cadence.append(
      h(
        'table',
        { id: 'cadence-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [
              L('Cấp', 'Level'),
              L('Đơn vị', 'Office'),
              L('Tin gần nhất', 'Last item'),
              L('Số ngày', 'Days since'),
            ].map((x) => h('th', null, x)),
          ),
        ),
        h(
          'tbody',
          null,
          cad.rows.map((r) =>
            h(
              'tr',
              { class: r.flagged ? 'flagged' : '', 'data-region': r.regionId },
              h('td', null, lv(r.level)),
              h('td', null, r.regionName),
              h('td', null, r.lastAiredAt ? `${r.lastItemId} · ${fmtDateTime(r.lastAiredAt, zone)}` : '—'),
              h(
                'td',
                null,
                r.daysSince === null ? L('chưa có tin', 'never') : String(r.daysSince),
                r.flagged ? ' ⚑' : '',
              ),
            ),
          ),
        ),
      ),
      h(
        'p',
        { class: 'muted' },
        L(
          `${flagged.length} đơn vị quá 3 ngày chưa có tin.`,
          `${flagged.length} offices with no item for more than 3 days.`,
        ),
      ),
    );
  }

  const parts: HTMLElement[] = [h('h1', null, L('Tin truyền thông', 'Communications'))];
  if (isComms) {
    const form = h('form', { id: 'comm-form', class: 'card' });
    const formStatus = h('div', { id: 'comm-form-status' });
    const title = h('input', { id: 'comm-title', name: 'title', required: true, maxlength: 200 });
    const body = h('textarea', { id: 'comm-body', name: 'body', rows: 3 });
    const media = h(
      'select',
      { id: 'comm-media', name: 'mediaSha256' },
      h('option', { value: '' }, L('(không có – chỉ văn bản)', '(none – text only)')),
    );
    try {
      const lib = await get<{ items: Array<{ sha256: string; name: string; kind: string }> }>('/media');
      for (const m of lib.items) media.appendChild(h('option', { value: m.sha256 }, `${m.name} (${m.kind})`));
    } catch {
      // the library is optional for a text item
    }
    const doc = h('input', { id: 'comm-doc', name: 'sourceDoc', placeholder: '2720/UBND-TTĐT' });
    const scope = await regionOptions(ctx, 'comm-scope');
    const today = todayIn(zone, ctx.nowMs);
    const first = h('input', { id: 'comm-first', name: 'firstDay', value: fmtDate(today, zone) });
    const last = h('input', { id: 'comm-last', name: 'lastDay', value: fmtDate(today, zone) });
    const perDay = h('input', {
      id: 'comm-per-day',
      name: 'playsPerDay',
      type: 'number',
      min: 1,
      max: 200,
      value: 6,
    });
    form.append(
      h('h2', null, L('Soạn tin mới', 'New item')),
      h('label', null, L('Tiêu đề', 'Title'), title),
      h('label', null, L('Nội dung (văn bản)', 'Text'), body),
      h('label', null, L('Tệp nội dung', 'Media'), media),
      h('label', null, L('Số văn bản nguồn', 'Source document number'), doc),
      h('label', null, L('Địa bàn', 'Area'), scope),
      h('label', null, L('Từ ngày (dd/mm/yyyy)', 'First day (dd/mm/yyyy)'), first),
      h('label', null, L('Đến hết ngày', 'Last day'), last),
      h('label', null, L('Số lượt phát/ngày', 'Plays per day'), perDay),
      h('button', { type: 'submit', id: 'comm-save' }, L('Lưu bản nháp', 'Save draft')),
      formStatus,
    );
    form.addEventListener(
      'submit',
      submitInto(formStatus, async () => {
        const firstDay = parseDmy(first.value);
        const lastDay = parseDmy(last.value);
        if (!firstDay || !lastDay)
          throw new Error(L('Ngày phải có dạng dd/mm/yyyy', 'Dates must be dd/mm/yyyy'));
        const created = await post<Communication>('/communications', {
          title: title.value,
          body: body.value,
          mediaSha256: media.value || null,
          sourceDoc: doc.value.trim() || null,
          scopeRegionId: scope.value || undefined,
          firstDay,
          lastDay,
          playsPerDay: Number(perDay.value),
        });
        formStatus.appendChild(
          message('ok', L(`Đã lưu bản nháp ${created.id}`, `Draft ${created.id} saved`)),
        );
        await refresh();
      }),
    );
    parts.push(form);
  }
  parts.push(
    status,
    h('h2', null, L('Tin của đơn vị và trong địa bàn', 'Items of your office and your area')),
    list,
  );
  if (isComms)
    parts.push(
      h(
        'h2',
        null,
        L(
          'Tin cấp trên đang phát trong địa bàn (không gửi lại)',
          "Higher levels' items already reaching your area (do not re-send)",
        ),
      ),
      above,
    );
  parts.push(
    h('h2', null, L('Tần suất: tối thiểu 03 ngày 01 tin', 'Cadence: at least one item every 3 days')),
    cadence,
  );
  root.append(...parts);
  await refresh();
}

export async function warningsPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const zone = ctx.zone;
  const isComms = ctx.me.role === 'comms_editor' || ctx.me.role === 'comms_approver';
  const approver = ctx.me.role === 'comms_approver';
  const status = h('div', { id: 'warn-status' });
  const list = h('div', { id: 'warn-list' });

  async function act(path: string, body?: unknown): Promise<void> {
    clear(status);
    try {
      await post(path, body);
      await refresh();
    } catch (err) {
      showFailure(status, err, null);
    }
  }

  function row(w: Warning): HTMLElement {
    const mine = isComms && homeRegion(ctx) === w.authorRegion.id;
    const buttons: HTMLElement[] = [];
    if (mine && approver && w.status === 'pending')
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'small approve',
            onclick: (() => void act(`/warnings/${w.id}/approve`)) as EventListener,
          },
          L('Phê duyệt và phát ngay', 'Approve and air now'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'small reject',
            onclick: (() => {
              const reason = window.prompt(L('Lý do trả lại', 'Reason for rejecting'));
              if (reason) void act(`/warnings/${w.id}/reject`, { reason });
            }) as EventListener,
          },
          L('Trả lại', 'Reject'),
        ),
      );
    if (approver && (w.status === 'on_air' || (mine && w.status === 'pending')))
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'small cancel',
            onclick: (() => void act(`/warnings/${w.id}/cancel`)) as EventListener,
          },
          L('Huỷ cảnh báo', 'Cancel'),
        ),
      );
    return h(
      'tr',
      { 'data-id': w.id },
      h('td', null, w.id),
      h('td', { class: 'title' }, w.headline),
      h('td', null, w.display === 'fullscreen' ? L('Toàn màn hình', 'Full screen') : L('Dải chữ', 'Band')),
      h('td', null, w.scopeRegions.map((r) => r.name).join(', ')),
      h('td', null, fmtDateTime(w.expiresAt, zone)),
      h('td', { class: `status status-${w.status}` }, st(w.status)),
      h(
        'td',
        { class: 'shown', title: L('đã hiển thị / màn hình trong địa bàn', 'shown / screens in scope') },
        `${w.counts.shown}/${w.counts.inScope}`,
      ),
      h('td', null, buttons, ' ', h('a', { href: `/api/v1/warnings/${w.id}/cap`, class: 'cap-link' }, 'CAP')),
    );
  }

  // Redrawn only when something changed, so a button is never replaced under the pointer.
  let shownJson = '';
  async function refresh(): Promise<void> {
    const data = await get<{ items: Warning[] }>('/warnings');
    const json = JSON.stringify(data.items);
    if (json === shownJson) return;
    shownJson = json;
    clear(list);
    if (data.items.length === 0) {
      list.appendChild(h('p', { class: 'muted' }, L('Chưa có cảnh báo.', 'No warnings yet.')));
      return;
    }
    list.appendChild(
      h(
        'table',
        { id: 'warn-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [
              'Mã / Id',
              L('Tiêu đề', 'Headline'),
              L('Hiển thị', 'Display'),
              L('Địa bàn', 'Area'),
              L('Hết hạn', 'Expires'),
              L('Trạng thái', 'Status'),
              L('Đã hiển thị', 'Shown'),
              '',
            ].map((x) => h('th', null, x)),
          ),
        ),
        h('tbody', null, data.items.map(row)),
      ),
    );
  }

  const parts: HTMLElement[] = [h('h1', null, L('Cảnh báo khẩn', 'Urgent warnings'))];
  if (isComms) {
    const form = h('form', { id: 'warn-form', class: 'card' });
    const formStatus = h('div', { id: 'warn-form-status' });
    const headline = h('input', { id: 'warn-headline', name: 'headline', required: true, maxlength: 200 });
    const body = h('textarea', { id: 'warn-body', name: 'body', rows: 3 });
    const display = h(
      'select',
      { id: 'warn-display', name: 'display' },
      h('option', { value: 'fullscreen' }, L('Toàn màn hình', 'Full screen')),
      h('option', { value: 'band' }, L('Dải chữ trên nội dung', 'Band over the content')),
    );
    const scope = await regionOptions(ctx, 'warn-scope');
    const today = todayIn(zone, ctx.nowMs);
    const day = h('input', { id: 'warn-day', name: 'expiresAt', value: fmtDate(today, zone) });
    const time = h('input', { id: 'warn-time', value: '23:59', pattern: '\\d{2}:\\d{2}' });
    form.append(
      h('h2', null, L('Soạn cảnh báo', 'New warning')),
      h('label', null, L('Tiêu đề', 'Headline'), headline),
      h('label', null, L('Nội dung', 'Text'), body),
      h('label', null, L('Hiển thị', 'Display'), display),
      h('label', null, L('Địa bàn', 'Area'), scope),
      h('label', null, L('Hết hạn ngày (dd/mm/yyyy)', 'Expires on (dd/mm/yyyy)'), day),
      h('label', null, L('lúc (HH:MM, 24 giờ)', 'at (HH:MM, 24 h)'), time),
      h('button', { type: 'submit', id: 'warn-save' }, L('Lưu, chờ phê duyệt', 'Save for approval')),
      formStatus,
    );
    form.addEventListener(
      'submit',
      submitInto(formStatus, async () => {
        const date = parseDmy(day.value);
        if (!date || !/^\d{2}:\d{2}$/.test(time.value))
          throw new Error(L('Ngày dd/mm/yyyy và giờ HH:MM', 'Date dd/mm/yyyy and time HH:MM'));
        const created = await post<Warning>('/warnings', {
          headline: headline.value,
          body: body.value,
          display: display.value,
          scopeRegionIds: scope.value ? [scope.value] : undefined,
          expiresAt: new Date(zonedToInstant(date, time.value, zone)).toISOString(),
        });
        formStatus.appendChild(
          message('ok', L(`Đã lưu ${created.id}, chờ phê duyệt`, `${created.id} saved, awaiting approval`)),
        );
        await refresh();
      }),
    );
    const capFile = h('input', { id: 'cap-file', type: 'file', accept: '.xml,application/xml' });
    const capStatus = h('div', { id: 'cap-status' });
    const capForm = h(
      'form',
      {
        id: 'cap-form',
        class: 'card',
        onsubmit: submitInto(capStatus, async () => {
          const file = capFile.files?.[0];
          if (!file) return;
          const res = await fetch('/api/v1/warnings/cap', {
            method: 'POST',
            headers: { 'content-type': 'application/xml' },
            body: await file.text(),
          });
          const json = (await res.json()) as { message?: string; detail?: string };
          capStatus.appendChild(
            message(res.ok ? 'ok' : 'error', json.message ?? json.detail ?? String(res.status)),
          );
          await refresh();
        }),
      },
      h('h2', null, L('Nhập cảnh báo CAP 1.2', 'Import a CAP 1.2 alert')),
      capFile,
      h('button', { type: 'submit', id: 'cap-import' }, L('Nhập', 'Import')),
      capStatus,
    );
    parts.push(form, capForm);
  }
  parts.push(status, list);
  root.append(...parts);
  await refresh();
  // Live: the shown counts follow the screens' reports while this page is open.
  const timer = window.setInterval(() => {
    if (!root.isConnected) {
      window.clearInterval(timer);
      return;
    }
    void refresh().catch(() => undefined);
  }, 1000);
}
