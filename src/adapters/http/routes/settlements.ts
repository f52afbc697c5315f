// Settlement endpoints (DESIGN §6): run one now, list them, read one and page its ledger.
//
// POST /v1/settlements {"periods":[{gameId,periodId}...]} or {} runs a settlement in the
// request: 201 with the settlement (committed, or failed with the reason when its input was
// refused), 200 {"settlementId":null} when nothing was due. Named periods that were not
// claimed are listed in `skipped` with a reason. When the settlement lock is held by another
// runner the answer is 409 settlement_in_progress: the request conflicts with a settlement in
// progress (GET /v1/settlements shows it `running`), and retrying after it ends is correct.
// 503 stays for a backend that is down (redis_unavailable, db_unavailable, lock_lost).
//
// Amounts are decimal strings with 4 fraction digits; residue, capped and exact totals are
// minor·ppm as decimal strings with 10 fraction digits (see app/settlement/settlement-wire.ts).
import { Type } from '@sinclair/typebox';
import type { SettlementRecord } from '../../../app/ports/settlement.ts';
import { runSettlement, type SettlementReport } from '../../../app/settlement/run-settlement.ts';
import type { SettlementDependencies } from '../../../app/settlement/settlement-deps.ts';
import { formatMinorPpm, wireSettlement, wireSkipped } from '../../../app/settlement/settlement-wire.ts';
import { formatMinor } from '../../../domain/money.ts';
import { problem, sendProblem } from '../problem.ts';
import type { HttpApp } from '../server.ts';
import { Money, PageQuery, paged, problemResponses } from './schemas.ts';

export interface SettlementRouteDeps {
  readonly settlement: SettlementDependencies;
  /** Called after a run that may have written outbox records (wakes the relay). */
  readonly afterSettle?: () => void;
}

const code = (description: string) => Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description });
const Period = Type.Object({ gameId: code('game id'), periodId: code('period id') }, { additionalProperties: false });
const MinorPpm = Type.String({
  pattern: '^-?[0-9]+\\.[0-9]{10}$',
  description: 'minor·ppm: currency units with 10 fraction digits',
});
const NullableMinorPpm = Type.Union([Type.Null(), MinorPpm]);
const Skipped = Type.Object({
  gameId: Type.String(),
  periodId: Type.String(),
  reason: Type.String({ description: 'not_closed | already_settled | over_limit' }),
});

const Settlement = Type.Object({
  settlementId: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('committed'), Type.Literal('failed')]),
  periods: Type.Array(Type.Object({ gameId: Type.String(), periodId: Type.String() })),
  beneficiaries: Type.Integer({ description: 'lines that pay (amount != 0)' }),
  totalRebate: Money,
  residue: NullableMinorPpm,
  capped: NullableMinorPpm,
  exactTotal: NullableMinorPpm,
  turnover: Type.Union([Type.Null(), Money]),
  lines: Type.Integer({ description: 'ledger lines, including those whose exact rebate floors to 0' }),
  adjustments: Type.Integer({ description: 'late bets and voids of settled bets paid in this settlement' }),
  policyVersion: Type.Integer(),
  fencingToken: Type.String(),
  runner: Type.String(),
  error: Type.Union([Type.Null(), Type.String()]),
  createdAt: Type.String(),
  committedAt: Type.Union([Type.Null(), Type.String()]),
});

const RunResult = Type.Object(
  {
    settlementId: Type.Union([Type.Null(), Type.String()]),
    skipped: Type.Array(Skipped),
    resumed: Type.Array(Type.String({ description: 'runs a crashed holder left running, finished first' })),
    morePeriodsDue: Type.Boolean(),
  },
  { additionalProperties: true },
);

const Line = Type.Object({
  beneficiaryId: Type.String(),
  amount: Money,
  teamTurnover: Money,
  exact: MinorPpm,
  capped: MinorPpm,
});

