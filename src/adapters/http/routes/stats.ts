// GET /v1/vip/stats: the tier distribution and the latest level changes, for the console's
// overview. Users without a VIP state yet (never bet) are counted at level 0, so the counts
// add up to every known user. Two grouped reads and one bounded history read: no scan
// grows with what the page shows.
import { Type } from '@sinclair/typebox';
import { isoTime } from '../../../app/outbox/messages.ts';
import type { Store } from '../../../app/ports/store.ts';
import type { LadderSource } from '../../../app/vip/ladder-source.ts';
import type { HttpApp } from '../server.ts';
import { problemResponses } from './schemas.ts';

export interface StatsRouteDeps {
  readonly store: Store;
  readonly ladders: LadderSource;
}

const recentChangesDefault = 20;
const recentChangesMax = 200;

const LevelCount = Type.Object({
  level: Type.Integer(),
  name: Type.String({
    description: 'level name on the ladder in force; "level N" for a level the ladder no longer has',
  }),
  users: Type.Integer(),
});

const RecentChange = Type.Object({
  userId: Type.String(),
  seq: Type.Integer(),
  fromLevel: Type.Integer(),
  toLevel: Type.Integer(),
  reason: Type.String(),
  detail: Type.Union([Type.String(), Type.Null()]),
  ruleVersion: Type.Integer(),
  at: Type.String(),
});

const VipStats = Type.Object({
  ladderVersion: Type.Integer(),
  totalUsers: Type.Integer(),
  levels: Type.Array(LevelCount),
  recentChanges: Type.Array(RecentChange),
});

export function statsRoutes(deps: StatsRouteDeps) {
  return async (app: HttpApp): Promise<void> => {
    app.get(
      '/v1/vip/stats',
      {
        schema: {
          tags: ['vip'],
          summary: 'Users per VIP level (every user counted once) and the latest level changes, newest first',
          querystring: Type.Object({
            recentLimit: Type.Optional(
              Type.Integer({ minimum: 0, maximum: recentChangesMax, default: recentChangesDefault }),
            ),
          }),
          response: { 200: VipStats, ...problemResponses },
        },
      },
      async (request) => {
        const recentLimit = request.query.recentLimit ?? recentChangesDefault;
        const [ladder, counts, totalUsers, recent] = await Promise.all([
          deps.ladders.current(deps.store.ladders),
          deps.store.vipStates.levelCounts(),
          deps.store.users.count(),
          recentLimit > 0 ? deps.store.vipHistory.recentChanges(recentLimit) : Promise.resolve([]),
        ]);
        const usersByLevel = new Map<number, number>();
        let withState = 0;
        for (const { level, users } of counts) {
          usersByLevel.set(level, users);
          withState += users;
        }
        // A user without a VIP state has never been decided on: it sits at the base level.
        usersByLevel.set(0, (usersByLevel.get(0) ?? 0) + Math.max(0, totalUsers - withState));
        const topLevel = Math.max(ladder.ladder.levels.length - 1, ...usersByLevel.keys());
        const levels = [];
        for (let level = 0; level <= topLevel; level++) {
          levels.push({
            level,
            name: ladder.ladder.levels[level]?.name ?? `level ${level}`,
            users: usersByLevel.get(level) ?? 0,
          });
        }
        return {
          ladderVersion: ladder.version,
          totalUsers,
          levels,
          recentChanges: recent.map((row) => ({
            userId: row.userId,
            seq: row.seq,
            fromLevel: row.fromLevel,
            toLevel: row.toLevel,
            reason: row.reason,
            detail: row.detail,
            ruleVersion: row.ladderVersion,
            at: isoTime(row.atMs),
          })),
        };
      },
    );
  };
}
