import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Each test file gets its own database, cloned from the migrated template that `npm test`
 * prepares (test/run.ts), so files run in parallel without seeing each other's rows.
 */
export const TEMPLATE_DATABASE = 'keel_template';

export function serverUrl(): string {
  const url = process.env.KEEL_TEST_SERVER_URL;
  if (!url) throw new Error('KEEL_TEST_SERVER_URL is not set: run the tests with `npm test`');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database; returns its URL. */
export async function freshDatabase(template = TEMPLATE_DATABASE): Promise<string> {
  const name = `keel_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return databaseUrl(name);
}

/** An empty database with no tables, for proving the migrations apply from nothing. */
export async function emptyDatabase(): Promise<string> {
  const name = `keel_empty_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  return databaseUrl(name);
}

/** Runs one statement against a database, for assertions on what Keel wrote. */
export async function sql<T = Record<string, any>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
