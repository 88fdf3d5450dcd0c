/** Reads config, opens the database, loads playlists, listens, and shuts down gracefully. */
import { realClock, VirtualClock, type Clock } from '#shared/clock.ts';
import { parseIsoInstant } from '#shared/time.ts';
import { buildApp, LISTEN_BACKLOG } from './app.ts';
import { ConfigError, helpText, parseConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { join } from 'node:path';
import { runStartup } from './startup.ts';

async function main() {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    console.log(helpText());
    return;
  }
  const clock: Clock = config.clock
    ? new VirtualClock(parseIsoInstant(config.clock)!, config.clockRate)
    : realClock;
  const { db } = openDatabase(join(config.dataDir, 'signage.db'), clock);
  const app = await buildApp({ config, db, clock });
  try {
    await runStartup(app);
  } catch (err) {
    // A bad playlist stops the start before anything listens; the transaction left nothing behind.
    await app.close();
    db.close();
    throw err;
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // 10,000 players reconnecting at once after a restart: room in the accept queue for them
  // (Node's default is 511; the kernel caps it at net.core.somaxconn).
  await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
  console.log(`Máy chủ đang chạy / Serving at http://${config.host}:${config.port}  (API docs: /docs)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
