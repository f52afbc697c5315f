// Overview: tier distribution (GET /v1/vip/stats), the latest VIP changes, and the latest
// settlement runs with their totals. Refreshes every 5 seconds while open.
import { api, ApiError, optional } from '../api.js';
import { barChart } from '../charts.js';
import { h, replaceChildren } from '../dom.js';
import { ago, count, money, shortId, time } from '../format.js';
import {
  card,
  errorNotice,
  loading,
  notAvailable,
  panel,
  panelWithTools,
  tierBadge,
  tierColor,
  userLink,
} from '../ui.js';

const refreshMs = 5_000;

export function periodsOf(settlement) {
  if (Array.isArray(settlement.periods)) return settlement.periods.length;
  return settlement.periodCount ?? settlement.periods ?? '–';
}

export function statusPill(status) {
  const kind =
    status === 'committed'
      ? 'pill-good'
      : status === 'failed'
        ? 'pill-bad'
        : status === 'running'
          ? 'pill-warn'
          : 'pill-muted';
  return h('span', { class: `pill ${kind}` }, status ?? '–');
}

function changeArrow(row) {
  if (row.toLevel > row.fromLevel) return h('span', { class: 'up' }, '▲');
  if (row.toLevel < row.fromLevel) return h('span', { class: 'down' }, '▼');
  return h('span', { class: 'muted' }, '•');
}

