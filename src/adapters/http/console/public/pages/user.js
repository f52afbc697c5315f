// A user: VIP status and timeline (vip-history), the explanation (why this tier, what is left
// to keep or rise, by when), metrics, groups, effective policy and the upline, paged.
import { api, enc, optional, query } from '../api.js';
import { timelineChart } from '../charts.js';
import { h, replaceChildren } from '../dom.js';
import { ago, count, money, rate, time } from '../format.js';
import { errorNotice, fill, kv, loading, notAvailable, pagedList, panel, tierBadge, userLink } from '../ui.js';

/** The timeline chart reads at most this many history rows (newest first, then reversed). */
const timelineRowsMax = 1_000;
const historyPageSize = 200;

function metricValue(comparison, field) {
  const value = comparison[field];
  return comparison.kind === 'turnover' ? money(value) : count(value);
}

function comparisonsTable(comparisons) {
  return h(
    'table',
    { class: 'explain-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, 'metric'),
        h('th', { class: 'num' }, 'now'),
        h('th', { class: 'num' }, 'required'),
        h('th', { class: 'num' }, 'missing'),
        h('th', null, 'progress'),
      ),
    ),
    h(
      'tbody',
      null,
      comparisons.map((comparison) => {
        const current = Number(comparison.current);
        const required = Number(comparison.required);
        const share = required > 0 ? Math.min(1, current / required) : 1;
        return h(
          'tr',
          null,
          h('td', { class: 'mono' }, comparison.metric),
          h('td', { class: 'num' }, metricValue(comparison, 'current')),
          h('td', { class: 'num' }, metricValue(comparison, 'required')),
          h('td', { class: 'num' }, comparison.met ? '✓' : metricValue(comparison, 'gap')),
          h(
            'td',
            null,
            h(
              'div',
              { class: `meter${comparison.met ? ' met' : ''}`, title: `${Math.round(share * 100)}%` },
              h('span', { style: { width: `${(share * 100).toFixed(1)}%` } }),
            ),
          ),
        );
      }),
    ),
  );
}

const basisText = {
  override: 'held by a manual override',
  base: 'the base level',
  promote_met: "this level's promotion requirement holds now",
  keep_met: "this level's keep requirement holds now",
  no_keep: 'this level has no keep requirement: once reached, it is kept',
  protected: 'the keep is missed, but new-tier protection covers the next boundary',
  until_review: 'the keep is missed now; the level stands until the deadline judges it',
};

function explainView(explain, levelNames) {
  const parts = [
    kv([
      [
        'level',
        h('span', null, tierBadge(explain.level, explain.name), ' ', h('span', { class: 'muted' }, explain.status)),
      ],
      ['since', `${time(explain.since)} (${ago(explain.since)})`],
      ['why', basisText[explain.basis] ?? explain.basis],
      explain.override
        ? [
            'override',
            `${explain.override.kind}${explain.override.level === undefined ? '' : ` ${levelNames[explain.override.level] ?? explain.override.level}`} by ${explain.override.actor}: ${explain.override.reason}${explain.override.expiresAt ? ` (until ${time(explain.override.expiresAt)})` : ''}`,
          ]
        : null,
      explain.protectedUntil ? ['protected until', time(explain.protectedUntil)] : null,
    ]),
  ];
  if (explain.keep) {
    const outcome = explain.keep.ifJudgedNow;
    const outcomeText = outcome
      ? `${outcome.reason}${outcome.toLevel !== explain.level ? ` → ${levelNames[outcome.toLevel] ?? outcome.toLevel}` : ''}${outcome.detail ? ` (${outcome.detail})` : ''}`
      : '–';
    parts.push(
      h('h3', null, `To keep ${explain.name}`),
      h(
        'div',
        { class: 'small' },
        `${explain.keep.deadlineKind === 'grace' ? 'grace deadline' : 'cycle boundary'} ${time(explain.keep.deadline)} (${ago(explain.keep.deadline)}) · `,
        explain.keep.met ? h('span', { class: 'up' }, 'met') : h('span', { class: 'down' }, 'not met yet'),
        ` · if judged now: ${outcomeText}`,
      ),
      comparisonsTable(explain.keep.metrics),
    );
  }
  if (explain.rise) {
    parts.push(h('h3', null, `To rise to ${explain.rise.name}`));
    if (explain.rise.blockedBy)
      parts.push(h('div', { class: 'notice' }, `Promotion is blocked by a ${explain.rise.blockedBy} override.`));
    if (explain.rise.metrics === null) parts.push(h('div', { class: 'muted' }, 'Reachable by override only.'));
    else parts.push(comparisonsTable(explain.rise.metrics));
  } else {
    parts.push(h('h3', null, 'Top level'), h('div', { class: 'muted' }, 'Nothing above this level.'));
  }
  return h('div', { class: 'explain' }, parts);
}

function groupLinks(groupIds) {
  return h(
    'div',
    { class: 'sample' },
    groupIds.map((entry) => {
      const groupId = typeof entry === 'string' ? entry : (entry.id ?? entry.groupId);
      return h('a', { href: `#/groups/${enc(groupId)}` }, groupId);
    }),
  );
}

