// Agent tree explorer. Lazy by design: a node's direct children are fetched one page at a time
// (GET /v1/agents/{id}/downline?depth=1), only when the operator expands it, with "load more"
// for big downlines; the upline is paged too. Rows are a flat list with an indent, not nested
// elements, so a path thousands of levels deep costs one row per expanded level and nothing
// is ever loaded for the part of the tree nobody opened. Works the same on a 10k-deep chain.
import { api, enc, query } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { count, money, rate } from '../format.js';
import { errorNotice, fill, kv, loading, panel, userLink } from '../ui.js';

const pageSize = 50;
const indentLevelsMax = 16;
const indentPx = 16;
/** "Follow first child" expands at most this many levels per click. */
const followLevels = 10;

function lastRowOf(node) {
  let current = node;
  // Bounded by the number of expanded levels under the node.
  for (let guard = 0; guard < 1_000_000; guard++) {
    if (!current.expanded) return current.row;
    if (current.moreRow) return current.moreRow;
    const last = current.children[current.children.length - 1];
    if (!last) return current.row;
    current = last;
  }
  return current.row;
}

export async function render(container, params, { hints, navigate }) {
  const demo = await hints();
  const rootId = params.userId ?? demo?.agentRootIds?.[0] ?? null;
  const rootInput = h('input', { name: 'rootId', inputmode: 'numeric', placeholder: 'agent id', value: rootId ?? '' });
  const form = h(
    'form',
    { class: 'form-row', autocomplete: 'off' },
    h('label', null, 'root'),
    rootInput,
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = rootInput.value.trim();
    if (/^\d{1,20}$/.test(value)) navigate(`#/agents/${value}`);
  });
  const shortcuts = demo
    ? h(
        'div',
        { class: 'form-row small' },
        h('span', { class: 'muted' }, 'demo:'),
        (demo.agentRootIds ?? []).map((id) => h('a', { href: `#/agents/${id}` }, `top agent ${id}`)),
        h('a', { href: `#/agents/${demo.chainRootId}` }, `chain root ${demo.chainRootId}`),
        h('a', { href: `#/agents/${demo.chainDeepestId}` }, `deepest ${demo.chainDeepestId}`),
      )
    : null;
  container.append(h('div', { class: 'page-head' }, h('h1', null, 'Agent tree'), h('span', { class: 'spacer' }), form));
  if (shortcuts) container.append(shortcuts);
  if (rootId === null) {
    container.append(panel('Pick an agent', h('p', null, 'Enter an agent id to explore its downline.')));
    return undefined;
  }

  const info = h('div', { id: 'agent-info' }, loading());
  const team = h('div', { id: 'agent-team' }, loading());
  const breadcrumb = h('div', { class: 'breadcrumb', id: 'agent-breadcrumb' });
  const tree = h('div', { class: 'tree', id: 'agent-tree' });
  const treeStatus = h('div', { class: 'muted small', id: 'tree-status' });
  container.append(
    h(
      'div',
      { class: 'grid grid-main' },
      panel('Downline', breadcrumb, tree, treeStatus),
      h('div', { class: 'grid' }, panel('Agent', info), panel('Team', team)),
    ),
  );

  let loadedNodes = 0;
  function updateStatus() {
    treeStatus.textContent = `${count(loadedNodes)} nodes loaded; children are fetched only when a node is expanded`;
  }

  function makeNode(item, relativeLevel) {
    const node = {
      userId: item.userId,
      depth: item.depth,
      rebateRate: item.rebateRate,
      directCount: item.directCount ?? 0,
      level: relativeLevel,
      expanded: false,
      loaded: false,
      cursor: null,
      children: [],
      moreRow: null,
      row: null,
      busy: false,
    };
    const toggle = h(
      'button',
      {
        type: 'button',
        class: `toggle${node.directCount > 0 ? '' : ' leaf'}`,
        title: node.directCount > 0 ? 'expand / collapse' : 'no downline',
        'aria-expanded': 'false',
      },
      '▸',
    );
    toggle.addEventListener('click', () => void toggleNode(node));
    const follow = h(
      'button',
      { type: 'button', class: 'follow', title: `expand the first child ${followLevels} levels down` },
      `↓${followLevels}`,
    );
    follow.addEventListener('click', () => void followFirstChild(node));
    node.toggle = toggle;
    node.row = h(
      'div',
      {
        class: `tree-row${relativeLevel === 0 ? ' focus-row' : ''}`,
        dataset: { userId: node.userId, level: String(relativeLevel), depth: String(node.depth) },
      },
      h('span', { class: 'indent', style: { width: `${Math.min(relativeLevel, indentLevelsMax) * indentPx}px` } }),
      toggle,
      userLink(node.userId),
      h('span', { class: 'depth-tag', title: 'absolute depth (root = 0)' }, `depth ${count(node.depth)}`),
      h('span', { class: 'rate', title: 'rebate rate' }, rate(node.rebateRate)),
      h('span', { class: 'count' }, node.directCount > 0 ? `${count(node.directCount)} direct` : 'leaf'),
      relativeLevel > indentLevelsMax
        ? h('span', { class: 'pill pill-muted' }, `+${count(relativeLevel)} levels`)
        : null,
      h(
        'span',
        { class: 'actions' },
        node.directCount > 0 ? follow : null,
        relativeLevel > 0
          ? h('a', { href: `#/agents/${enc(node.userId)}`, title: 'make this node the root of the view' }, 'focus')
          : null,
      ),
    );
    loadedNodes++;
    return node;
  }

  async function loadPage(node) {
    const page = await api(
      `/v1/agents/${enc(node.userId)}/downline${query({ depth: 1, limit: pageSize, cursor: node.cursor })}`,
    );
    const anchor = lastRowOf(node);
    const fresh = page.items.map((item) => makeNode(item, node.level + 1));
    node.children.push(...fresh);
    node.cursor = page.nextCursor;
    node.loaded = true;
    const fragment = document.createDocumentFragment();
    for (const child of fresh) fragment.append(child.row);
    if (node.moreRow) {
      node.moreRow.before(fragment);
      if (!node.cursor) {
        node.moreRow.remove();
        node.moreRow = null;
      } else {
        node.moreRow.querySelector('.more-count').textContent =
          `${count(node.children.length)} of ${count(node.directCount)} shown`;
      }
    } else {
      anchor.after(fragment);
      if (node.cursor) {
        const button = h('button', { type: 'button', class: 'load-more' }, `load ${pageSize} more`);
        button.addEventListener('click', async () => {
          button.disabled = true;
          try {
            await loadPage(node);
          } finally {
            button.disabled = false;
          }
        });
        node.moreRow = h(
          'div',
          { class: 'tree-row more', dataset: { moreFor: node.userId } },
          h('span', {
            class: 'indent',
            style: { width: `${Math.min(node.level + 1, indentLevelsMax) * indentPx + 26}px` },
          }),
          button,
          h(
            'span',
            { class: 'muted small more-count' },
            `${count(node.children.length)} of ${count(node.directCount)} shown`,
          ),
        );
        fresh[fresh.length - 1]?.row.after(node.moreRow);
      }
    }
    updateStatus();
  }

  function collapse(node) {
    // Explicit stack: remove the rows of every expanded descendant, deepest structure included.
    const stack = [node];
    while (stack.length > 0) {
      const current = stack.pop();
      for (const child of current.children) {
        child.row.remove();
        if (child.expanded) stack.push(child);
      }
      if (current.moreRow) current.moreRow.remove();
      if (current !== node) setExpanded(current, false);
    }
    setExpanded(node, false);
  }

  function setExpanded(node, expanded) {
    node.expanded = expanded;
    node.toggle.textContent = expanded ? '▾' : '▸';
    node.toggle.setAttribute('aria-expanded', String(expanded));
  }

  async function expand(node) {
    if (node.expanded || node.directCount === 0) return;
    setExpanded(node, true);
    if (!node.loaded) {
      node.busy = true;
      try {
        await loadPage(node);
      } catch (error) {
        setExpanded(node, false);
        node.row.after(errorNotice(error));
        return;
      } finally {
        node.busy = false;
      }
      return;
    }
    const fragment = document.createDocumentFragment();
    for (const child of node.children) fragment.append(child.row);
    if (node.moreRow) fragment.append(node.moreRow);
    node.row.after(fragment);
  }

  async function toggleNode(node) {
    if (node.busy) return;
    if (node.expanded) collapse(node);
    else await expand(node);
  }

  async function followFirstChild(node) {
    let current = node;
    for (let level = 0; level < followLevels && current && current.directCount > 0; level++) {
      await expand(current);
      current = current.children[0];
    }
    current?.row.scrollIntoView({ block: 'nearest' });
  }

  let root;
  try {
    const user = await api(`/v1/users/${enc(rootId)}`);
    root = makeNode(
      { userId: user.userId, depth: user.depth, rebateRate: user.rebateRate, directCount: user.directCount },
      0,
    );
    replaceChildren(
      info,
      kv([
        ['agent', userLink(user.userId)],
        ['depth', count(user.depth)],
        ['rebate rate', rate(user.rebateRate)],
        ['direct downline', count(user.directCount)],
        [
          'parent',
          user.parentId
            ? h('a', { href: `#/agents/${enc(user.parentId)}` }, user.parentId)
            : h('span', { class: 'muted' }, 'none (root)'),
        ],
      ]),
    );
  } catch (error) {
    replaceChildren(info, errorNotice(error));
    replaceChildren(tree, errorNotice(error));
    return undefined;
  }
  tree.append(root.row);
  updateStatus();

  void fill(team, 'Team', async () => {
    const figures = await api(`/v1/agents/${enc(rootId)}/team`);
    return kv([
      ['team size', count(figures.teamSize)],
      ['direct', count(figures.directCount)],
      ['levels below', count(figures.maxDepth)],
      ['team turnover', money(figures.teamTurnoverLifetime)],
    ]);
  });

  void (async () => {
    if (root.depth === 0) {
      replaceChildren(breadcrumb, h('span', { class: 'muted' }, 'a root agent'));
      return;
    }
    try {
      const page = await api(`/v1/agents/${enc(rootId)}/upline${query({ limit: 5 })}`);
      const nearest = [...page.items].reverse();
      const hidden = root.depth - nearest.length;
      replaceChildren(
        breadcrumb,
        h('span', { class: 'muted' }, 'upline: '),
        hidden > 0 ? h('span', { class: 'muted' }, `${count(hidden)} more above ›`) : null,
        nearest.map((ancestor) => [
          h(
            'a',
            { href: `#/agents/${enc(ancestor.userId)}`, class: 'mono', title: `depth ${ancestor.depth}` },
            ancestor.userId,
          ),
          h('span', { class: 'sep' }, '›'),
        ]),
        h('strong', { class: 'mono' }, root.userId),
        hidden > 0
          ? h(
              'a',
              { href: `#/users/${enc(rootId)}`, class: 'small' },
              ' (page through the whole upline on the user page)',
            )
          : null,
      );
    } catch (error) {
      replaceChildren(breadcrumb, errorNotice(error));
    }
  })();

  await expand(root);
  return undefined;
}
