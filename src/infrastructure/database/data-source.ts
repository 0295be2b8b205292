import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Counts statements per process; the DataLoader tests read it to prove a page costs a constant number of queries. */
export class StatementCounter implements TypeOrmLogger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  /** Connections kept open when idle (pg-pool closes the others after idleTimeoutMillis). */
  poolMin?: number;
  /**
   * How long a connection above poolMin may sit idle before it is closed (0: never). Long by
   * default: a pool that shed the connections of the last burst after a short idle time
   * opened them again in the next one, and the requests queued behind a connection being
   * opened (a backend start and a SCRAM exchange) waited for it: in the webhook benchmark,
   * runs that opened connections had 80-110 ms stalls of the acks.
   */
  poolIdleMs?: number;
  applicationName?: string;
  counter?: StatementCounter;
}

/** The one data source definition, used by the app, `npm run migrate` and the tests. Never `synchronize`. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    synchronize: false,
    migrationsRun: false,
    migrations: [path.join(distRoot, 'migrations', '*.js')],
    migrationsTableName: 'schema_migrations',
    logging: options.counter ? ['query'] : false,
    logger: options.counter,
    extra: {
      max: options.poolSize ?? 20,
      min: options.poolMin ?? 0,
      application_name: options.applicationName ?? 'keel',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: options.poolIdleMs ?? 600_000,
      // pg sends a query as soon as it is issued instead of after the previous one's answer,
      // so independent statements share round trips (see Database.inTransaction). Each still
      // has its own Sync: one failing outside a transaction leaves the others alone.
      pipeline: true,
    },
  });
}

/**
 * Opens the pool's kept connections before the process takes traffic. Each new PostgreSQL
 * connection costs a backend start and a SCRAM exchange; opened on demand, they land on the
 * first requests, and a burst that grows the pool stalls on several at once.
 */
export async function prewarmPool(dataSource: DataSource, connections: number): Promise<void> {
  const runners = Array.from({ length: connections }, () => dataSource.createQueryRunner());
  try {
    await Promise.all(runners.map((runner) => runner.connect()));
  } finally {
    await Promise.all(runners.map((runner) => runner.release()));
  }
}
