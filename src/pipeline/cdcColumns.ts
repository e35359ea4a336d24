// The metadata columns of change-data-capture records. Their meaning is the same in both protocols; their names
// follow each ecosystem's convention (Airbyte: _ab_cdc_*, Singer: _sdc_*), so sources take the names as a parameter.
import type { JsonObject } from '../util/json.js';

export interface CdcColumns {
  /** Sorts every change of an item in the order DynamoDB applied it. */
  cursor: string;
  /** When the change happened (a snapshot row: when its snapshot started). */
  updatedAt: string;
  /** When the item was deleted; null for upserts. */
  deletedAt: string;
  /** Whether the delete was a TTL expiry. */
  deletedByTtl: string;
}

export const AIRBYTE_CDC_COLUMNS: CdcColumns = {
  cursor: '_ab_cdc_cursor',
  updatedAt: '_ab_cdc_updated_at',
  deletedAt: '_ab_cdc_deleted_at',
  deletedByTtl: '_ab_cdc_deleted_by_ttl',
};

export const SINGER_CDC_COLUMNS: CdcColumns = {
  cursor: '_sdc_cursor',
  updatedAt: '_sdc_updated_at',
  deletedAt: '_sdc_deleted_at',
  deletedByTtl: '_sdc_deleted_by_ttl',
};

export function cdcColumnsSchema(columns: CdcColumns): JsonObject {
  return {
    [columns.cursor]: { type: 'string' },
    [columns.updatedAt]: { type: 'string', format: 'date-time' },
    [columns.deletedAt]: { type: ['string', 'null'], format: 'date-time' },
    [columns.deletedByTtl]: { type: ['boolean', 'null'] },
  };
}

/** The JSON members (starting with a comma) appended to one change record. */
export function cdcMembersJson(columns: CdcColumns, cursor: string, updatedAt: string, deletedAt: string | null, deletedByTtl: boolean | null): string {
  return (
    `,"${columns.cursor}":"${cursor}","${columns.updatedAt}":"${updatedAt}",` +
    `"${columns.deletedAt}":${deletedAt === null ? 'null' : `"${deletedAt}"`},"${columns.deletedByTtl}":${deletedByTtl === null ? 'null' : String(deletedByTtl)}`
  );
}
