/**
 * Removes a member from an organization, server to server, with @roster/client and an API key.
 *
 * The key needs the `members:read` scope (to find the member by email) and `members:write` (to remove):
 * create one in the web app's organization settings, or with `apiKeys.create`.
 *
 *   ROSTER_URL=http://localhost:3000 ROSTER_API_KEY=rst_... \
 *     pnpm --filter @roster/server exec tsx examples/remove-member.ts <organizationId> <email> [--keep-api-keys]
 *
 * Exit status: 0 removed (or already gone), 1 refused (the reason is printed), 2 bad usage.
 */
import { pathToFileURL } from 'node:url';
import { createRosterClient, isRosterError, type RosterClient } from '@roster/client';

export type RemoveOutcome =
  | { status: 'removed'; memberId: string; revokedApiKeys: number }
  | { status: 'not-a-member' };

/** Finds the active member with this email (paging through members.list) and removes them. */
export async function removeMemberByEmail(
  roster: RosterClient,
  organizationId: string,
  email: string,
  options: { keepApiKeys?: boolean } = {},
): Promise<RemoveOutcome> {
  const wanted = email.trim().toLowerCase();
  let cursor: string | null = null;
  do {
    const page = await roster.members.list.query({ organizationId, cursor, limit: 100 });
    const member = page.items.find((item) => item.email === wanted);
    if (member) {
      try {
        const result = await roster.members.remove.mutate({
          organizationId,
          memberId: member.id,
          keepApiKeys: options.keepApiKeys ?? false,
        });
        return { status: 'removed', memberId: result.memberId, revokedApiKeys: result.revoked.apiKeys };
      } catch (error) {
        // Removed by someone else between the list and the removal: the outcome we wanted.
        if (isRosterError(error) && error.data.reason === 'MEMBER_NOT_FOUND')
          return { status: 'not-a-member' };
        throw error;
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return { status: 'not-a-member' };
}

async function main(argv: string[]): Promise<number> {
  const [organizationId, email] = argv.filter((arg) => !arg.startsWith('--'));
  const url = process.env.ROSTER_URL ?? 'http://localhost:3000';
  const apiKey = process.env.ROSTER_API_KEY;
  if (!organizationId || !email || !apiKey) {
    console.error(
      'usage: ROSTER_API_KEY=rst_... [ROSTER_URL=...] tsx examples/remove-member.ts <organizationId> <email> [--keep-api-keys]',
    );
    return 2;
  }
  const roster = createRosterClient({ url, apiKey });
  try {
    const outcome = await removeMemberByEmail(roster, organizationId, email, {
      keepApiKeys: argv.includes('--keep-api-keys'),
    });
    if (outcome.status === 'removed') {
      console.log(
        `Removed ${email} (membership ${outcome.memberId}); revoked ${outcome.revokedApiKeys} API key(s).`,
      );
    } else {
      console.log(`${email} is not an active member of ${organizationId}; nothing to do.`);
    }
    return 0;
  } catch (error) {
    if (!isRosterError(error)) throw error;
    // Typed reasons: the compiler knows every value error.data.reason can take.
    switch (error.data.reason) {
      case 'INVALID_API_KEY':
        console.error('The API key is malformed, unknown or revoked.');
        break;
      case 'INSUFFICIENT_SCOPE':
        console.error('The API key needs the members:read and members:write scopes.');
        break;
      case 'INSUFFICIENT_ROLE':
      case 'AT_LEAST_ONE_OWNER_REQUIRED':
        console.error(`Refused: ${error.message}. ${error.data.hint}`);
        break;
      case 'RATE_LIMITED':
        console.error(`Rate limited; retry later. ${error.data.hint}`);
        break;
      default:
        console.error(`Refused (${error.data.reason}): ${error.message}. ${error.data.hint}`);
    }
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
