import { Injectable } from '@nestjs/common';
import { diff } from '../../audit/audit-entry.js';
import { ColumnSet } from '../../infrastructure/database/columns.js';
import { Database, PgError, pgConstraint, pgErrorCode, type UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { validateInput } from '../../shared/validation.js';
import { CreateLocationInput, UpdateLocationInput, type Location } from './location.model.js';

export const LOCATION = new ColumnSet('l', { id: 'id', code: 'code', name: 'name', isDefault: 'is_default', version: 'version' });
const COLUMNS = LOCATION.select;
type LocationRow = Location & { version: number };

@Injectable()
export class LocationService {
  constructor(private readonly db: Database) {}

  async all(): Promise<Location[]> {
    return this.db.query<Location>(`SELECT ${COLUMNS} FROM locations l ORDER BY l.is_default DESC, l.code`);
  }

  async byIds(ids: readonly string[]): Promise<Location[]> {
    return this.db.query<Location>(`SELECT ${COLUMNS} FROM locations l WHERE l.id = ANY($1::uuid[])`, [ids]);
  }

  /**
   * The location an operation names by id or by code, or the default one when it names
   * neither. Reads inside the caller's transaction.
   */
  async resolve(uow: UnitOfWork, ref: { locationId?: string | null; locationCode?: string | null }, path = 'input'): Promise<Location> {
    if (ref.locationId != null) {
      if (!isUuid(ref.locationId)) throw ValidationError.of(`${path}.locationId`, 'must be a UUID');
      const row = await uow.one<Location>(`SELECT ${COLUMNS} FROM locations l WHERE l.id = $1`, [ref.locationId]);
      if (!row) throw new NotFoundError('Location', ref.locationId, `${path}.locationId`);
      if (ref.locationCode != null && ref.locationCode !== row.code) {
        throw ValidationError.of(`${path}.locationCode`, 'names a different location than locationId');
      }
      return row;
    }
    if (ref.locationCode != null) {
      const row = await uow.one<Location>(`SELECT ${COLUMNS} FROM locations l WHERE l.code = $1`, [ref.locationCode]);
      if (!row) throw new NotFoundError('Location', ref.locationCode, `${path}.locationCode`);
      return row;
    }
    const row = await uow.one<Location>(`SELECT ${COLUMNS} FROM locations l WHERE l.is_default`);
    if (!row) throw new InvalidStateError('No location exists yet: create one with createLocation');
    return row;
  }

  async create(ctx: RequestContext, input: CreateLocationInput): Promise<Location> {
    const cmd = validateInput(CreateLocationInput, input);
    return this.uniqueCode(() =>
      this.db.transaction(ctx, async (uow) => {
        // Serialises location creation so exactly one first location becomes the default.
        await uow.query(`LOCK TABLE locations IN SHARE ROW EXCLUSIVE MODE`);
        const [{ count }] = await uow.query<{ count: number }>(`SELECT count(*)::int AS count FROM locations`);
        const makeDefault = count === 0 || cmd.isDefault === true;
        if (makeDefault) await uow.query(`UPDATE locations SET is_default = false, version = version + 1 WHERE is_default`);
        const location = (await uow.one<LocationRow>(
          `INSERT INTO locations AS l (id, code, name, is_default) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [newId(), cmd.code, cmd.name, makeDefault],
        ))!;
        this.record(uow, 'location.created', location, null);
        return location;
      }),
    );
  }

  async update(ctx: RequestContext, id: string, input: UpdateLocationInput): Promise<Location> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const cmd = validateInput(UpdateLocationInput, input);
    return this.uniqueCode(() =>
      this.db.transaction(ctx, async (uow) => {
        await uow.query(`LOCK TABLE locations IN SHARE ROW EXCLUSIVE MODE`);
        const before = await uow.one<LocationRow>(`SELECT ${COLUMNS} FROM locations l WHERE l.id = $1`, [id]);
        if (!before) throw new NotFoundError('Location', id);
        if (cmd.isDefault === false && before.isDefault) {
          throw ValidationError.of('input.isDefault', 'make another location the default instead; one location is always the default');
        }
        if (cmd.isDefault === true && !before.isDefault) {
          await uow.query(`UPDATE locations SET is_default = false, version = version + 1 WHERE is_default`);
        }
        const after = (await uow.one<LocationRow>(
          `UPDATE locations l SET code = COALESCE($2, code), name = COALESCE($3, name), is_default = is_default OR COALESCE($4, false),
                  version = version + 1, updated_at = now()
            WHERE l.id = $1 RETURNING ${COLUMNS}`,
          [id, cmd.code ?? null, cmd.name ?? null, cmd.isDefault ?? null],
        ))!;
        this.record(uow, 'location.updated', after, before);
        return after;
      }),
    );
  }

  private async uniqueCode<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'locations_code_key') {
        throw ValidationError.of('input.code', 'is already used by another location');
      }
      throw err;
    }
  }

  private record(uow: UnitOfWork, type: string, after: LocationRow, before: LocationRow | null): void {
    const strip = ({ version: _v, ...rest }: LocationRow) => rest;
    uow.audit({ action: type, entityType: 'Location', entityId: after.id, changes: diff(before && strip(before), strip(after)) });
    uow.emit({ type, aggregateType: 'Location', aggregateId: after.id, aggregateSequence: after.version, payload: { id: after.id, code: after.code } });
  }
}
