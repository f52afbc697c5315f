// Settlements: runs (paged), a run's totals with its rounding residue and capped amounts, its
// periods, and its lines (paged). "Settle now" asks for every closed, unsettled period.
import { api, ApiError, enc, optional, query } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { count, money, time } from '../format.js';
import { card, errorNotice, loading, notAvailable, pagedList, panel, panelWithTools, userLink } from '../ui.js';
import { periodsOf, statusPill } from './overview.js';

const periodsShownMax = 200;

function runRow(item) {
  return h(
    'tr',
    { class: 'settlement-row', dataset: { settlementId: item.settlementId } },
    h('td', null, h('a', { href: `#/settlements/${enc(item.settlementId)}`, class: 'mono' }, item.settlementId)),
    h('td', null, statusPill(item.status)),
    h('td', { class: 'num' }, count(periodsOf(item))),
    h('td', { class: 'num' }, count(item.beneficiaries)),
    h('td', { class: 'num' }, money(item.totalRebate)),
    h('td', { class: 'num' }, money(item.residue)),
    h('td', { class: 'num' }, money(item.capped)),
    h('td', { class: 'nowrap small' }, time(item.committedAt ?? item.createdAt ?? item.startedAt ?? null)),
  );
}

async function listView(container) {
  const settleStatus = h('div', { class: 'editor-status' });
  const settleButton = h('button', { type: 'button', class: 'primary', id: 'settle-now' }, 'Settle closed periods now');
  settleButton.addEventListener('click', async () => {
    settleButton.disabled = true;
    try {
      const result = await api('/v1/settlements', { method: 'POST', body: {} });
      replaceChildren(
        settleStatus,
        result?.settlementId
          ? h(
              'div',
              { class: 'notice ok' },
              'Started ',
              h('a', { href: `#/settlements/${enc(result.settlementId)}` }, result.settlementId),
              ` (${result.status ?? 'running'}).`,
            )
          : h('div', { class: 'notice' }, 'Nothing is due: every closed period is settled.'),
      );
    } catch (error) {
      replaceChildren(
        settleStatus,
        error instanceof ApiError && error.notAvailable ? notAvailable('Starting a settlement') : errorNotice(error),
      );
    } finally {
      settleButton.disabled = false;
    }
  });
  const body = h('tbody');
  const table = h(
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
        h('th', null, 'at'),
      ),
    ),
    body,
  );
  const slot = h('div', { id: 'settlement-list' }, loading());
  container.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Settlements'), h('span', { class: 'spacer' }), settleButton),
    settleStatus,
    panel('Runs, newest first', slot),
  );

  let first;
  try {
    first = await optional(`/v1/settlements${query({ limit: 50 })}`);
  } catch (error) {
    replaceChildren(slot, errorNotice(error));
    return;
  }
  if (first === null) {
    replaceChildren(slot, notAvailable('Settlements'));
    settleButton.disabled = true;
    return;
  }
  let firstPage = first;
  const paged = pagedList({
    fetchPage: async (cursor) => {
      if (firstPage !== null) {
        const page = firstPage;
        firstPage = null;
        return page;
      }
      return api(`/v1/settlements${query({ limit: 50, cursor })}`);
    },
    renderItems: (items) => items.map(runRow),
    body,
    onEmpty: () =>
      body.append(
        h(
          'tr',
          null,
          h(
            'td',
            { colspan: 8, class: 'muted' },
            'No settlement has run yet. Runs start automatically after periods close.',
          ),
        ),
      ),
  });
  replaceChildren(slot, h('div', { class: 'table-wrap' }, table), paged.footer);
  await paged.load();
}

async function detailView(container, settlementId) {
  container.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Settlement'),
      h('span', { class: 'mono' }, settlementId),
      h('span', { class: 'spacer' }),
      h('a', { href: '#/settlements' }, '← all runs'),
    ),
  );
  let settlement;
  try {
    settlement = await optional(`/v1/settlements/${enc(settlementId)}`);
  } catch (error) {
    container.append(errorNotice(error));
    return;
  }
  if (settlement === null) {
    container.append(notAvailable('Settlement details'));
    return;
  }
  container.append(
    h(
      'div',
      { class: 'cards', id: 'settlement-totals' },
      card('status', statusPill(settlement.status)),
      card('total rebate', money(settlement.totalRebate)),
      card('beneficiaries', count(settlement.beneficiaries)),
      card('rounding residue', money(settlement.residue), {
        title: 'exact rebate lost to flooring each line to 1/10000; stays with the house',
      }),
      card('capped', money(settlement.capped), {
        title: "rebate above a beneficiary's rebate.maxPerSettlement; stays with the house",
      }),
      settlement.exactTotal !== undefined && settlement.exactTotal !== null
        ? card('exact total', money(settlement.exactTotal))
        : null,
      settlement.lines !== undefined ? card('lines', count(settlement.lines)) : null,
      settlement.turnover !== undefined && settlement.turnover !== null
        ? card('turnover settled', money(settlement.turnover))
        : null,
      settlement.adjustments
        ? card('adjustments', count(settlement.adjustments), {
            title: 'voids and late bets of already settled periods, settled here',
          })
        : null,
    ),
  );
  if (settlement.error) container.append(h('div', { class: 'notice error' }, settlement.error));
  if (settlement.totalRebate !== undefined && settlement.residue !== undefined && settlement.capped !== undefined) {
    container.append(
      h(
        'div',
        { class: 'muted small', style: { margin: '-4px 0 12px' } },
        'Conservation: sum of lines + residue + capped = the exact total of every rebate earned in these periods.',
      ),
    );
  }

  const periods = Array.isArray(settlement.periods) ? settlement.periods : [];
  const periodsPanel = panelWithTools(
    `Periods (${count(periods.length)})`,
    null,
    periods.length === 0
      ? h('div', { class: 'muted' }, 'No period list in this response.')
      : h(
          'div',
          { class: 'sample' },
          periods
            .slice(0, periodsShownMax)
            .map((period) => h('span', { class: 'mono small pill pill-muted' }, `${period.gameId}/${period.periodId}`)),
          periods.length > periodsShownMax
            ? h('span', { class: 'muted small' }, `… ${count(periods.length - periodsShownMax)} more`)
            : null,
        ),
  );

  const body = h('tbody');
  const paged = pagedList({
    fetchPage: (cursor) => api(`/v1/settlements/${enc(settlementId)}/lines${query({ limit: 50, cursor })}`),
    renderItems: (items) =>
      items.map((line) =>
        h(
          'tr',
          { class: 'line-row' },
          h('td', null, userLink(line.beneficiaryId)),
          h('td', { class: 'num', title: line.capped ? `capped: ${line.capped}` : '' }, money(line.amount)),
          h('td', { class: 'num' }, money(line.teamTurnover)),
        ),
      ),
    body,
    onEmpty: () =>
      body.append(
        h('tr', null, h('td', { colspan: 3, class: 'muted' }, 'No lines: nobody earned a rebate in these periods.')),
      ),
  });
  container.append(
    h(
      'div',
      { class: 'grid grid-main' },
      panel(
        'Lines',
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'lines-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'beneficiary'),
                h('th', { class: 'num' }, 'amount'),
                h('th', { class: 'num' }, 'team turnover'),
              ),
            ),
            body,
          ),
        ),
        paged.footer,
      ),
      periodsPanel,
    ),
  );
  await paged.load();
}

export async function render(container, params) {
  if (params.settlementId) await detailView(container, params.settlementId);
  else await listView(container);
  return undefined;
}
