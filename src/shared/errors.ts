/**
 * The contract's error codes. Every failure a user can cause is a KeelError with one of them;
 * anything else reaching the API is a bug and is masked as INTERNAL_SERVER_ERROR.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  INSUFFICIENT_STOCK: 'INSUFFICIENT_STOCK',
  INVALID_STATE: 'INVALID_STATE',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FieldError {
  path: string;
  message: string;
}

export class KeelError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'KeelError';
  }
}

export class ValidationError extends KeelError {
  constructor(readonly fields: FieldError[]) {
    super(ErrorCode.BAD_USER_INPUT, fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
    this.name = 'ValidationError';
  }

  static of(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class NotFoundError extends KeelError {
  constructor(entity: string, key: string, field?: string) {
    super(ErrorCode.NOT_FOUND, `${entity} ${key} not found`, field ? { entity, field } : { entity });
    this.name = 'NotFoundError';
  }
}

export class InvalidStateError extends KeelError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.INVALID_STATE, message, details);
    this.name = 'InvalidStateError';
  }
}

export class ConflictError extends KeelError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
    this.name = 'ConflictError';
  }
}

export interface StockShortage {
  sku: string;
  locationCode: string;
  requested: number;
  available: number;
}

export class InsufficientStockError extends KeelError {
  constructor(readonly shortages: StockShortage[]) {
    super(
      ErrorCode.INSUFFICIENT_STOCK,
      'Insufficient stock: ' +
        shortages.map((s) => `${s.sku} at ${s.locationCode} (requested ${s.requested}, available ${s.available})`).join(', '),
      { shortages },
    );
    this.name = 'InsufficientStockError';
  }
}

/** Collects field errors so a whole input is reported at once rather than one field per round trip. */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  throwIfAny(): void {
    if (this.errors.length) throw new ValidationError(this.errors);
  }
}
