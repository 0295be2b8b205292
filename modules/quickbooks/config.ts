import { IsOptional, IsString, IsUrl, Matches, MinLength } from 'class-validator';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export const PRODUCTION_API_BASE_URL = 'https://quickbooks.api.intuit.com';
export const PRODUCTION_TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';
/** Minor versions below 75 were retired on 2025-08-01. */
export const DEFAULT_MINOR_VERSION = '75';
/** The "Services" income account every QuickBooks Online company starts with. */
export const DEFAULT_INCOME_ACCOUNT_ID = '1';

export class QuickBooksConfig {
  @IsString() @Matches(/^\d{1,30}$/, { message: 'must be the QuickBooks company id (digits)' }) realmId: string;
  @IsOptional() @Matches(/^\d{2,3}$/, { message: 'must be a minor version number such as "75"' }) minorVersion?: string;
  @IsOptional() @IsUrl(URL_OPTIONS, { message: 'must be an http(s) URL' }) apiBaseUrl?: string;
  @IsOptional() @IsUrl(URL_OPTIONS, { message: 'must be an http(s) URL' }) tokenUrl?: string;
  /** The income account new Items post to. */
  @IsOptional() @Matches(/^\d{1,30}$/, { message: 'must be a QuickBooks account id (digits)' }) incomeAccountId?: string;
}

export class QuickBooksSecrets {
  @IsString() @MinLength(1) clientId: string;
  @IsString() @MinLength(1) clientSecret: string;
  @IsString() @MinLength(1) accessToken: string;
  @IsString() @MinLength(1) refreshToken: string;
  @IsString() @MinLength(8, { message: 'must be at least 8 characters' }) webhookVerifierToken: string;
  /** When the access token expires (ISO 8601); kept with the tokens so the next call refreshes ahead of it. */
  @IsOptional() @IsString() accessTokenExpiresAt?: string;
}
