// Hand-written SVG charts: a bar chart (tier distribution, settlement totals) and a step chart
// (a user's VIP level over time). A few dozen lines each beat shipping a chart library for
// three charts; they scale with the viewBox and need no build step.
import { s } from './dom.js';
import { count } from './format.js';

function niceTicks(maximum, wanted = 4) {
  if (maximum <= 0) return [0];
  const raw = maximum / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const ticks = [];
  for (let value = 0; value <= maximum + step / 2 && ticks.length < 20; value += step) ticks.push(value);
  return ticks;
}

function compact(value) {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1).replace(/\.0$/, '')}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1).replace(/\.0$/, '')}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)}k`;
  return count(Math.round(value * 100) / 100);
}

/**
 * bars: [{ label, value, color, title, valueLabel }]. logScale draws log10(1 + value), so a
 * level with 5 users stays visible next to one with 20,000.
 */
export function barChart(
  bars,
  { width = 640, height = 260, logScale = false, ariaLabel = 'bar chart', className = '' } = {},
) {
  const margin = { top: 22, right: 12, bottom: 40, left: 52 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const scaled = (value) => (logScale ? Math.log10(1 + Math.max(0, value)) : Math.max(0, value));
  const maximum = Math.max(1e-9, ...bars.map((bar) => scaled(bar.value)));
  const slot = plotWidth / Math.max(1, bars.length);
  const barWidth = Math.min(72, slot * 0.7);
  const children = [];

  const ticks = logScale ? [0, 1, 2, 3, 4, 5, 6, 7].filter((power) => power <= Math.ceil(maximum)) : niceTicks(maximum);
  const top = logScale
    ? Math.max(maximum, ticks[ticks.length - 1] ?? 1)
    : Math.max(maximum, ticks[ticks.length - 1] ?? 1);
  const y = (value) => margin.top + plotHeight - (value / top) * plotHeight;
  for (const tick of ticks) {
    const label = logScale ? compact(10 ** tick - (tick === 0 ? 1 : 0)) : compact(tick);
    children.push(
      s('line', { class: 'grid-line', x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick) }),
    );
    children.push(s('text', { x: margin.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, label));
  }
  children.push(s('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }));

  bars.forEach((bar, index) => {
    const x = margin.left + slot * index + (slot - barWidth) / 2;
    const barTop = y(scaled(bar.value));
    const barHeight = Math.max(bar.value > 0 ? 1.5 : 0, y(0) - barTop);
    children.push(
      s(
        'rect',
        {
          class: 'bar',
          x,
          y: y(0) - barHeight,
          width: barWidth,
          height: barHeight,
          rx: 3,
          fill: bar.color ?? '#1f6feb',
          'data-label': bar.label,
          'data-value': bar.value,
        },
        s('title', null, bar.title ?? `${bar.label}: ${count(bar.value)}`),
      ),
    );
    children.push(
      s(
        'text',
        { class: 'bar-label', x: x + barWidth / 2, y: y(0) - barHeight - 6, 'text-anchor': 'middle' },
        bar.valueLabel ?? compact(bar.value),
      ),
    );
    children.push(
      s('text', { x: x + barWidth / 2, y: height - margin.bottom + 16, 'text-anchor': 'middle' }, bar.label),
    );
    if (bar.sublabel)
      children.push(
        s('text', { x: x + barWidth / 2, y: height - margin.bottom + 30, 'text-anchor': 'middle' }, bar.sublabel),
      );
  });

  return s(
    'svg',
    { class: `chart ${className}`, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': ariaLabel },
    children,
  );
}

/**
 * A user's level over time: points [{ atMs, fromLevel, toLevel, reason }] oldest first,
 * drawn as a step line with a dot per change (green up, red down), up to nowMs.
 */
export function timelineChart(points, { levelNames = [], nowMs = Date.now(), width = 720, height = 220 } = {}) {
  const margin = { top: 14, right: 16, bottom: 30, left: 86 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const levels = points.flatMap((point) => [point.fromLevel, point.toLevel]);
  const topLevel = Math.max(1, levelNames.length - 1, ...levels);
  const firstMs = points.length > 0 ? points[0].atMs : nowMs - 86_400_000;
  const startMs = Math.min(firstMs, nowMs) - Math.max(3_600_000, (nowMs - firstMs) * 0.04);
  const spanMs = Math.max(1, nowMs - startMs);
  const x = (atMs) => margin.left + ((atMs - startMs) / spanMs) * plotWidth;
  const y = (level) => margin.top + plotHeight - (level / topLevel) * plotHeight;
  const children = [];

  for (let level = 0; level <= topLevel; level++) {
    children.push(
      s('line', { class: 'grid-line', x1: margin.left, x2: width - margin.right, y1: y(level), y2: y(level) }),
    );
    children.push(
      s('text', { x: margin.left - 8, y: y(level) + 4, 'text-anchor': 'end' }, levelNames[level] ?? `L${level}`),
    );
  }
  const tickCount = 5;
  for (let tick = 0; tick <= tickCount; tick++) {
    const atMs = startMs + (spanMs * tick) / tickCount;
    const date = new Date(atMs);
    const label =
      spanMs > 2 * 86_400_000
        ? `${date.getMonth() + 1}/${date.getDate()}`
        : `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
    children.push(
      s(
        'text',
        { x: x(atMs), y: height - 8, 'text-anchor': tick === 0 ? 'start' : tick === tickCount ? 'end' : 'middle' },
        label,
      ),
    );
  }
  children.push(s('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }));

  let level = points.length > 0 ? points[0].fromLevel : 0;
  let path = `M ${x(startMs)} ${y(level)}`;
  for (const point of points) {
    path += ` H ${x(point.atMs)} V ${y(point.toLevel)}`;
    level = point.toLevel;
  }
  path += ` H ${x(nowMs)}`;
  children.push(s('path', { class: 'step', d: path }));
  for (const point of points) {
    const kind =
      point.toLevel > point.fromLevel ? 'dot-up' : point.toLevel < point.fromLevel ? 'dot-down' : 'dot-other';
    children.push(
      s(
        'circle',
        { class: kind, cx: x(point.atMs), cy: y(point.toLevel), r: 4 },
        s(
          'title',
          null,
          `${new Date(point.atMs).toISOString()}: ${levelNames[point.fromLevel] ?? point.fromLevel} → ${levelNames[point.toLevel] ?? point.toLevel} (${point.reason})`,
        ),
      ),
    );
  }
  return s(
    'svg',
    { class: 'chart timeline', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'VIP level over time' },
    children,
  );
}