function historyRow(row, levelNames) {
  return h(
    'tr',
    null,
    h('td', { class: 'nowrap', title: row.at }, time(row.at)),
    h(
      'td',
      { class: 'nowrap' },
      tierBadge(row.fromLevel, levelNames[row.fromLevel]),
      ' → ',
      tierBadge(row.toLevel, levelNames[row.toLevel]),
    ),
    h('td', { class: 'small' }, row.reason, row.detail ? h('span', { class: 'muted' }, ` (${row.detail})`) : null),
    h('td', { class: 'num' }, `v${row.ruleVersion}`),
    h('td', { class: 'small mono cause' }, row.cause ? JSON.stringify(row.cause) : ''),
  );
}

async function timelineRows(userId) {
  const rows = [];
  let cursor = null;
  for (let page = 0; page * historyPageSize < timelineRowsMax; page++) {
    const result = await api(`/v1/users/${enc(userId)}/vip-history${query({ limit: historyPageSize, cursor })}`);
    rows.push(...result.items);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return { rows: rows.reverse(), truncated: Boolean(cursor) };
}

function sourceText(source) {
  if (source === null || source === undefined) return 'default';
  if (typeof source === 'string') return source;
  if (source.kind === 'vip_level') return `VIP level ${source.id}`;
  if (source.kind === 'group') return `group ${source.id}`;
  return JSON.stringify(source);
}

/** GET /v1/users/{id}/policy: per key the value, its merge rule, the winning source and every contributor (null: unset). */
function policyView(result) {
  const effective = result.policy ?? result.effective ?? {};
  const keys = Object.keys(effective);
  if (keys.length === 0) return h('div', { class: 'muted' }, 'No policy key applies to this user.');
  return h(
    'div',
    null,
    h(
      'table',
      { class: 'policy-table' },
      h('thead', null, h('tr', null, h('th', null, 'key'), h('th', null, 'value'), h('th', null, 'from'))),
      h(
        'tbody',
        null,
        keys.map((key) => {
          const entry = effective[key];
          if (entry === null || entry === undefined)
            return h('tr', null, h('td', { class: 'mono' }, key), h('td', { class: 'muted', colspan: 2 }, 'unset'));
          const explained = typeof entry === 'object' && 'value' in entry;
          const value = explained ? entry.value : entry;
          const others = explained && Array.isArray(entry.contributions) ? entry.contributions.length - 1 : 0;
          return h(
            'tr',
            null,
            h('td', { class: 'mono' }, key),
            h('td', { class: 'mono' }, typeof value === 'string' ? value : JSON.stringify(value)),
            h(
              'td',
              {
                class: 'small',
                title: explained
                  ? [
                      `merge: ${entry.rule ?? '?'}`,
                      ...(entry.contributions ?? []).map(
                        (item) => `${sourceText(item.source)}: ${JSON.stringify(item.value)}`,
                      ),
                    ].join('\n')
                  : '',
              },
              explained ? sourceText(entry.source) : '',
              others > 0 ? h('span', { class: 'muted' }, ` (+${others} more)`) : null,
            ),
          );
        }),
      ),
    ),
  );
}

export async function render(container, params, { hints }) {
  const userId = params.userId;
  if (!userId) {
    const demo = await hints();
    container.append(
      h('div', { class: 'page-head' }, h('h1', null, 'Users')),
      panel(
        'Open a user',
        h('p', null, 'Type a user id in the search box at the top right.'),
        demo
          ? h(
              'div',
              null,
              h('h3', null, 'Demo: heaviest bettors'),
              h(
                'div',
                { class: 'sample' },
                demo.heavyBettorIds.map((id) => userLink(id)),
              ),
            )
          : null,
      ),
    );
    return undefined;
  }

  const head = h(
    'div',
    { class: 'page-head' },
    h('h1', null, `User ${userId}`),
    h('span', { class: 'spacer' }),
    h('a', { href: `#/agents/${enc(userId)}` }, 'open in agent tree →'),
  );
  const summary = h('div', { id: 'user-summary' }, loading());
  const timeline = h('div', { id: 'vip-timeline' }, loading());
  const explain = h('div', { id: 'vip-explain' }, loading());
  const metrics = h('div', { id: 'user-metrics' }, loading());
  const groups = h('div', { id: 'user-groups' }, loading());
  const policy = h('div', { id: 'user-policy' }, loading());
  const uplineBody = h('tbody');
  const upline = h('div', { id: 'user-upline' });
  const historyBody = h('tbody');
  const history = h('div', { id: 'vip-history' });

  container.append(
    head,
    h(
      'div',
      { class: 'grid grid-main' },
      h(
        'div',
        { class: 'grid' },
        panel('VIP timeline', timeline),
        panel('Why this tier', explain),
        panel('VIP history', history),
      ),
      h(
        'div',
        { class: 'grid' },
        panel('User', summary),
        panel('Metrics', metrics),
        panel('Groups', groups),
        panel('Effective policy', policy),
        panel('Upline', upline),
      ),
    ),
  );

  let user;
  try {
    user = await api(`/v1/users/${enc(userId)}`);
  } catch (error) {
    replaceChildren(container, head, errorNotice(error));
    return undefined;
  }
  let levelNames = [];
  try {
    const ladder = await api('/v1/vip/ladder');
    levelNames = (ladder.ladder?.levels ?? []).map((level) => level.name);
  } catch {
    levelNames = [];
  }

  replaceChildren(
    summary,
    kv([
      [
        'VIP',
        h(
          'span',
          null,
          tierBadge(user.vip.level, user.vip.name),
          ' ',
          h('span', { class: 'muted small' }, user.vip.status ?? ''),
        ),
      ],
      ['since', time(user.vip.since)],
      ['parent', user.parentId ? userLink(user.parentId) : h('span', { class: 'muted' }, 'none (root)')],
      ['rebate rate', rate(user.rebateRate)],
      ['depth', count(user.depth)],
      ['direct downline', count(user.directCount)],
      [
        'registered',
        user.registeredAt ? time(user.registeredAt) : h('span', { class: 'muted' }, 'placeholder (not registered yet)'),
      ],
      ['tags', (user.tags ?? []).length > 0 ? user.tags.join(', ') : '–'],
    ]),
  );
  replaceChildren(
    metrics,
    kv(
      Object.entries(user.metrics ?? {}).map(([name, value]) => [
        name,
        h('span', { class: 'mono' }, typeof value === 'string' ? money(value) : count(value)),
      ]),
    ),
  );
  replaceChildren(
    groups,
    (user.groups ?? []).length === 0 ? h('div', { class: 'muted' }, 'In no group.') : groupLinks(user.groups),
  );

  void fill(timeline, 'VIP history', async () => {
    const { rows, truncated } = await timelineRows(userId);
    const points = rows.map((row) => ({
      atMs: new Date(row.at).getTime(),
      fromLevel: row.fromLevel,
      toLevel: row.toLevel,
      reason: row.reason,
    }));
    const changes = rows.filter((row) => row.fromLevel !== row.toLevel).length;
    return h(
      'div',
      null,
      timelineChart(points, { levelNames }),
      h(
        'div',
        { class: 'legend' },
        h('span', null, h('span', { class: 'up' }, '●'), ' promotion'),
        h('span', null, h('span', { class: 'down' }, '●'), ' demotion'),
        h('span', null, h('span', { class: 'muted' }, '●'), ' decision without a level change'),
        h(
          'span',
          null,
          `${count(rows.length)} decisions, ${count(changes)} level changes${truncated ? ` (latest ${timelineRowsMax} shown)` : ''}`,
        ),
      ),
    );
  });
  void fill(explain, 'Explain', async () => explainView(await api(`/v1/users/${enc(userId)}/explain`), levelNames));
  void fill(policy, 'Effective policy', async () => {
    const result = await optional(`/v1/users/${enc(userId)}/policy`);
    if (result === null) return notAvailable('Effective policy');
    if ((user.groups ?? []).length === 0 && Array.isArray(result.groups) && result.groups.length > 0)
      replaceChildren(groups, groupLinks(result.groups));
    return policyView(result);
  });

  const historyList = pagedList({
    fetchPage: (cursor) => api(`/v1/users/${enc(userId)}/vip-history${query({ limit: 20, cursor })}`),
    renderItems: (items) => items.map((row) => historyRow(row, levelNames)),
    body: historyBody,
  });
  replaceChildren(
    history,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'at'),
            h('th', null, 'change'),
            h('th', null, 'reason'),
            h('th', { class: 'num' }, 'ladder'),
            h('th', null, 'cause'),
          ),
        ),
        historyBody,
      ),
    ),
    historyList.footer,
  );
  void historyList.load();

  const uplineList = pagedList({
    fetchPage: (cursor) => api(`/v1/agents/${enc(userId)}/upline${query({ limit: 20, cursor })}`),
    renderItems: (items) =>
      items.map((ancestor) =>
        h(
          'tr',
          { class: 'upline-row' },
          h('td', { class: 'num' }, count(ancestor.distance)),
          h('td', null, userLink(ancestor.userId)),
          h('td', { class: 'num' }, count(ancestor.depth)),
          h('td', { class: 'num' }, rate(ancestor.rebateRate)),
        ),
      ),
    body: uplineBody,
    moreLabel: 'load more ancestors',
    onEmpty: () => uplineBody.append(h('tr', null, h('td', { colspan: 4, class: 'muted' }, 'A root: no ancestors.'))),
  });
  replaceChildren(
    upline,
    h('div', { class: 'muted small' }, `${count(user.depth)} ancestors, nearest first`),
    h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { class: 'num' }, 'up'),
          h('th', null, 'user'),
          h('th', { class: 'num' }, 'depth'),
          h('th', { class: 'num' }, 'rate'),
        ),
      ),
      uplineBody,
    ),
    uplineList.footer,
  );
  void uplineList.load();
  return undefined;
}
