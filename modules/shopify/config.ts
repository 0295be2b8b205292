import { IsOptional, IsString, IsUrl, Matches, MinLength } from 'class-validator';

/** Connection config (CONTRACT: connection config table). */
export class ShopifyConfig {
  @Matches(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, { message: 'must be the shop\'s "{shop}.myshopify.com" domain' })
  shopDomain: string;

  @Matches(/^\d{4}-(01|04|07|10)$/, { message: 'must be a quarterly API version such as "2025-07"' })
  apiVersion: string;

  /** The Keel location Shopify orders reserve from and whose stock is mirrored to Shopify. */
  @IsString() @MinLength(1) locationCode: string;

  @Matches(/^gid:\/\/shopify\/Location\/\d+$/, { message: 'must be a Location gid such as "gid://shopify/Location/123"' })
  shopifyLocationId: string;

  /** Points the client at a local fake; production derives https://{shopDomain}/admin/api/{apiVersion}/graphql.json. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  apiBaseUrl?: string;

  /**
   * The shop's currency, for products created from Shopify variants (variant payloads carry
   * prices without one). Orders carry their own currency.
   */
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as "USD"' }) currency?: string;
}

export class ShopifySecrets {
  @IsString() @MinLength(1) accessToken: string;
  @IsString() @MinLength(1) webhookSecret: string;
}

export const DEFAULT_CURRENCY = 'USD';

/** API versions compare as text: "2026-04" > "2026-01". */
export function versionAtLeast(apiVersion: string, wanted: string): boolean {
  return apiVersion >= wanted;
}
