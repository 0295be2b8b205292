import { Decimal } from 'decimal.js';
import { ValidateBy, ValidateNested, validateSync, type ValidationError as ClassValidationError, type ValidationOptions } from 'class-validator';
import { ValidationError, type FieldError } from './errors.js';

function flatten(errors: ClassValidationError[], prefix: string, out: FieldError[]): FieldError[] {
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const path = isIndex ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push({ path, message });
    if (error.children?.length) flatten(error.children, path, out);
  }
  return out;
}

const nestedTypes = new WeakMap<Function, Map<string, () => new () => object>>();

/**
 * Marks a property holding another input (or a list of them): validated recursively, and
 * turned into an instance of `type` before validation. (class-transformer would also turn
 * Decimal values into plain objects, so inputs are hydrated here instead.)
 */
export function NestedInput(type: () => new () => object): PropertyDecorator {
  const validate = ValidateNested();
  return (target, property) => {
    validate(target, property);
    const ctor = target.constructor;
    if (!nestedTypes.has(ctor)) nestedTypes.set(ctor, new Map());
    nestedTypes.get(ctor)!.set(String(property), type);
  };
}

function hydrate<T extends object>(cls: new () => T, value: unknown): T {
  if (value instanceof cls) return value;
  const instance = Object.assign(new cls(), value ?? {});
  const nested = nestedTypes.get(cls);
  if (nested) {
    const record = instance as Record<string, unknown>;
    for (const [property, type] of nested) {
      const current = record[property];
      if (Array.isArray(current)) record[property] = current.map((item) => (item && typeof item === 'object' ? hydrate(type(), item) : item));
      else if (current && typeof current === 'object') record[property] = hydrate(type(), current);
    }
  }
  return instance;
}

/**
 * Checks a command against its class's constraints and throws BAD_USER_INPUT naming every
 * failing field (`input.lines[0].quantity`). Used by services, so every caller (GraphQL,
 * adapters, sync runs) gets the same rules.
 */
export function validateInput<T extends object>(cls: new () => T, value: unknown, prefix = 'input'): T {
  const instance = hydrate(cls, value);
  const errors = validateSync(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  if (errors.length) throw new ValidationError(flatten(errors, prefix, []));
  return instance;
}

function decimalRule(
  name: string,
  check: (d: Decimal) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => value === undefined || value === null || (value instanceof Decimal && check(value)),
        defaultMessage: () => message,
      },
    },
    options,
  );
}

/** A money amount: at least `min`, at most `places` decimals, below 10^13. */
export function IsAmount(opts: { min?: number; places?: number; positive?: boolean } = {}, options?: ValidationOptions) {
  const { min = 0, places = 2, positive = false } = opts;
  const lower = positive ? 'greater than 0' : `at least ${min}`;
  return decimalRule(
    'isAmount',
    (d) => (positive ? d.gt(0) : d.gte(min)) && d.decimalPlaces() <= places && d.abs().lt(1e13),
    `must be ${lower} with at most ${places} decimal places`,
    options,
  );
}

/** A tax rate as a fraction: 0 <= rate < 1, e.g. "0.0825". */
export function IsRate(options?: ValidationOptions) {
  return decimalRule('isRate', (d) => d.gte(0) && d.lt(1) && d.decimalPlaces() <= 6, 'must be a fraction from 0 up to 1 (e.g. "0.0825") with at most 6 decimal places', options);
}

/** A free-text `reason` argument: it is copied into the audit log and the event payload, so it is bounded like other text. */
export function validateReason(reason: string | null | undefined, path = 'reason'): void {
  if (reason != null && (reason.length < 1 || reason.length > 200)) throw ValidationError.of(path, 'must be 1 to 200 characters');
}
