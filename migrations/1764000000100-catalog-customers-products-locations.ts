import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CatalogCustomersProductsLocations1764000000100 implements MigrationInterface {
  name = 'CatalogCustomersProductsLocations1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE customer_code_seq`);
    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        email text,
        phone text,
        currency char(3) NOT NULL,
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'BLOCKED')),
        billing_address jsonb,
        shipping_address jsonb,
        credit_limit numeric(19,2) CHECK (credit_limit >= 0),
        balance numeric(19,2) NOT NULL DEFAULT 0,
        payment_terms_days integer NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX customers_email ON customers (lower(email))`);
    await q.query(`CREATE INDEX customers_created ON customers (created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY,
        sku text NOT NULL UNIQUE,
        name text NOT NULL,
        description text,
        unit_price numeric(19,4) NOT NULL CHECK (unit_price >= 0),
        currency char(3) NOT NULL,
        tax_rate numeric(9,6) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX products_created ON products (created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE locations (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX locations_one_default ON locations (is_default) WHERE is_default`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE locations');
    await q.query('DROP TABLE products');
    await q.query('DROP TABLE customers');
    await q.query('DROP SEQUENCE customer_code_seq');
  }
}
