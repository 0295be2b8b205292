/**
 * The canonical resources an adapter can declare capabilities for, and the entity type
 * (the GraphQL type name, as in `ExternalRef.entityType`) each one holds.
 */
export const RESOURCES = {
  customers: 'Customer',
  products: 'Product',
  orders: 'Order',
  invoices: 'Invoice',
  payments: 'Payment',
  shipments: 'Shipment',
  inventory: 'InventoryLevel',
} as const;

export type Resource = keyof typeof RESOURCES;
export type EntityType = (typeof RESOURCES)[Resource];

export const ENTITY_TYPES = Object.values(RESOURCES) as EntityType[];

export function isResource(value: string): value is Resource {
  return Object.prototype.hasOwnProperty.call(RESOURCES, value);
}

export function isEntityType(value: string): value is EntityType {
  return (ENTITY_TYPES as string[]).includes(value);
}

export function resourceOf(entityType: EntityType): Resource {
  return (Object.keys(RESOURCES) as Resource[]).find((r) => RESOURCES[r] === entityType)!;
}
