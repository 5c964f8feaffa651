// Preloaded into the bench's Roster server process only (`node --expose-gc --import <this file>`, with
// an IPC channel; see `startServerProcess({ heapProbe: true })`), never into a production server: on
// the bench's `{ type: 'heap', id }` message it runs a full garbage collection and answers
// `process.memoryUsage()` — the memory that is still reachable, not garbage V8 has yet to collect.
// Nothing is exposed over HTTP.
if (typeof process.send === 'function' && typeof globalThis.gc === 'function') {
  process.on('message', (message) => {
    if (message?.type !== 'heap') return;
    globalThis.gc();
    process.send({ type: 'heap', id: message.id, ...process.memoryUsage() });
  });
  // The channel must not keep the server alive when it is asked to stop.
  process.channel?.unref();
}
