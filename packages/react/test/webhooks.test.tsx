import net from 'node:net';
import { createDispatcher } from '@roster/server';
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  useCreateWebhook,
  useDeleteWebhook,
  useRedeliverWebhook,
  useRotateWebhookSecret,
  useWebhookDeliveries,
  useWebhooks,
} from '../src';
import { DB_KIND, rosterForFile, seedOrganization, signUp, wrapperFor } from './harness';

const roster = rosterForFile();

/** A local URL nothing listens on: every delivery to it fails with "connection refused". */
async function refusingUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks`;
}

describe(`webhooks hooks (${DB_KIND})`, () => {
  it('create (secret once), list, rotate, deliveries, redeliver once, delete; an admin gets the reason', async () => {
    const owner = await signUp(roster);
    const admin = await signUp(roster);
    const organization = await seedOrganization(roster, [
      [owner, 'owner'],
      [admin, 'admin'],
    ]);
    const organizationId = organization.id;
    const url = await refusingUrl();

    const asAdmin = renderHook(() => ({ list: useWebhooks(organizationId), create: useCreateWebhook() }), {
      wrapper: wrapperFor(roster, admin).wrapper,
    });
    await waitFor(() => expect(asAdmin.result.current.list.reason).toBe('INSUFFICIENT_ROLE'));
    act(() => asAdmin.result.current.create.mutate({ organizationId, url }));
    await waitFor(() => expect(asAdmin.result.current.create.reason).toBe('INSUFFICIENT_ROLE'));

    const asOwner = wrapperFor(roster, owner);
    const { result, unmount } = renderHook(
      () => ({
        list: useWebhooks(organizationId),
        deliveries: useWebhookDeliveries({ organizationId }),
        create: useCreateWebhook(),
        rotate: useRotateWebhookSecret(),
        redeliver: useRedeliverWebhook(),
        remove: useDeleteWebhook(),
      }),
      { wrapper: asOwner.wrapper },
    );
    await waitFor(() => expect(result.current.list.data).toEqual([]));
    await waitFor(() => expect(result.current.deliveries.data).toEqual([]));
    act(() => result.current.create.mutate({ organizationId, url, eventTypes: ['member.removed'] }));
    await waitFor(() => expect(result.current.create.isSuccess).toBe(true));
    const created = result.current.create.data!;
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.createdAt).toBe(new Date(created.createdAt).toISOString());
    // The list follows, without the secret.
    await waitFor(() => expect(result.current.list.data).toHaveLength(1));
    expect(result.current.list.data![0]).toMatchObject({
      id: created.id,
      url,
      eventTypes: ['member.removed'],
    });
    expect(JSON.stringify(result.current.list.data)).not.toContain(created.secret);

    act(() => result.current.rotate.mutate({ organizationId, webhookId: created.id }));
    await waitFor(() => expect(result.current.rotate.isSuccess).toBe(true));
    expect(result.current.rotate.data!.secret).toMatch(/^whsec_/);
    expect(result.current.rotate.data!.secret).not.toBe(created.secret);

    // An event, and one attempt that fails: the delivery is dead (a schedule with no retries).
    await roster.t.db
      .insertInto('outbox_events')
      .values({ organization_id: organizationId, type: 'member.removed', payload: {} })
      .execute();
    const dispatcher = createDispatcher(roster.t.db, {
      intervalMs: 0,
      allowPrivateTargets: true,
      retryScheduleMs: [],
    });
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    await act(() => result.current.deliveries.refetch());
    await waitFor(() => expect(result.current.deliveries.data).toHaveLength(1));
    const [dead] = result.current.deliveries.data!;
    expect(dead).toMatchObject({
      webhookId: created.id,
      eventType: 'member.removed',
      status: 'dead',
      attempts: 1,
      lastError: 'connection refused (ECONNREFUSED)',
    });

    // Redelivered once: the deliveries refetch by themselves; asking again is refused with a reason.
    act(() => result.current.redeliver.mutate({ organizationId, deliveryId: dead!.id }));
    await waitFor(() => expect(result.current.deliveries.data?.[0]?.status).toBe('pending'));
    act(() => result.current.redeliver.mutate({ organizationId, deliveryId: dead!.id }));
    await waitFor(() => expect(result.current.redeliver.reason).toBe('WEBHOOK_DELIVERY_NOT_REDELIVERABLE'));
    // The refused ask changed nothing: the row is as the first redelivery left it (one more attempt).
    expect(
      await roster.t.db
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts', 'max_attempts'])
        .where('id', '=', dead!.id)
        .execute(),
    ).toEqual([{ status: 'pending', attempts: 1, max_attempts: 2 }]);

    act(() => result.current.remove.mutate({ organizationId, webhookId: created.id }));
    await waitFor(() => expect(result.current.list.data).toEqual([]));
    expect(
      await roster.t.db
        .selectFrom('webhooks')
        .select('id')
        .where('organization_id', '=', organizationId)
        .execute(),
    ).toEqual([]);
    await dispatcher.stop();

    // Shown once: once no component holds them, the answers with a secret leave the mutation cache.
    const secretsCached = () =>
      JSON.stringify(
        asOwner.queryClient
          .getMutationCache()
          .getAll()
          .map((mutation) => mutation.state.data),
      );
    expect(secretsCached()).toContain('whsec_');
    unmount();
    await waitFor(() => expect(secretsCached()).not.toContain('whsec_'));
  });
});
