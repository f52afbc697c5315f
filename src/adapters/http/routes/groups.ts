// Group endpoints (DESIGN.md §4, §6): CRUD, members, preview, and a user's effective policy.
// Rules and policies travel as the operator wrote them and are validated by the domain, so a
// refusal names the JSON path inside the request (/body/rule/..., /body/policy/...).
// A create, rule edit or delete answers 201/200 when its membership work finished inside the
// request, and 202 when the rest runs in the background (populations above ~100k users);
// either way the response says how many joined and left so far.
import { Type, type Static } from '@sinclair/typebox';
import { effectivePolicyToJson } from '../../../domain/policy/effective-policy.ts';
import { parseId } from '../../../domain/ids.ts';
import { isoTime } from '../../../app/outbox/messages.ts';
import {
  decodeGroupCursor,
  decodeMemberCursor,
  encodeGroupCursor,
  encodeMemberCursor,
} from '../../../app/groups/group-cursors.ts';
import { parseGroupId, type GroupInput } from '../../../app/groups/group-input.ts';
import type { MaintenanceReport } from '../../../app/groups/group-maintenance.ts';
import {
  addStaticMembers,
  createGroup,
  deleteGroup,
  getGroup,
  groupMembers,
  listGroups,
  memberIdsPerRequestMax,
  previewRule,
  previewSampleSizeMax,
  removeStaticMembers,
  replaceGroup,
} from '../../../app/groups/groups-admin.ts';
import type { GroupsDependencies } from '../../../app/groups/groups-deps.ts';
import { effectivePolicyOfUser } from '../../../app/groups/policies.ts';
import type { GroupRow } from '../../../app/ports/groups.ts';
import { problemFromRefusal, sendProblem } from '../problem.ts';
import type { HttpApp } from '../server.ts';
import { Time, UserId, nullable, paged, problemResponses } from './schemas.ts';

export interface GroupRouteDeps {
  readonly groups: GroupsDependencies;
  /** Called after every change that wrote membership or left work behind (wake the relay and the loop). */
  readonly afterChange?: () => void;
}

const pageLimitDefault = 100;
const pageLimitMax = 1_000;

const GroupParams = Type.Object({
  id: Type.String({ maxLength: 200, description: 'group id: 1-64 characters of [A-Za-z0-9_.:-]' }),
});
const UserParams = Type.Object({
  id: Type.String({ maxLength: 40, description: 'user id: decimal string, 1 to 2^63-1' }),
});
const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: pageLimitMax, default: pageLimitDefault })),
});
const Kind = Type.Union([Type.Literal('static'), Type.Literal('dynamic')]);
const documentFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  rule: Type.Optional(
    Type.Unknown({ description: 'dynamic groups: the rule (DESIGN.md §4), validated with its JSON path' }),
  ),
  policy: Type.Optional(
    Type.Unknown({ description: 'policy keys: rebate.enabled, rebate.maxPerSettlement, bet.maxAmount, attributes.*' }),
  ),
  priority: Type.Optional(Type.Integer({ description: 'higher wins among groups for attributes.*; default 0' })),
};
const CreateBody = Type.Object(
  { id: Type.String({ maxLength: 200 }), kind: Kind, ...documentFields },
  { additionalProperties: false },
);
const ReplaceBody = Type.Object({ kind: Type.Optional(Kind), ...documentFields }, { additionalProperties: false });
const MembersBody = Type.Object(
  {
    userIds: Type.Array(Type.Unknown(), {
      minItems: 1,
      maxItems: memberIdsPerRequestMax,
      description: 'user ids as decimal strings',
    }),
  },
  { additionalProperties: false },
);
const PreviewBody = Type.Object(
  {
    rule: Type.Unknown(),
    sampleSize: Type.Optional(Type.Integer({ minimum: 0, maximum: previewSampleSizeMax, default: 20 })),
  },
  { additionalProperties: false },
);

const AttributeValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
  description:
    'as the policy key says: rebate.enabled a boolean, money keys 4-decimal strings, attributes.* a string, number or boolean',
});
// Documents the operator wrote, stored canonically and passed through: typed `unknown` for the
// handlers, described as objects for OpenAPI readers.
const RuleDocument = Type.Unsafe<unknown>(
  nullable(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'the rule in canonical form (DESIGN.md §4): {all:[rule]}, {any:[rule]}, {not:rule}, {field, op, value} or {downlineOf}; null on static groups',
      },
    ),
  ),
);
const PolicyDocument = Type.Unsafe<unknown>(
  nullable(
    Type.Record(Type.String(), AttributeValue, {
      description:
        'policy key -> value (rebate.enabled, rebate.maxPerSettlement, bet.maxAmount, attributes.*); null: no policy',
    }),
  ),
);
const Rebuild = Type.Object(
  {
    pending: Type.Literal(true),
    afterUserId: nullable(Type.String({ description: 'the last user id re-evaluated so far; null: none yet' })),
    joined: Type.Integer(),
    left: Type.Integer(),
  },
  { description: 'a membership rebuild still going on in the background; null when there is none' },
);
const groupFields = {
  id: Type.String(),
  name: Type.String(),
  kind: Kind,
  rule: RuleDocument,
  ruleVersion: Type.Integer({ description: 'starts at 1; every rule edit adds 1' }),
  policy: PolicyDocument,
  priority: Type.Integer(),
  createdAt: Time,
  updatedAt: Time,
  rebuild: nullable(Rebuild),
};
const Group = Type.Object(groupFields);
const GroupDetails = Type.Object({ ...groupFields, memberCount: Type.Integer() });
const Membership = nullable(
  Type.Object(
    {
      usersExamined: Type.Integer(),
      joined: Type.Integer(),
      left: Type.Integer(),
      batches: Type.Integer(),
      complete: Type.Boolean({ description: 'false: the rest goes on in the background (see rebuild)' }),
    },
    { description: 'membership work done inside the request; null when the change needed none' },
  ),
);
const GroupChange = Type.Object({ ...groupFields, membership: Membership });
const Preview = Type.Object({
  count: Type.Integer({ description: 'users the rule would hold' }),
  sample: Type.Array(UserId),
  usersExamined: Type.Integer(),
});
const Deleted = Type.Object({
  id: Type.String(),
  deleted: Type.Literal(true),
  left: Type.Integer({ description: 'members removed so far' }),
  complete: Type.Boolean({ description: 'false: the remaining members leave in the background' }),
});
const Member = Type.Object({
  userId: UserId,
  source: Type.Union([Type.Literal('rule'), Type.Literal('manual')]),
  ruleVersion: Type.Integer({ description: "the group's rule version when the user joined" }),
  since: Time,
});
const MembersAdded = Type.Object({
  id: Type.String(),
  added: Type.Array(UserId, { description: 'users who joined, in id order' }),
  alreadyMembers: Type.Integer(),
});
const MembersRemoved = Type.Object({
  id: Type.String(),
  removed: Type.Array(UserId, { description: 'users who left, in id order' }),
  notMembers: Type.Integer(),
});
const PolicySource = Type.Object({
  kind: Type.Union([Type.Literal('group'), Type.Literal('vip_level')]),
  id: Type.String({ description: 'group id, or the VIP level as a decimal string' }),
  priority: Type.Integer(),
});
const EffectiveValue = Type.Object({
  value: AttributeValue,
  rule: Type.Union([Type.Literal('false_wins'), Type.Literal('lowest_wins'), Type.Literal('highest_priority_wins')]),
  source: nullable(PolicySource),
  contributions: Type.Array(Type.Object({ source: PolicySource, value: AttributeValue }), {
    description: 'every source that set the key, in precedence order',
  }),
});
const UserPolicy = Type.Object({
  userId: UserId,
  vipLevel: Type.Integer(),
  groups: Type.Array(Type.String()),
  policy: Type.Unsafe<ReturnType<typeof effectivePolicyToJson>>(
    Type.Record(Type.String(), nullable(EffectiveValue), {
      description:
        'every key (rebate.enabled, rebate.maxPerSettlement, bet.maxAmount, attributes.* set by a source): the value in effect, or null when unset',
    }),
  ),
});

function wireGroup(row: GroupRow): Static<typeof Group> {
  return {
    id: row.groupId,
    name: row.name,
    kind: row.kind,
    rule: row.ruleDoc === null ? null : (JSON.parse(row.ruleDoc) as unknown),
    ruleVersion: row.ruleVersion,
    policy: row.policyDoc === null ? null : (JSON.parse(row.policyDoc) as unknown),
    priority: row.priority,
    createdAt: isoTime(row.createdAtMs),
    updatedAt: isoTime(row.updatedAtMs),
    rebuild:
      row.rebuildAfterUserId === null
        ? null
        : {
            pending: true as const,
            afterUserId: row.rebuildAfterUserId === '0' ? null : row.rebuildAfterUserId,
            joined: row.rebuildJoined,
            left: row.rebuildLeft,
          },
  };
}

