import { connect, createServer, type Socket } from 'node:net';

/** Counts the round trips between clients and PostgreSQL, on the wire. */
export interface RoundTripCounter {
  /** The database URL through the counter: connect here instead of `targetUrl`. */
  url: string;
  /**
   * Round trips since the last `reset()`, over every connection: how many times a client sent something
   * after the server had last spoken on that connection (a client that writes twice before any answer —
   * pipelined statements — makes one round trip).
   */
  roundTrips(): number;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of PostgreSQL that counts round trips as the wire shows them, whatever the
 * driver does: each time data goes from a client to the server after the server last sent data on that
 * connection (or first), one more. Connection startup counts too: `reset()` once connected. For tests and
 * the bench; plain TCP only (no TLS).
 */
export async function startRoundTripCounter(targetUrl: string): Promise<RoundTripCounter> {
  const target = new URL(targetUrl);
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port || 5432);
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client);
    sockets.add(upstream);
    let lastFromServer = true;
    client.on('data', (chunk) => {
      if (lastFromServer) count++;
      lastFromServer = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      lastFromServer = true;
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('round-trip counter: no port');
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    roundTrips: () => count,
    reset: () => {
      count = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
