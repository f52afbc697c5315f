// Shared page pieces: panels, notices, tier badges, "load more" lists.
import { ApiError } from './api.js';
import { h, replaceChildren } from './dom.js';

const tierColors = ['#9aa3ae', '#b0703a', '#5f86b8', '#d4a017', '#2f8f9d', '#7b4fd1', '#c2185b', '#2e7d32'];

export function tierColor(level) {
  return tierColors[Math.max(0, Math.min(level, tierColors.length - 1))];
}

export function tierBadge(level, name) {
  return h(
    'span',
    { class: 'tier', style: { background: tierColor(level) }, title: `level ${level}` },
    name ?? `L${level}`,
  );
}

export function panel(title, ...children) {
  return h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, title)), ...children);
}

export function panelWithTools(title, tools, ...children) {
  return h(
    'section',
    { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', null, title), h('span', { class: 'spacer' }), tools),
    ...children,
  );
}

export function loading(text = 'loading…') {
  return h('div', { class: 'loading' }, text);
}

export function notAvailable(what) {
  return h(
    'div',
    { class: 'notice unavailable', dataset: { state: 'not-available' } },
    `${what}: not available on this server (the endpoint is not deployed yet).`,
  );
}

export function errorNotice(error) {
  if (error instanceof ApiError) {
    const field = error.problem?.field ? ` at ${error.problem.field}` : '';
    return h('div', { class: 'notice error' }, `${error.code}: ${error.message}${field}`);
  }
  return h('div', { class: 'notice error' }, String(error?.message ?? error));
}

/** Renders `work()`'s result into `slot`, or "not available" / the error. */
export async function fill(slot, what, work) {
  replaceChildren(slot, loading());
  try {
    const content = await work();
    replaceChildren(slot, content);
  } catch (error) {
    if (error?.name === 'AbortError') return;
    replaceChildren(slot, error instanceof ApiError && error.notAvailable ? notAvailable(what) : errorNotice(error));
  }
}

/**
 * A cursor-paged list: fetchPage(cursor) → { items, nextCursor }; renderItems(items) → rows
 * appended to `body`. A "load more" button fetches the next page; nothing is loaded ahead.
 */
export function pagedList({ fetchPage, renderItems, body, moreLabel = 'load more', onEmpty }) {
  const footer = h('div', { class: 'form-row' });
  let cursor = null;
  let total = 0;
  const more = h('button', { type: 'button', class: 'load-more' }, moreLabel);
  const counter = h('span', { class: 'muted small' });
  async function load() {
    more.disabled = true;
    try {
      const page = await fetchPage(cursor);
      const items = page?.items ?? [];
      total += items.length;
      for (const row of renderItems(items)) body.append(row);
      cursor = page?.nextCursor ?? null;
      counter.textContent = `${total.toLocaleString('en')} shown${cursor ? '' : ' (all)'}`;
      replaceChildren(footer, cursor ? more : null, counter);
      if (total === 0 && onEmpty) onEmpty();
    } catch (error) {
      replaceChildren(
        footer,
        error instanceof ApiError && error.notAvailable ? notAvailable('this list') : errorNotice(error),
        cursor ? more : null,
      );
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => void load());
  return { footer, load };
}

export function kv(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs.filter(Boolean).map(([label, value]) => [h('dt', null, label), h('dd', null, value)]),
  );
}

export function userLink(userId) {
  return h('a', { href: `#/users/${encodeURIComponent(userId)}`, class: 'mono' }, String(userId));
}

export function card(label, value, attributes = {}) {
  return h(
    'div',
    { class: 'card', ...attributes },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
  );
}
