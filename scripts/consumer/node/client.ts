// A product's backend in another repository, calling a running Roster server with @roster/client and an
// API key. Usage: node build/client.js <server url> <api key> <organization id> <email of the member to remove> <owner's membership id>
import {
  createRosterClient,
  type ErrorReason,
  hasReason,
  isRosterError,
  type RouterOutputs,
} from '@roster/client';

const [url, apiKey, organizationId, email, ownerMemberId] = process.argv.slice(2);
if (!url || !apiKey || !organizationId || !email || !ownerMemberId)
  throw new Error('usage: client.js <url> <key> <org> <email> <owner member id>');

const roster = createRosterClient({ url, apiKey });

type Member = RouterOutputs['members']['list']['items'][number];
const members: Member[] = [];
let cursor: string | null = null;
do {
  const page: RouterOutputs['members']['list'] = await roster.members.list.query({
    organizationId,
    cursor,
    limit: 100,
  });
  members.push(...page.items);
  cursor = page.nextCursor;
} while (cursor);
const target = members.find((m) => m.email === email);
if (!target) throw new Error(`${email} is not a member`);

const removed = await roster.members.remove.mutate({ organizationId, memberId: target.id });
if (removed.memberId !== target.id) throw new Error('removed someone else');
const after = await roster.members.list.query({ organizationId, limit: 100 });
if (after.items.some((m) => m.id === target.id)) throw new Error('the member is still listed');

// The last owner cannot be removed through a key: a typed refusal. (A key acts like an admin, who never
// removes owners, so the answer is INSUFFICIENT_ROLE; the owner stays.)
let refused: ErrorReason | null = null;
try {
  await roster.members.remove.mutate({ organizationId, memberId: ownerMemberId });
} catch (error) {
  if (!isRosterError(error)) throw error;
  refused = error.data.reason;
  // @ts-expect-error a misspelled reason is not in the union
  if (error.data.reason === 'INSUFICIENT_ROLE') throw error;
  if (!hasReason(error, 'INSUFFICIENT_ROLE', 'AT_LEAST_ONE_OWNER_REQUIRED')) throw error;
  const narrowed: 'INSUFFICIENT_ROLE' | 'AT_LEAST_ONE_OWNER_REQUIRED' = error.data.reason;
  if (!error.data.docs.includes('#')) throw new Error(`no docs link for ${narrowed}`);
}
if (refused !== 'INSUFFICIENT_ROLE') throw new Error(`expected INSUFFICIENT_ROLE, got ${refused}`);
const owners = (await roster.members.list.query({ organizationId, limit: 100 })).items.filter(
  (m) => m.role === 'owner',
);
if (!owners.some((m) => m.id === ownerMemberId)) throw new Error('the owner is gone');
console.log(
  JSON.stringify({
    listed: members.length,
    removed: target.email,
    remaining: after.items.length,
    ownerRemoval: refused,
  }),
);
