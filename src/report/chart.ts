/**
 * Line charts as SVG text, for report.html. `renderChartSvg` is self-contained on purpose
 * (no imports, no module state, plain ES2020 inside): report.html embeds its source
 * (`renderChartSvg.toString()`) and runs it in the browser over the chart data, so the page
 * needs no network and no library, and the same function is unit-tested here in Node.
 *
 * A chart: x and y axes (linear, log10 or categorical x), one polyline per series with a
 * marker and a tooltip (`<title>`) per point, a legend under the plot.
 */

export interface ChartSeries {
  readonly name: string;
  /** [x, y] points; on a log axis, points <= 0 are left out. x is the index with categories. */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartAxis {
  readonly label: string;
  readonly log?: boolean;
  /** Categorical x axis: tick i is labelled categories[i]. */
  readonly categories?: readonly string[];
}

export interface ChartSpec {
  /** DOM id of the chart's figure, e.g. `chart-badblocks-check-miss`. */
  readonly id: string;
  readonly title: string;
  readonly x: ChartAxis;
  readonly y: ChartAxis;
  readonly series: readonly ChartSeries[];
}

/** SVG markup of `spec`. Self-contained: see the file comment before editing. */
export function renderChartSvg(spec: ChartSpec): string {
  const W = 680;
  const left = 64;
  const right = 16;
  const top = 12;
  const plotH = 260;
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const esc = (s: string): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const fmt = (v: number): string => {
    const a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toPrecision(3) + 'G';
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
    if (a >= 1e3) return +(v / 1e3).toPrecision(3) + 'k';
    if (a === 0) return '0';
    if (a < 0.01) return v.toExponential(0);
    return String(+v.toPrecision(3));
  };
  const usable = (v: number, log: boolean | undefined): boolean => Number.isFinite(v) && (!log || v > 0);
  const series = spec.series.map((s) => ({
    name: s.name,
    points: s.points.filter((p) => usable(p[0], spec.x.log) && usable(p[1], spec.y.log)).slice().sort((a, b) => a[0] - b[0]),
  })).filter((s) => s.points.length > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) for (const p of s.points) { xs.push(p[0]); ys.push(p[1]); }
  const plotW = W - left - right;
  // As many legend columns as the longest name allows (about 6.5 px a character at 11 px).
  const longest = Math.max(1, ...series.map((s) => s.name.length));
  const legendCols = Math.max(1, Math.min(3, Math.floor(plotW / (longest * 6.5 + 24))));
  const legendRows = Math.ceil(series.length / legendCols);
  const H = top + plotH + 44 + legendRows * 18;
  if (xs.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg empty" viewBox="0 0 ${W} 60" width="${W}" height="60" role="img">` +
      `<text x="${W / 2}" y="34" text-anchor="middle" font-size="13">no data</text></svg>`;
  }
  // An axis maps a value to [0, 1]; ticks are nice values within its domain.
  const axis = (vals: number[], a: ChartAxis): { pos: (v: number) => number; ticks: number[]; label: (v: number) => string } => {
    if (a.categories) {
      const n = Math.max(a.categories.length - 1, 1);
      const cats = a.categories;
      return { pos: (v) => (a.categories!.length === 1 ? 0.5 : v / n), ticks: cats.map((_, i) => i), label: (v) => cats[v] ?? '' };
    }
    let lo = Math.min(...vals);
    let hi = Math.max(...vals);
    if (a.log) {
      let l0 = Math.floor(Math.log10(lo));
      let l1 = Math.ceil(Math.log10(hi));
      if (l1 === l0) { l0 -= 1; l1 += 1; }
      const ticks: number[] = [];
      for (let e = l0; e <= l1; e++) {
        ticks.push(10 ** e);
        if (l1 - l0 <= 2 && e < l1) ticks.push(2 * 10 ** e, 5 * 10 ** e);
      }
      return { pos: (v) => (Math.log10(v) - l0) / (l1 - l0), ticks, label: fmt };
    }
    if (lo > 0 && lo < hi / 3) lo = 0;
    if (lo === hi) { lo = lo === 0 ? -1 : lo * 0.9; hi = hi === 0 ? 1 : hi * 1.1; }
    const raw = (hi - lo) / 5;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
    const ticks: number[] = [];
    for (let t = lo; t <= hi + step / 2; t += step) ticks.push(+t.toPrecision(12));
    return { pos: (v) => (v - lo) / (hi - lo), ticks, label: fmt };
  };
  const ax = axis(xs, spec.x);
  const ay = axis(ys, spec.y);
  const X = (v: number): number => +(left + ax.pos(v) * plotW).toFixed(1);
  const Y = (v: number): number => +(top + (1 - ay.pos(v)) * plotH).toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title)}" font-family="sans-serif">`);
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (const t of ay.ticks) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 6}" y="${Y(t) + 4}" text-anchor="end" font-size="11">${esc(ay.label(t))}</text>`);
  }
  for (const t of ax.ticks) {
    out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${top}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${X(t)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${esc(ax.label(t))}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" font-size="12">${esc(spec.x.label)}${spec.x.log ? ' (log)' : ''}</text>`);
  out.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(spec.y.label)}${spec.y.log ? ' (log)' : ''}</text>`);
  series.forEach((s, i) => {
    const color = palette[i % palette.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${X(p[0])} ${Y(p[1])}`).join(' ');
    out.push(`<g class="series" data-series="${esc(s.name)}"><path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) {
      const xl = spec.x.categories ? spec.x.categories[p[0]] ?? String(p[0]) : fmt(p[0]);
      out.push(`<circle cx="${X(p[0])}" cy="${Y(p[1])}" r="3" fill="${color}"><title>${esc(s.name)}: ${esc(xl)} → ${esc(fmt(p[1]))}</title></circle>`);
    }
    out.push('</g>');
    const lx = left + (i % legendCols) * (plotW / legendCols);
    const ly = top + plotH + 50 + Math.floor(i / legendCols) * 18;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="4" fill="${color}"/><text x="${lx + 16}" y="${ly - 4}" font-size="11">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