function wireMembership(report: MaintenanceReport | null): Static<typeof Membership> {
  if (report === null) return null;
  return {
    usersExamined: report.kind === 'rebuild' ? report.users : 0,
    joined: report.joined,
    left: report.left,
    batches: report.batches,
    complete: report.complete,
  };
}

const groupIdOf = (input: string) => parseGroupId(input, '/params/id');

export function groupRoutes(deps: GroupRouteDeps): (app: HttpApp) => Promise<void> {
  const { groups } = deps;
  const statusAfter = (report: MaintenanceReport | null): 200 | 202 => {
    deps.afterChange?.();
    return report === null || report.complete ? 200 : 202;
  };
  return async (app: HttpApp): Promise<void> => {
    app.get(
      '/v1/groups',
      {
        schema: {
          tags: ['groups'],
          summary: 'Groups in id order',
          querystring: PageQuery,
          response: { 200: paged(Group), ...problemResponses },
        },
      },
      async (request, reply) => {
        let after: string | null = null;
        if (request.query.cursor !== undefined) {
          const decoded = decodeGroupCursor(request.query.cursor, '/querystring/cursor');
          if (!decoded.ok) return sendProblem(reply, problemFromRefusal(decoded));
          after = decoded.value;
        }
        const page = await listGroups(groups, after, request.query.limit ?? pageLimitDefault);
        const last = page.items.at(-1);
        return {
          items: page.items.map(wireGroup),
          nextCursor: page.more && last !== undefined ? encodeGroupCursor(last.groupId) : null,
        };
      },
    );

    app.post(
      '/v1/groups',
      {
        schema: {
          tags: ['groups'],
          summary: 'Create a static or dynamic group',
          description:
            'A dynamic group is filled at once; 201 when its first fill finished in the request, 202 when it goes on in the background.',
          body: CreateBody,
          response: { 201: GroupChange, 202: GroupChange, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = parseGroupId(request.body.id, '/body/id');
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const { kind, name, rule, policy, priority } = request.body;
        const input: GroupInput = { kind, name, rule, policy, priority };
        const created = await createGroup(groups, id.value, input);
        if (!created.ok) return sendProblem(reply, problemFromRefusal(created));
        const status = statusAfter(created.value.membership) === 202 ? 202 : 201;
        return reply
          .code(status)
          .send({ ...wireGroup(created.value.group), membership: wireMembership(created.value.membership) });
      },
    );

    app.post(
      '/v1/groups/preview',
      {
        schema: {
          tags: ['groups'],
          summary: 'Dry-run a rule over every user: how many would be in, and a sample (writes nothing)',
          body: PreviewBody,
          response: { 200: Preview, ...problemResponses },
        },
      },
      async (request, reply) => {
        const preview = await previewRule(groups, request.body.rule, request.body.sampleSize ?? 20);
        if (!preview.ok) return sendProblem(reply, problemFromRefusal(preview));
        return { count: preview.value.count, sample: preview.value.sample, usersExamined: preview.value.users };
      },
    );

    app.get(
      '/v1/groups/:id',
      {
        schema: {
          tags: ['groups'],
          summary: 'A group, its member count and any pending rebuild',
          params: GroupParams,
          response: { 200: GroupDetails, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = groupIdOf(request.params.id);
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const details = await getGroup(groups, id.value);
        if (!details.ok) return sendProblem(reply, problemFromRefusal(details));
        return { ...wireGroup(details.value.group), memberCount: details.value.memberCount };
      },
    );

    app.put(
      '/v1/groups/:id',
      {
        schema: {
          tags: ['groups'],
          summary: 'Replace name, rule, policy and priority',
          description:
            'A changed rule bumps ruleVersion and re-evaluates every user: 200 when that finished in the request, 202 when it goes on in the background.',
          params: GroupParams,
          body: ReplaceBody,
          response: { 200: GroupChange, 202: GroupChange, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = groupIdOf(request.params.id);
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const { kind, name, rule, policy, priority } = request.body;
        const replaced = await replaceGroup(groups, id.value, { kind, name, rule, policy, priority });
        if (!replaced.ok) return sendProblem(reply, problemFromRefusal(replaced));
        const { membership } = replaced.value;
        if (membership !== null)
          request.log.info(
            { groupId: id.value, ruleVersion: replaced.value.group.ruleVersion, ...wireMembership(membership) },
            'group rule changed',
          );
        return reply
          .code(statusAfter(membership))
          .send({ ...wireGroup(replaced.value.group), membership: wireMembership(membership) });
      },
    );

    app.delete(
      '/v1/groups/:id',
      {
        schema: {
          tags: ['groups'],
          summary: 'Delete a group; each member leaves (group.left)',
          description:
            'The group is gone for every reader at once. 200 when every member left inside the request, 202 when the rest leave in the background.',
          params: GroupParams,
          response: { 200: Deleted, 202: Deleted, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = groupIdOf(request.params.id);
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const deleted = await deleteGroup(groups, id.value);
        if (!deleted.ok) return sendProblem(reply, problemFromRefusal(deleted));
        return reply
          .code(statusAfter(deleted.value))
          .send({ id: id.value, deleted: true, left: deleted.value.left, complete: deleted.value.complete });
      },
    );

    app.get(
      '/v1/groups/:id/members',
      {
        schema: {
          tags: ['groups'],
          summary: 'Members in user id order',
          params: GroupParams,
          querystring: PageQuery,
          response: { 200: paged(Member), ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = groupIdOf(request.params.id);
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        let after: string | null = null;
        if (request.query.cursor !== undefined) {
          const decoded = decodeMemberCursor(id.value, request.query.cursor, '/querystring/cursor');
          if (!decoded.ok) return sendProblem(reply, problemFromRefusal(decoded));
          after = decoded.value;
        }
        const page = await groupMembers(groups, id.value, after, request.query.limit ?? pageLimitDefault);
        if (!page.ok) return sendProblem(reply, problemFromRefusal(page));
        const last = page.value.items.at(-1);
        return {
          items: page.value.items.map((member) => ({
            userId: member.userId,
            source: member.source,
            ruleVersion: member.ruleVersion,
            since: isoTime(member.sinceMs),
          })),
          nextCursor: page.value.more && last !== undefined ? encodeMemberCursor(id.value, last.userId) : null,
        };
      },
    );

    app.post(
      '/v1/groups/:id/members',
      {
        schema: {
          tags: ['groups'],
          summary: 'Add users to a static group (all or nothing: unknown users are refused, listed)',
          params: GroupParams,
          body: MembersBody,
          response: { 200: MembersAdded, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = groupIdOf(request.params.id);
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const added = await addStaticMembers(groups, id.value, request.body.userIds);
        if (!added.ok) return sendProblem(reply, problemFromRefusal(added));
        deps.afterChange?.();
        return { id: id.value, added: added.value.changed, alreadyMembers: added.value.unchanged };
      },
    );

    app.delete(
      '/v1/groups/:id/members',
      {
        schema: {
          tags: ['groups'],
          summary: 'Remove users from a static group (ids that are not members are counted, not refused)',
          params: GroupParams,
          body: MembersBody,
          response: { 200: MembersRemoved, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = groupIdOf(request.params.id);
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const removed = await removeStaticMembers(groups, id.value, request.body.userIds);
        if (!removed.ok) return sendProblem(reply, problemFromRefusal(removed));
        deps.afterChange?.();
        return { id: id.value, removed: removed.value.changed, notMembers: removed.value.unchanged };
      },
    );

    app.get(
      '/v1/users/:id/policy',
      {
        schema: {
          tags: ['users'],
          summary:
            "A user's effective policy: per key the value, its merge rule, the winning source and every contributor",
          params: UserParams,
          response: { 200: UserPolicy, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = parseId(request.params.id, '/params/id');
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const policy = await effectivePolicyOfUser(groups, groups.store, id.value);
        if (!policy.ok) return sendProblem(reply, problemFromRefusal(policy));
        return {
          userId: policy.value.userId,
          vipLevel: policy.value.vipLevel,
          groups: [...policy.value.groups],
          policy: effectivePolicyToJson(policy.value.effective),
        };
      },
    );
  };
}
