// A product's own backend using Roster in-process: the router (@roster/api) on the embedded database
// (@roster/db), as its own code would after authenticating a user.
import { type Caller, createCaller, createContextInner, type ErrorReason, RosterError } from '@roster/api';
import { createDatabase, migrateToLatest } from '@roster/db';

const db = createDatabase({ dataDir: 'memory://' });
await migrateToLatest(db);
const asUser = (userId: string) => {
  const caller: Caller = { type: 'user', userId, sessionId: null };
  return createCaller(createContextInner({ db, caller }));
};

// Users as an external identity provider would create them (no password).
const [owner, member] = await db
  .insertInto('users')
  .values([
    { email: 'owner@product.example', name: 'Owner', password_hash: null },
    { email: 'member@product.example', name: 'Member', password_hash: null },
  ])
  .returning(['id', 'email'])
  .execute();
if (!owner || !member) throw new Error('no users');

const first = await asUser(owner.id).organizations.create({ name: 'First', slug: 'first' });
const second = await asUser(owner.id).organizations.create({ name: 'Second', slug: 'second' });
await db
  .insertInto('memberships')
  .values([
    { organization_id: first.id, user_id: member.id, role: 'member' },
    { organization_id: second.id, user_id: member.id, role: 'member' },
  ])
  .execute();

// The member leaves the second organization; the answer says where to go next.
const left = await asUser(member.id).members.leave({ organizationId: second.id });
if (left.nextOrganization?.slug !== 'first')
  throw new Error(`expected first next, got ${JSON.stringify(left)}`);
const row = await db
  .selectFrom('memberships')
  .select(['status', 'removal_reason'])
  .where('organization_id', '=', second.id)
  .where('user_id', '=', member.id)
  .executeTakeFirstOrThrow();
if (row.status !== 'removed' || row.removal_reason !== 'left')
  throw new Error(`membership is ${JSON.stringify(row)}`);

// The last owner cannot leave.
let reason: ErrorReason | null = null;
try {
  await asUser(owner.id).members.leave({ organizationId: first.id });
} catch (error) {
  if (!(error instanceof RosterError)) throw error;
  reason = error.reason;
  // @ts-expect-error a misspelled reason is not in the union
  if (error.reason === 'AT_LEAST_ONE_OWNR_REQUIRED') throw error;
}
if (reason !== 'AT_LEAST_ONE_OWNER_REQUIRED')
  throw new Error(`expected AT_LEAST_ONE_OWNER_REQUIRED, got ${reason}`);
await db.destroy();
console.log(JSON.stringify({ nextOrganization: left.nextOrganization, lastOwnerRefused: reason }));
