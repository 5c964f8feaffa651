// The names that the README's and docs' code fragments take from their surroundings: a product's own
// router helpers, translations and the values a screen already has. Each is typed as a product would
// have it, so a fragment that misuses a Roster API still fails to compile. Add a name here, typed, when
// a new fragment needs one (docs/scripts/extract-snippets.mjs says how snippets are checked).
import type { createCaller } from '@roster/api';
import type { Organization } from '@roster/react';
import type { QueryClient } from '@tanstack/react-query';
import type { ReactElement } from 'react';

declare global {
  // ids and values a screen or a job already holds
  const organizationId: string;
  const memberId: string;
  const invitationId: string;
  const apiKeyId: string;
  /** The Roster server's base URL, e.g. `https://roster.example.com`. */
  const serverUrl: string;
  /** The token at the end of a mailed link (`/invite/<token>`, `/verify-email/<token>`, ...). */
  const token: string;
  const memberUserId: string;
  /** A webhook of the organization (see "Reliability and events"). */
  const webhookId: string;
  const adminUserId: string;
  const email: string;
  const password: string;
  const url: string;
  const organization: Organization;
  const member: { id: string; email: string };
  const queryClient: QueryClient;
  /** `createCaller(...)` for an owner of the organization (see "Members API"). */
  const owner: ReturnType<typeof createCaller>;
  // the product's router, translations and components
  function navigate(to: string): void;
  function redirect(to: string): void;
  function t(key: string): string;
  function showError(message: string): void;
  function toast(message: string): void;
  /** Shows a secret to its owner once (a new API key). */
  function showOnce(secret: string): void;
  function App(): ReactElement;
  function TransferOwnershipFirst(): ReactElement;
}
