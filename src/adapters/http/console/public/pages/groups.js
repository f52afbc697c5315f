// Groups: the list, a rule editor (JSON) with a live, debounced dry run (POST
// /v1/groups/preview: how many users would be in, and a sample), members of the selected
// group (paged), and save (PUT an edit, POST a new group). Every endpoint is feature-checked:
// one the server does not have shows "not available".
import { api, ApiError, enc, optional, query } from '../api.js';
import { debounce, h, replaceChildren } from '../dom.js';
import { count, time } from '../format.js';
import { errorNotice, fill, loading, notAvailable, pagedList, panel, panelWithTools, userLink } from '../ui.js';

const previewDelayMs = 400;
const exampleRule = {
  all: [
    { field: 'vip.level', op: 'gte', value: 2 },
    { field: 'metrics.turnover7d', op: 'gte', value: '5000' },
  ],
};

function memberIdOf(item) {
  return typeof item === 'string' || typeof item === 'number'
    ? String(item)
    : (item.userId ?? item.id ?? JSON.stringify(item));
}

/** The groups API names the id `id`; accept `groupId` too. */
function groupIdOf(group) {
  return group.id ?? group.groupId;
}

function ruleText(rule) {
  return JSON.stringify(rule ?? exampleRule, null, 2);
}

export async function render(container, params, { navigate }) {
  const selectedId = params.groupId ?? null;
  container.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Groups'),
      h('span', { class: 'spacer' }),
      h('a', { href: '#/groups' }, '+ new rule'),
    ),
  );
  const list = h('div', { id: 'group-list' }, loading());
  const editor = h('div', { id: 'group-editor' });
  const members = h('div', { id: 'group-members' });
  container.append(
    h('div', { class: 'grid grid-main' }, h('div', { class: 'grid' }, editor, members), panel('All groups', list)),
  );

  let selected = null;
  void fill(list, 'Groups', async () => {
    const page = await optional(`/v1/groups${query({ limit: 200 })}`);
    if (page === null) return notAvailable('The group list');
    const items = page.items ?? (Array.isArray(page) ? page : []);
    if (items.length === 0) return h('div', { class: 'notice' }, 'No group yet. Write a rule on the left and save it.');
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'group-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'group'),
            h('th', null, 'kind'),
            h('th', { class: 'num' }, 'rule'),
            h('th', { class: 'num' }, 'priority'),
          ),
        ),
        h(
          'tbody',
          null,
          items.map((group) =>
            h(
              'tr',
              {
                class: `clickable${groupIdOf(group) === selectedId ? ' selected-row' : ''}`,
                dataset: { groupId: groupIdOf(group) },
                onclick: () => navigate(`#/groups/${enc(groupIdOf(group))}`),
              },
              h(
                'td',
                null,
                h('div', { class: 'mono' }, groupIdOf(group)),
                h('div', { class: 'muted small' }, group.name ?? ''),
              ),
              h('td', null, group.kind ?? (group.rule ? 'dynamic' : 'static')),
              h('td', { class: 'num' }, group.kind === 'static' ? '–' : `v${group.ruleVersion ?? '?'}`),
              h('td', { class: 'num' }, count(group.priority ?? null)),
            ),
          ),
        ),
      ),
      page.nextCursor ? h('div', { class: 'muted small' }, 'more groups exist; the first 200 are shown') : null,
    );
  });

  if (selectedId !== null) {
    try {
      selected = await api(`/v1/groups/${enc(selectedId)}`);
    } catch (error) {
      replaceChildren(
        editor,
        panel(
          `Group ${selectedId}`,
          error instanceof ApiError && error.notAvailable ? notAvailable('Group details') : errorNotice(error),
        ),
      );
    }
  }

  // Editor: id and name for a new group, the rule as JSON, live preview.
  const selectedGroupId = selected === null ? null : groupIdOf(selected);
  const idInput = h('input', {
    name: 'groupId',
    placeholder: 'group-id',
    value: selectedGroupId ?? '',
    disabled: selected !== null,
  });
  const nameInput = h('input', { name: 'name', placeholder: 'name', value: selected?.name ?? '' });
  const textarea = h('textarea', { id: 'rule-input', spellcheck: 'false', 'aria-label': 'rule JSON' });
  textarea.value = ruleText(selected?.rule ?? (selected ? null : exampleRule));
  const status = h('div', { class: 'editor-status', id: 'preview-status' });
  const preview = h('div', { id: 'preview-result' });
  const saveButton = h('button', { type: 'button', class: 'primary' }, selected ? 'Save rule' : 'Create group');
  const saveStatus = h('div', { class: 'editor-status', id: 'save-status' });
  const isStatic =
    selected !== null && (selected.kind === 'static' || (selected.rule === null && selected.kind !== 'dynamic'));

  let previewAvailable = true;
  let sequence = 0;
  async function runPreview() {
    if (!previewAvailable) return;
    let rule;
    try {
      rule = JSON.parse(textarea.value);
    } catch (error) {
      replaceChildren(status, h('span', { class: 'down' }, `JSON: ${error.message}`));
      return;
    }
    const mine = ++sequence;
    replaceChildren(status, h('span', { class: 'muted' }, 'previewing…'));
    try {
      const result = await api('/v1/groups/preview', { method: 'POST', body: { rule } });
      if (mine !== sequence) return;
      const sample = result.sample ?? result.users ?? result.items ?? [];
      replaceChildren(status, h('span', { class: 'up' }, 'valid rule'));
      replaceChildren(
        preview,
        h(
          'div',
          { class: 'cards' },
          h(
            'div',
            { class: 'card', id: 'preview-count' },
            h('div', { class: 'label' }, 'would be in the group'),
            h('div', { class: 'value' }, count(result.count ?? result.total ?? sample.length)),
          ),
        ),
        sample.length > 0
          ? h(
              'div',
              null,
              h('h3', null, `sample (${sample.length})`),
              h(
                'div',
                { class: 'sample' },
                sample.map((item) => userLink(memberIdOf(item))),
              ),
            )
          : null,
      );
    } catch (error) {
      if (mine !== sequence) return;
      if (error instanceof ApiError && error.notAvailable) {
        previewAvailable = false;
        replaceChildren(status, notAvailable('Rule preview'));
        replaceChildren(preview);
        return;
      }
      replaceChildren(status, errorNotice(error));
    }
  }
  const schedulePreview = debounce(() => void runPreview(), previewDelayMs);
  textarea.addEventListener('input', schedulePreview);

  saveButton.addEventListener('click', async () => {
    let rule;
    try {
      rule = JSON.parse(textarea.value);
    } catch (error) {
      replaceChildren(saveStatus, h('span', { class: 'down' }, `JSON: ${error.message}`));
      return;
    }
    saveButton.disabled = true;
    try {
      if (selected) {
        const body = { name: nameInput.value.trim() || selected.name, kind: selected.kind ?? 'dynamic', rule };
        if (selected.policy !== null && selected.policy !== undefined) body.policy = selected.policy;
        if (selected.priority !== null && selected.priority !== undefined) body.priority = selected.priority;
        const saved = await api(`/v1/groups/${enc(selectedGroupId)}`, { method: 'PUT', body });
        selected = { ...selected, ...saved };
        replaceChildren(
          saveStatus,
          h('div', { class: 'notice ok' }, 'Saved. Membership is being recomputed in the background.'),
        );
      } else {
        const groupId = idInput.value.trim();
        const created = await api('/v1/groups', {
          method: 'POST',
          body: { id: groupId, name: nameInput.value.trim() || groupId, kind: 'dynamic', rule },
        });
        navigate(`#/groups/${enc(created ? (groupIdOf(created) ?? groupId) : groupId)}`);
      }
    } catch (error) {
      replaceChildren(
        saveStatus,
        error instanceof ApiError && error.notAvailable ? notAvailable('Saving groups') : errorNotice(error),
      );
    } finally {
      saveButton.disabled = false;
    }
  });

  const help = h(
    'details',
    { class: 'small' },
    h('summary', null, 'rule grammar'),
    h(
      'pre',
      { class: 'mono' },
      '{"all":[...]} | {"any":[...]} | {"not":rule}\n{"field":F,"op":"eq|ne|gt|gte|lt|lte|in|nin|has","value":V}\n{"downlineOf":"<userId>"}\nF: vip.level, metrics.<metric>, agent.depth, agent.directCount,\n   user.registeredDays, user.rebateRate, user.tags',
    ),
  );
  replaceChildren(
    editor,
    panelWithTools(
      selected ? `Rule of ${selectedGroupId}` : 'New dynamic group',
      selected
        ? h('span', { class: 'muted small' }, `rule v${selected.ruleVersion ?? '?'} · ${selected.kind ?? ''}`)
        : null,
      h('div', { class: 'form-row' }, h('label', null, 'id'), idInput, h('label', null, 'name'), nameInput),
      isStatic
        ? h(
            'div',
            { class: 'notice' },
            'A static group: members are added through the API, there is no rule. The preview below still dry-runs whatever rule you type.',
          )
        : null,
      textarea,
      status,
      preview,
      h('div', { class: 'form-row' }, saveButton, help),
      saveStatus,
    ),
  );
  void runPreview();

  if (selected) {
    const body = h('tbody');
    const paged = pagedList({
      fetchPage: (cursor) => api(`/v1/groups/${enc(selectedGroupId)}/members${query({ limit: 20, cursor })}`),
      renderItems: (items) =>
        items.map((item) =>
          h(
            'tr',
            null,
            h('td', null, userLink(memberIdOf(item))),
            h('td', { class: 'small muted' }, item.source ?? ''),
            h('td', { class: 'small muted' }, time(item.since ?? item.joinedAt ?? null)),
          ),
        ),
      body,
      onEmpty: () => body.append(h('tr', null, h('td', { colspan: 3, class: 'muted' }, 'No members.'))),
    });
    replaceChildren(
      members,
      panel(
        `Members${selected.memberCount === undefined ? '' : ` (${count(selected.memberCount)})`}`,
        selected.policy
          ? h('div', { class: 'small' }, 'policy: ', h('code', null, JSON.stringify(selected.policy)))
          : null,
        h(
          'table',
          null,
          h('thead', null, h('tr', null, h('th', null, 'user'), h('th', null, 'source'), h('th', null, 'since'))),
          body,
        ),
        paged.footer,
      ),
    );
    void paged.load();
  }
  return () => schedulePreview.cancel();
}
