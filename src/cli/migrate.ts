/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
import { openDatabase } from '../bootstrap.js';
import { loadConfig } from '../config/config.js';
import { createDataSource } from '../infrastructure/database/data-source.js';
import { runMigrations } from '../infrastructure/database/migrate.js';
import { createLogger } from '../infrastructure/observability/logger.js';

const log = createLogger();
const config = loadConfig();
const database = await openDatabase(config, log);
const dataSource = createDataSource({ url: database.url, poolSize: 2 });
try {
  await dataSource.initialize();
  await runMigrations(dataSource, log);
  const pending = await dataSource.showMigrations();
  log.info({ pending }, 'migrations are up to date');
} finally {
  await dataSource.destroy();
  await database.embedded?.stop();
}