export async function render(container, _params, { hints }) {
  let logScale = true;
  let paused = false;
  const logToggle = h('input', { type: 'checkbox', id: 'log-scale', checked: true });
  const pauseToggle = h('input', { type: 'checkbox', id: 'pause-refresh' });
  const cards = h('div', { class: 'cards', id: 'overview-cards' }, loading());
  const distribution = h('div', { id: 'tier-distribution' }, loading());
  const recent = h('div', { id: 'recent-changes' }, loading());
  const runs = h('div', { id: 'settlement-runs' }, loading());
  const shortcuts = h('div', { id: 'demo-shortcuts' });
  const updated = h('span', { class: 'muted small' });

  container.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Overview'),
      updated,
      h('span', { class: 'spacer' }),
      h('label', { class: 'small' }, pauseToggle, ' pause auto-refresh'),
    ),
    cards,
    h(
      'div',
      { class: 'grid grid-main' },
      panelWithTools('Tier distribution', h('label', { class: 'small' }, logToggle, ' log scale'), distribution),
      panel('Recent VIP changes', recent),
    ),
    h('div', { class: 'grid', style: { marginTop: '14px' } }, panel('Settlement runs', runs), shortcuts),
  );

  let stats = null;
  function drawDistribution() {
    if (stats === null) return;
    const bars = stats.levels.map((level) => ({
      label: level.name,
      sublabel: `L${level.level}`,
      value: level.users,
      valueLabel: count(level.users),
      color: tierColor(level.level),
      title: `${level.name} (level ${level.level}): ${count(level.users)} users (${((100 * level.users) / Math.max(1, stats.totalUsers)).toFixed(2)}%)`,
    }));
    replaceChildren(
      distribution,
      barChart(bars, { logScale, ariaLabel: 'users per VIP level', className: 'tier-chart' }),
      h(
        'div',
        { class: 'muted small' },
        `${count(stats.totalUsers)} users on ladder v${stats.ladderVersion}${logScale ? ' · bar heights on a log scale' : ''}`,
      ),
    );
  }

  async function refreshStats() {
    try {
      stats = await api('/v1/vip/stats?recentLimit=15');
    } catch (error) {
      const notice =
        error instanceof ApiError && error.notAvailable ? notAvailable('VIP statistics') : errorNotice(error);
      replaceChildren(distribution, notice);
      replaceChildren(recent, notice.cloneNode(true));
      return;
    }
    drawDistribution();
    const vipUsers = stats.levels.filter((level) => level.level > 0).reduce((sum, level) => sum + level.users, 0);
    const top = [...stats.levels].reverse().find((level) => level.users > 0);
    replaceChildren(
      cards,
      card('Users', count(stats.totalUsers)),
      card('VIP (level ≥ 1)', `${count(vipUsers)} · ${((100 * vipUsers) / Math.max(1, stats.totalUsers)).toFixed(1)}%`),
      card('Top tier reached', top ? `${top.name} (${count(top.users)})` : '–'),
      card('Ladder version', `v${stats.ladderVersion}`),
    );
    const names = stats.levels.map((level) => level.name);
    replaceChildren(
      recent,
      stats.recentChanges.length === 0
        ? h('div', { class: 'notice' }, 'No level changes yet.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'recent-table' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', null, 'when'),
                  h('th', null, 'user'),
                  h('th', null, 'change'),
                  h('th', null, 'reason'),
                ),
              ),
              h(
                'tbody',
                null,
                stats.recentChanges.map((row) =>
                  h(
                    'tr',
                    null,
                    h('td', { class: 'nowrap', title: time(row.at) }, ago(row.at)),
                    h('td', null, userLink(row.userId)),
                    h(
                      'td',
                      { class: 'nowrap' },
                      tierBadge(row.fromLevel, names[row.fromLevel]),
                      ' ',
                      changeArrow(row),
                      ' ',
                      tierBadge(row.toLevel, names[row.toLevel]),
                    ),
                    h(
                      'td',
                      { class: 'small' },
                      row.reason,
                      row.detail ? h('span', { class: 'muted' }, ` (${row.detail})`) : null,
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  async function refreshSettlements() {
    let page;
    try {
      page = await optional('/v1/settlements?limit=10');
    } catch (error) {
      replaceChildren(runs, errorNotice(error));
      return;
    }
    if (page === null) {
      replaceChildren(runs, notAvailable('Settlements'));
      return;
    }
    const items = page.items ?? [];
    if (items.length === 0) {
      replaceChildren(runs, h('div', { class: 'notice' }, 'No settlement has run yet.'));
      return;
    }
    const chronological = [...items].reverse();
    const chart = barChart(
      chronological.map((item) => ({
        label: (item.committedAt ?? item.createdAt ?? '').slice(11, 19) || shortId(item.settlementId, 6),
        value: Number(item.totalRebate ?? 0),
        valueLabel: money(item.totalRebate),
        color: item.status === 'committed' ? '#1a7f37' : item.status === 'failed' ? '#c62828' : '#9a6700',
        title: `${item.settlementId}: ${money(item.totalRebate)} to ${count(item.beneficiaries)} beneficiaries`,
      })),
      { height: 180, ariaLabel: 'total rebate per settlement run', className: 'settlement-chart' },
    );
    replaceChildren(
      runs,
      h(
        'div',
        { class: 'grid grid-main' },
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'settlement-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'settlement'),
                h('th', null, 'status'),
                h('th', { class: 'num' }, 'periods'),
                h('th', { class: 'num' }, 'beneficiaries'),
                h('th', { class: 'num' }, 'total rebate'),
                h('th', { class: 'num' }, 'residue'),
                h('th', { class: 'num' }, 'capped'),
              ),
            ),
            h(
              'tbody',
              null,
              items.map((item) =>
                h(
                  'tr',
                  null,
                  h(
                    'td',
                    null,
                    h(
                      'a',
                      {
                        href: `#/settlements/${encodeURIComponent(item.settlementId)}`,
                        class: 'mono',
                        title: item.settlementId,
                      },
                      shortId(item.settlementId, 14),
                    ),
                  ),
                  h('td', null, statusPill(item.status)),
                  h('td', { class: 'num' }, count(periodsOf(item))),
                  h('td', { class: 'num' }, count(item.beneficiaries)),
                  h('td', { class: 'num' }, money(item.totalRebate)),
                  h('td', { class: 'num' }, money(item.residue)),
                  h('td', { class: 'num' }, money(item.capped)),
                ),
              ),
            ),
          ),
        ),
        h('div', null, chart, h('div', { class: 'muted small' }, 'total rebate per run, oldest left')),
      ),
    );
  }

  async function refresh() {
    await Promise.all([refreshStats(), refreshSettlements()]);
    updated.textContent = `updated ${time(new Date())}`;
  }

  logToggle.addEventListener('change', () => {
    logScale = logToggle.checked;
    drawDistribution();
  });
  pauseToggle.addEventListener('change', () => {
    paused = pauseToggle.checked;
  });

  const demo = await hints();
  if (demo) {
    replaceChildren(
      shortcuts,
      panel(
        'Demo shortcuts',
        h(
          'div',
          { class: 'grid grid-3' },
          h(
            'div',
            null,
            h('h3', null, 'Heaviest bettors'),
            h(
              'div',
              { class: 'sample' },
              (demo.heavyBettorIds ?? []).map((id) => userLink(id)),
            ),
          ),
          h(
            'div',
            null,
            h('h3', null, `The ${count(demo.chainDepth)}-deep chain`),
            h(
              'div',
              null,
              'root ',
              h('a', { href: `#/agents/${demo.chainRootId}`, class: 'mono' }, demo.chainRootId),
              ' · deepest ',
              userLink(demo.chainDeepestId),
            ),
          ),
          h(
            'div',
            null,
            h('h3', null, 'Top agents'),
            h(
              'div',
              { class: 'sample' },
              (demo.agentRootIds ?? []).map((id) => h('a', { href: `#/agents/${id}` }, id)),
            ),
          ),
        ),
      ),
    );
  }

  await refresh();
  const timer = setInterval(() => {
    if (!paused && document.visibilityState === 'visible') void refresh();
  }, refreshMs);
  return () => clearInterval(timer);
}
