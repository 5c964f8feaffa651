import { ConfigError, loadConfig } from './config';
import { startServer } from './start';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const server = await startServer(config);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
      const forced = setTimeout(() => {
        server.app.log.error('shutdown took longer than 10 s; exiting');
        process.exit(1);
      }, 10_000);
      forced.unref();
      server.close().then(
        () => process.exit(0),
        (error) => {
          server.app.log.error({ err: error }, 'error during shutdown');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error) => {
  console.error('Roster failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
