/**
 * The console's data tables: a search box, sortable columns, a column chooser, a header row
 * that stays in view, and, under 600 px, one card per row with each value labelled. The table
 * sits in a focusable, labelled scroll region so a keyboard can scroll it too (axe:
 * scrollable-region-focusable). Pages give rows as data; the table draws them.
 */
import { h } from './dom.ts';
import { currentLang, t } from './i18n.ts';

type Cell = Node | string | number | null | undefined | false | Cell[];

export interface Column<T> {
  /** Stable key: remembered in the column choice, and `data-col` on each cell. */
  key: string;
  label: string;
  cell: (row: T) => Cell;
  /** The value sorted on; without it the column does not sort. */
  sort?: (row: T) => string | number | null;
  /** Right-aligned numbers. */
  num?: boolean;
  /** The row's header cell (`<th scope="row">`). */
  rowHeader?: boolean;
  /** Can be hidden by the column chooser (the first column always stays). */
  optional?: boolean;
  /** Hidden until chosen. */
  hiddenByDefault?: boolean;
  title?: string | undefined;
}

export interface DataTableOptions<T> {
  /** The table's id; also the key under which its column choice is remembered. */
  id: string;
  /** Names the scroll region for screen readers. */
  label: string;
  columns: Column<T>[];
  rows: T[];
  /** Text the search box matches (defaults to every cell's text). */
  searchText?: (row: T) => string;
  /** No search box (short tables). */
  noSearch?: boolean;
  rowAttrs?: (row: T) => Record<string, string>;
  /** A footer row (totals), not sorted or filtered. */
  footer?: T | undefined;
  /** Initial sort. */
  sortBy?: { key: string; dir: 'asc' | 'desc' };
  emptyText?: string;
}

