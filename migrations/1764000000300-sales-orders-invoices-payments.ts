import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SalesOrdersInvoicesPayments1764000000300 implements MigrationInterface {
  name = 'SalesOrdersInvoicesPayments1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE order_number_seq`);
    await q.query(`CREATE SEQUENCE invoice_number_seq`);
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        customer_id uuid NOT NULL REFERENCES customers(id),
        location_id uuid NOT NULL REFERENCES locations(id),
        status text NOT NULL CHECK (status IN ('CONFIRMED','BACKORDERED','PARTIALLY_FULFILLED','FULFILLED','CANCELLED','CLOSED')),
        currency char(3) NOT NULL,
        subtotal numeric(19,2) NOT NULL,
        discount_total numeric(19,2) NOT NULL,
        shipping_total numeric(19,2) NOT NULL,
        shipping_tax numeric(19,2) NOT NULL DEFAULT 0,
        tax_total numeric(19,2) NOT NULL,
        total numeric(19,2) NOT NULL,
        source text NOT NULL DEFAULT 'keel',
        idempotency_key text UNIQUE,
        request_hash text,
        placed_at timestamptz NOT NULL DEFAULT now(),
        cancelled_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (total = subtotal - discount_total + shipping_total + tax_total)
      )`);
    await q.query(`CREATE INDEX orders_placed ON orders (placed_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_customer ON orders (customer_id, placed_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_status ON orders (status, placed_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE order_lines (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        line_no integer NOT NULL,
        product_id uuid NOT NULL REFERENCES products(id),
        sku text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price numeric(19,4) NOT NULL CHECK (unit_price >= 0),
        discount numeric(19,2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
        tax_rate numeric(9,6) NOT NULL DEFAULT 0,
        tax_amount numeric(19,2) NOT NULL DEFAULT 0,
        line_total numeric(19,2) NOT NULL,
        quantity_reserved integer NOT NULL DEFAULT 0 CHECK (quantity_reserved >= 0),
        quantity_fulfilled integer NOT NULL DEFAULT 0 CHECK (quantity_fulfilled >= 0),
        quantity_invoiced integer NOT NULL DEFAULT 0 CHECK (quantity_invoiced >= 0),
        UNIQUE (order_id, line_no),
        CHECK (quantity_reserved + quantity_fulfilled <= quantity),
        CHECK (quantity_invoiced <= quantity)
      )`);
    await q.query(`
      CREATE TABLE shipments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        location_id uuid NOT NULL REFERENCES locations(id),
        carrier text,
        tracking_number text,
        shipped_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX shipments_order ON shipments (order_id, shipped_at)`);
    await q.query(`
      CREATE TABLE shipment_lines (
        id uuid PRIMARY KEY,
        shipment_id uuid NOT NULL REFERENCES shipments(id),
        order_line_id uuid NOT NULL REFERENCES order_lines(id),
        product_id uuid NOT NULL REFERENCES products(id),
        sku text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0)
      )`);
    await q.query(`CREATE INDEX shipment_lines_shipment ON shipment_lines (shipment_id)`);
    await q.query(`
      CREATE TABLE invoices (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        order_id uuid NOT NULL REFERENCES orders(id),
        customer_id uuid NOT NULL REFERENCES customers(id),
        status text NOT NULL CHECK (status IN ('ISSUED','PARTIALLY_PAID','PAID','VOID')),
        currency char(3) NOT NULL,
        subtotal numeric(19,2) NOT NULL,
        discount_total numeric(19,2) NOT NULL,
        shipping_total numeric(19,2) NOT NULL,
        tax_total numeric(19,2) NOT NULL,
        total numeric(19,2) NOT NULL,
        amount_paid numeric(19,2) NOT NULL DEFAULT 0 CHECK (amount_paid >= 0 AND amount_paid <= total),
        issued_at timestamptz NOT NULL DEFAULT now(),
        due_date date NOT NULL,
        voided_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (total = subtotal - discount_total + shipping_total + tax_total)
      )`);
    await q.query(`CREATE INDEX invoices_issued ON invoices (issued_at DESC, id DESC)`);
    await q.query(`CREATE INDEX invoices_order ON invoices (order_id)`);
    await q.query(`CREATE INDEX invoices_customer ON invoices (customer_id, issued_at DESC, id DESC)`);
    await q.query(`CREATE INDEX invoices_status ON invoices (status, issued_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE invoice_lines (
        id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES invoices(id),
        line_no integer NOT NULL,
        order_line_id uuid REFERENCES order_lines(id),
        product_id uuid REFERENCES products(id),
        sku text,
        description text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price numeric(19,4) NOT NULL,
        discount numeric(19,2) NOT NULL DEFAULT 0,
        tax_rate numeric(9,6) NOT NULL DEFAULT 0,
        tax_amount numeric(19,2) NOT NULL DEFAULT 0,
        line_total numeric(19,2) NOT NULL,
        UNIQUE (invoice_id, line_no)
      )`);
    await q.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES invoices(id),
        amount numeric(19,2) NOT NULL CHECK (amount > 0),
        method text,
        reference text,
        idempotency_key text UNIQUE,
        request_hash text,
        received_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX payments_invoice ON payments (invoice_id, received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['payments', 'invoice_lines', 'invoices', 'shipment_lines', 'shipments', 'order_lines', 'orders']) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query('DROP SEQUENCE invoice_number_seq');
    await q.query('DROP SEQUENCE order_number_seq');
  }
}
