import { canLeave } from '@roster/react';
import type { Role } from '../permissions';

/**
 * Whether the caller is the organization's only active owner: then Leave is not offered (the server
 * would refuse with AT_LEAST_ONE_OWNER_REQUIRED) and the transfer-ownership path is shown instead.
 * Reads the role and owner count `organizations.listMine` sends; the server's check is the one that counts.
 */
export function isSoleOwner(organization: { role: Role; activeOwnerCount: number }): boolean {
  return !canLeave(organization);
}