/** Folds Vietnamese diacritics so "bach khoa" finds "Bách Khoa". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

const collator = () => new Intl.Collator(currentLang() === 'vi' ? 'vi' : 'en', { numeric: true });

function cellText(c: Cell): string {
  if (c === null || c === undefined || c === false) return '';
  if (Array.isArray(c)) return c.map(cellText).join(' ');
  if (typeof c === 'string' || typeof c === 'number') return String(c);
  return c.textContent ?? '';
}

function remembered(id: string): Set<string> | null {
  try {
    const raw = globalThis.localStorage.getItem(`cols:${id}`);
    return raw ? new Set(JSON.parse(raw) as string[]) : null;
  } catch {
    return null;
  }
}

/** The table with its toolbar; `table.refresh(rows)` redraws with new rows. */
export function dataTable<T>(o: DataTableOptions<T>): HTMLElement & { refresh(rows: T[]): void } {
  let rows = o.rows;
  let sort = o.sortBy ?? null;
  const hidden = remembered(o.id) ?? new Set(o.columns.filter((c) => c.hiddenByDefault).map((c) => c.key));
  const texts = new Map<T, string>();
  const searchOf = (r: T) => {
    let s = texts.get(r);
    if (s === undefined) {
      s = fold(o.searchText ? o.searchText(r) : o.columns.map((c) => cellText(c.cell(r))).join(' '));
      texts.set(r, s);
    }
    return s;
  };

  const search = h('input', {
    type: 'search',
    id: `${o.id}-search`,
    placeholder: t('searchPlaceholder'),
    autocomplete: 'off',
  });
  const count = h('span', { class: 'muted table-count', 'aria-live': 'polite' });
  const table = h('table', { class: 'data cards', id: o.id });
  const thead = h('thead');
  const tbody = h('tbody');
  const tfoot = o.footer ? h('tfoot') : null;
  table.append(thead, tbody);
  if (tfoot) table.appendChild(tfoot);

  const visible = () => o.columns.filter((c, i) => i === 0 || !hidden.has(c.key));

  const drawCells = (r: T, footer = false) =>
    visible().map((c) => {
      const attrs = {
        class: c.num ? 'num' : null,
        'data-col': c.key,
        'data-label': c.label,
      };
      return c.rowHeader && !footer
        ? h('th', { ...attrs, scope: 'row' }, c.cell(r))
        : h('td', attrs, c.cell(r));
    });

  function drawHead(): void {
    thead.replaceChildren(
      h(
        'tr',
        null,
        visible().map((c) => {
          const dir = sort?.key === c.key ? sort.dir : null;
          return h(
            'th',
            {
              scope: 'col',
              class: c.num ? 'num' : null,
              title: c.title ?? null,
              'data-col': c.key,
              'aria-sort': c.sort
                ? dir === 'asc'
                  ? 'ascending'
                  : dir === 'desc'
                    ? 'descending'
                    : 'none'
                : null,
            },
            c.sort
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'sort',
                    'data-sort': c.key,
                    onclick: (() => {
                      sort = { key: c.key, dir: dir === 'asc' ? 'desc' : 'asc' };
                      draw();
                    }) as EventListener,
                  },
                  c.label,
                  h(
                    'span',
                    { 'aria-hidden': 'true', class: 'sort-mark' },
                    dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ' ↕',
                  ),
                )
              : c.label,
          );
        }),
      ),
    );
  }

  function draw(): void {
    drawHead();
    const q = fold(search.value.trim());
    let shown = q ? rows.filter((r) => q.split(/\s+/).every((w) => searchOf(r).includes(w))) : rows.slice();
    const col = sort ? o.columns.find((c) => c.key === sort!.key) : undefined;
    if (col?.sort && sort) {
      const c = collator();
      const mul = sort.dir === 'asc' ? 1 : -1;
      const key = col.sort;
      shown = shown
        .map((r) => ({ r, v: key(r) }))
        .sort((a, b) => {
          // Empty values last, whichever the direction.
          if (a.v === null || a.v === '') return b.v === null || b.v === '' ? 0 : 1;
          if (b.v === null || b.v === '') return -1;
          const d =
            typeof a.v === 'number' && typeof b.v === 'number'
              ? a.v - b.v
              : c.compare(String(a.v), String(b.v));
          return d * mul;
        })
        .map((x) => x.r);
    }
    tbody.replaceChildren(
      ...(shown.length
        ? shown.map((r) => h('tr', o.rowAttrs?.(r) ?? null, drawCells(r)))
        : [
            h(
              'tr',
              { class: 'empty' },
              h('td', { colspan: visible().length }, q ? t('noMatch') : (o.emptyText ?? t('noData'))),
            ),
          ]),
    );
    if (tfoot && o.footer) tfoot.replaceChildren(h('tr', { class: 'total' }, drawCells(o.footer, true)));
    count.textContent = q ? `${shown.length} / ${rows.length}` : '';
  }

  search.addEventListener('input', draw);

  const optional = o.columns.filter((c, i) => i > 0 && c.optional);
  const chooser = optional.length
    ? h(
        'details',
        { class: 'columns' },
        h('summary', null, t('chooseColumns')),
        h(
          'div',
          { class: 'column-list' },
          optional.map((c) => {
            const box = h('input', { type: 'checkbox', 'data-choose': c.key, checked: !hidden.has(c.key) });
            box.addEventListener('change', () => {
              if (box.checked) hidden.delete(c.key);
              else hidden.add(c.key);
              try {
                globalThis.localStorage.setItem(`cols:${o.id}`, JSON.stringify([...hidden]));
              } catch {
                // private mode: the choice lasts for this page only
              }
              draw();
            });
            return h('label', { class: 'check' }, box, c.label);
          }),
        ),
      )
    : null;

  draw();
  const tools =
    o.noSearch && !chooser
      ? null
      : h(
          'div',
          { class: 'table-tools' },
          o.noSearch ? null : h('label', { class: 'search' }, t('search'), search),
          count,
          chooser,
        );
  const box = h(
    'div',
    { class: 'data-table' },
    tools,
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': o.label }, table),
  );
  return Object.assign(box, {
    refresh(next: T[]): void {
      rows = next;
      texts.clear();
      draw();
    },
  });
}

/** A scroll box a keyboard can reach, for wide content that is not a data table (a grid, a chart). */
export function scrollRegion(label: string, child: Node, cls = 'table-wrap'): HTMLElement {
  return h('div', { class: cls, tabindex: 0, role: 'region', 'aria-label': label }, child);
}
