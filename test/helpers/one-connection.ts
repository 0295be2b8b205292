import { after, before } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { Database } from '../../src/infrastructure/database/database.js';
import { freshDatabase } from './database.js';

/**
 * A Database over a fresh database with ONE pooled connection, opened before the file's tests
 * and closed after them: every statement and transaction reuses the same connection, so its
 * prepared statements and session state can be observed.
 */
export function oneConnectionDatabase(): { readonly dataSource: DataSource; readonly db: Database } {
  const opened = {} as { dataSource: DataSource; db: Database };
  before(async () => {
    opened.dataSource = createDataSource({ url: await freshDatabase(), poolSize: 1 });
    await opened.dataSource.initialize();
    opened.db = new Database(opened.dataSource);
  });
  after(() => opened.dataSource?.destroy());
  return opened;
}