const IdParams = Type.Object({ id: code('settlement id') });

const RunBody = Type.Object(
  {
    periods: Type.Optional(
      Type.Array(Period, {
        minItems: 1,
        maxItems: 1_000,
        description: 'omit to settle every closed, unsettled period',
      }),
    ),
  },
  { additionalProperties: false },
);

const reportIds = (reports: readonly SettlementReport[]): string[] =>
  reports.map((report) => report.settlement.settlementId);

export function settlementRoutes(deps: SettlementRouteDeps): (app: HttpApp) => Promise<void> {
  const unknown = (id: string) => problem('settlement_unknown', `settlement ${id} is not known`, '/params/id');
  return async (app: HttpApp): Promise<void> => {
    app.post(
      '/v1/settlements',
      {
        schema: {
          tags: ['settlements'],
          summary: 'Settle the named closed periods, or every closed unsettled period ({}), now',
          body: RunBody,
          response: { 200: RunResult, 201: RunResult, ...problemResponses },
        },
      },
      async (request, reply) => {
        const outcome = await runSettlement(deps.settlement, {
          periods: request.body.periods ?? null,
          adjustmentsAlone: true,
          onLockRenewError: (error) => request.log.warn({ err: error }, 'settlement lock renewal failed'),
        });
        deps.afterSettle?.();
        if (outcome.kind === 'busy') {
          return sendProblem(
            reply,
            problem(
              'settlement_in_progress',
              'another runner holds the settlement lock; retry when its settlement has ended',
            ),
          );
        }
        const common = {
          skipped: wireSkipped(outcome.skipped),
          resumed: reportIds(outcome.resumed),
          morePeriodsDue: outcome.morePeriodsDue,
        };
        if (outcome.claimed === null) return reply.code(200).send({ settlementId: null, ...common });
        return reply.code(201).send({ ...wireSettlement(outcome.claimed.settlement), ...common });
      },
    );

    app.get(
      '/v1/settlements',
      {
        schema: {
          tags: ['settlements'],
          summary: 'Settlements, newest first',
          querystring: PageQuery,
          response: { 200: paged(Settlement), ...problemResponses },
        },
      },
      async (request) => {
        const page = await deps.settlement.settlements.list(request.query.cursor ?? null, request.query.limit ?? 100);
        return { items: page.items.map(wireSettlement), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/v1/settlements/:id',
      {
        schema: {
          tags: ['settlements'],
          summary: 'One settlement and its totals',
          params: IdParams,
          response: { 200: Settlement, ...problemResponses },
        },
      },
      async (request, reply) => {
        const settlement = await deps.settlement.settlements.get(request.params.id);
        if (settlement === null) return sendProblem(reply, unknown(request.params.id));
        return wireSettlement(settlement);
      },
    );

    app.get(
      '/v1/settlements/:id/lines',
      {
        schema: {
          tags: ['settlements'],
          summary: 'Ledger lines of a settlement, by beneficiary id',
          params: IdParams,
          querystring: PageQuery,
          response: {
            200: Type.Object({
              settlementId: Type.String(),
              items: Type.Array(Line),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const settlement: SettlementRecord | null = await deps.settlement.settlements.get(request.params.id);
        if (settlement === null) return sendProblem(reply, unknown(request.params.id));
        const page = await deps.settlement.store.ledger.linesPage(
          settlement.settlementId,
          request.query.cursor ?? null,
          request.query.limit ?? 100,
        );
        return {
          settlementId: settlement.settlementId,
          items: page.items.map((line) => ({
            beneficiaryId: line.beneficiaryId,
            amount: formatMinor(line.amountMinor),
            teamTurnover: formatMinor(line.teamTurnoverMinor),
            exact: formatMinorPpm(line.exactMinorPpm),
            capped: formatMinorPpm(line.cappedMinorPpm),
          })),
          nextCursor: page.nextCursor,
        };
      },
    );
  };
}
