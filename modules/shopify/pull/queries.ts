/**
 * The pull queries. Pages are sized by cost as well as by the run's page size: a query may
 * cost at most 1000 points, and a connection costs about 2 + first x (cost of one node).
 */
export const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';
const MONEY = 'shopMoney { amount }';
const ADDRESS = 'firstName lastName address1 address2 city provinceCode zip countryCodeV2';

/** Each Keel product is a variant, so products are pulled as variants: about 3 points each, 250 per page. */
export const VARIANTS_QUERY = `query KeelProductVariants($first: Int!, $after: String) {
  productVariants(first: $first, after: $after, sortKey: ID) {
    ${PAGE_INFO}
    nodes { id sku title price updatedAt inventoryItem { id } product { id title status } }
  }
}`;

export function customersQuery(emailField: string): string {
  return `query KeelCustomers($first: Int!, $after: String) {
  customers(first: $first, after: $after, sortKey: UPDATED_AT) {
    ${PAGE_INFO}
    nodes { id firstName lastName ${emailField} phone updatedAt defaultAddress { ${ADDRESS} } }
  }
}`;
}

/** Lines per pulled order; an order with more is flagged incomplete rather than booked short. */
export const ORDER_LINES = 25;
/** An order with its lines costs about 120 points: 8 fit under the 1000-point ceiling. */
export const ORDERS_PER_PAGE = 8;

export const ORDERS_QUERY = `query KeelOrders($first: Int!, $after: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT) {
    ${PAGE_INFO}
    nodes {
      id name email phone updatedAt cancelledAt cancelReason currencyCode taxesIncluded
      totalPriceSet { ${MONEY} }
      customer { id firstName lastName email phone }
      billingAddress { ${ADDRESS} }
      shippingAddress { ${ADDRESS} }
      shippingLines(first: 5) { nodes { title originalPriceSet { ${MONEY} } discountedPriceSet { ${MONEY} } taxLines { rate priceSet { ${MONEY} } } } }
      lineItems(first: ${ORDER_LINES}) {
        ${PAGE_INFO}
        nodes { id title sku quantity originalUnitPriceSet { ${MONEY} } discountAllocations { allocatedAmountSet { ${MONEY} } } taxLines { rate priceSet { ${MONEY} } } }
      }
    }
  }
}`;
