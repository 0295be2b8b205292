import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/** Any fixed number: the advisory lock that keeps two starting instances from migrating at once. */
const MIGRATION_LOCK = 7_415_120_001;

export async function runMigrations(dataSource: DataSource, log: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
