/**
 * Hand-made SVG charts: bars with an optional target line. Each bar carries data-label and
 * data-value so people using a screen reader (and tests) can read the numbers, and a <title>
 * shows the exact value on hover.
 */
const NS = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export interface Bar {
  label: string;
  value: number;
  /** Extra class: 'peak', 'closed', 'short'. */
  kind?: string;
  /** The target line's value at this bar (daily chart). */
  target?: number;
  title?: string;
  /** Shade this bar's column (e.g. the site is closed in that hour). */
  shaded?: boolean;
}

export interface BarChartOptions {
  title: string;
  height?: number;
  /** Show every n-th label on the x axis. */
  labelEvery?: number;
  /** Name of the target line in the legend. */
  targetLabel?: string;
  /** Name of the shaded columns in the legend. */
  shadeLabel?: string;
  /** Legend entries for bars drawn with a `kind` class (e.g. below target, peak hours). */
  kindLabels?: { kind: string; label: string }[];
  valueLabel: string;
  /** Drawing width in SVG units; by default narrower on a phone so the text stays readable. */
  width?: number;
}

/** Text in the chart is 12 units high; a phone draws 360 units across ~340 px, so it stays ≥ 11 px. */
const narrow = () => globalThis.innerWidth < 600;

export function barChart(bars: Bar[], o: BarChartOptions): SVGSVGElement {
  const width = o.width ?? (narrow() ? 360 : 720);
  const padL = 44;
  const padB = 28;
  // The legend first: its entries wrap onto more lines when the chart is narrow.
  const entries: { mark: (x: number, y: number) => SVGElement; text: string }[] = [
    { mark: (x, y) => s('rect', { x, y, width: 10, height: 10, class: 'bar' }), text: o.valueLabel },
  ];
  if (o.targetLabel)
    entries.push({
      mark: (x, y) => s('line', { x1: x, x2: x + 16, y1: y + 5, y2: y + 5, class: 'target-line' }),
      text: o.targetLabel,
    });
  if (o.shadeLabel)
    entries.push({
      mark: (x, y) => s('rect', { x, y, width: 10, height: 10, class: 'shade' }),
      text: o.shadeLabel,
    });
  for (const k of o.kindLabels ?? [])
    entries.push({
      mark: (x, y) => s('rect', { x, y, width: 10, height: 10, class: `bar ${k.kind}` }),
      text: k.label,
    });
  const legend = s('g', { class: 'legend' });
  let lx = 4;
  let ly = 4;
  for (const e of entries) {
    const w = 22 + e.text.length * 6.6 + 14;
    if (lx > 4 && lx + w > width) {
      lx = 4;
      ly += 16;
    }
    legend.appendChild(e.mark(lx, ly));
    legend.appendChild(s('text', { x: lx + 20, y: ly + 10, class: 'axis' }, e.text));
    lx += w;
  }
  const padT = ly + 22;
  const height = (o.height ?? 220) + (ly - 4);
  const plotW = width - padL - 8;
  const plotH = height - padB - padT;
  const max = Math.max(1, ...bars.map((b) => Math.max(b.value, b.target ?? 0)));
  // Counts are whole numbers: small scales round up to a multiple of 4 so quarter ticks stay whole.
  const rough = niceCeil(max);
  const nice = rough < 100 ? Math.ceil(rough / 4) * 4 : rough;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    class: 'chart',
    'aria-label': o.title,
  });
  svg.appendChild(s('title', {}, o.title));
  for (let i = 0; i <= 4; i++) {
    const v = (nice * i) / 4;
    const y = padT + plotH - (v / nice) * plotH;
    svg.appendChild(s('line', { x1: padL, x2: width - 8, y1: y, y2: y, class: 'grid' }));
    svg.appendChild(s('text', { x: padL - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, formatTick(v)));
  }
  const n = Math.max(1, bars.length);
  const step = plotW / n;
  const bw = Math.max(1, step * 0.72);
  const every = Math.max(o.labelEvery ?? 1, Math.ceil(n / (width < 600 ? 8 : 16)));
  const targetPts: string[] = [];
  bars.forEach((b, i) => {
    // Behind the grid lines: inserted right after the <title>.
    if (b.shaded)
      svg.insertBefore(
        s('rect', { x: padL + i * step, y: padT, width: step, height: plotH, class: 'shade' }),
        svg.childNodes[1] ?? null,
      );
  });
  bars.forEach((b, i) => {
    const x = padL + i * step + (step - bw) / 2;
    const hgt = (b.value / nice) * plotH;
    const rect = s('rect', {
      x,
      y: padT + plotH - hgt,
      width: bw,
      height: Math.max(0, hgt),
      class: `bar ${b.kind ?? ''}`.trim(),
      'data-label': b.label,
      'data-value': b.value,
    });
    rect.appendChild(s('title', {}, b.title ?? `${b.label}: ${b.value}`));
    svg.appendChild(rect);
    if (i % every === 0)
      svg.appendChild(
        s('text', { x: x + bw / 2, y: height - 10, class: 'axis', 'text-anchor': 'middle' }, b.label),
      );
    if (b.target !== undefined) {
      const ty = padT + plotH - (b.target / nice) * plotH;
      targetPts.push(`${padL + i * step},${ty} ${padL + (i + 1) * step},${ty}`);
    }
  });
  if (targetPts.length) svg.appendChild(s('polyline', { points: targetPts.join(' '), class: 'target-line' }));
  svg.appendChild(legend);
  return svg;
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function formatTick(v: number): string {
  if (v >= 1_000_000) return `${Math.round(v / 100_000) / 10}M`;
  if (v >= 10_000) return `${Math.round(v / 1000)}k`;
  return String(Math.round(v * 10) / 10);
}

/** A horizontal progress bar for compliance in tables. */
export function complianceBar(pct: number | null): HTMLElement {
  const wrap = document.createElement('span');
  wrap.className = 'cbar';
  const fill = document.createElement('span');
  const v = pct ?? 0;
  fill.style.width = `${Math.min(100, v)}%`;
  fill.className = v >= 100 ? 'ok' : v >= 90 ? 'warn' : 'bad';
  wrap.appendChild(fill);
  return wrap;
}
