// cursor_indexes: which global secondary index serves a table's incremental syncs, checked against what
// DescribeTable says about it. Shared by check (every configured table), discover (the index's sort key is offered
// as the cursor) and read (the plan of a stream read by Queries). Anything that does not fit is a config_error
// naming the table and the index, raised before any record.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/validate.js';
import { configError, type ConnectorError } from '../errors/ConnectorError.js';
import type { CursorValue } from '../state/streamState.js';
import { globToRegExp } from './tableFilter.js';
import { tableKeys } from './tables.js';

export interface CursorIndexEntry {
  table: string;
  index: string;
  partition_values: readonly unknown[];
}

/** A configured index as the table has it. */
export interface CursorIndex {
  name: string;
  partitionKey: string;
  /** The index's sort key: the only cursor it can serve. */
  sortKey: string;
  /** The configured partition values in wire form, in their configured order. */
  partitionValues: CursorValue[];
  /** ALL: the index holds whole items; otherwise (KEYS_ONLY, INCLUDE) items are fetched from the table by key. */
  projectsAll: boolean;
  /** The table's primary key attributes: what BatchGetItem is given. */
  tableKeyNames: string[];
}

/** The first cursor_indexes entry whose table name or glob matches `table`, if any. */
export function cursorIndexEntryFor(config: Config, table: string): CursorIndexEntry | undefined {
  return (config.cursor_indexes ?? []).find((entry) => globToRegExp(entry.table).test(table));
}

/** Entries whose table is an exact name (no glob character): check reports those that name no table. */
export const isExactTableName = (pattern: string) => !/[*?]/.test(pattern);

/**
 * The index of `entry` on `table`, or the config_error that says why it cannot serve.
 * @param cursorField the stream's cursor when a catalog chose one: it must be the index's sort key
 */
export function resolveCursorIndex(table: TableDescription, entry: CursorIndexEntry, cursorField?: string): CursorIndex | ConnectorError {
  const tableName = table.TableName ?? entry.table;
  const fail = (what: string) => configError(`cursor_indexes: the index ${entry.index} of table ${tableName} ${what}`, { stream: tableName });
  const index = (table.GlobalSecondaryIndexes ?? []).find((gsi) => gsi.IndexName === entry.index);
  if (index === undefined) {
    const others = (table.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName).filter((n): n is string => n !== undefined);
    return fail(`does not exist (its global secondary indexes: ${others.length > 0 ? others.join(', ') : 'none'}).`);
  }
  const partitionKey = index.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const sortKey = index.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (partitionKey === undefined) return fail('has no partition key in its KeySchema.');
  if (sortKey === undefined) return fail('has no sort key, so it cannot serve as a cursor: choose an index whose sort key is the update time.');
  const keys = tableKeys(table);
  const sortType = keys.types[sortKey];
  if (sortType !== 'S' && sortType !== 'N') return fail(`has the sort key ${sortKey} of type ${sortType ?? 'unknown'}; a cursor must be a string or a number.`);
  if (cursorField !== undefined && cursorField !== sortKey) {
    return fail(`has the sort key ${sortKey}, but the stream's cursor is ${cursorField}: choose ${sortKey} as the cursor (or remove the cursor_indexes entry to scan by ${cursorField}).`);
  }
  const partitionType = keys.types[partitionKey];
  const partitionValues: CursorValue[] = [];
  for (const value of entry.partition_values) {
    if (partitionType === 'S' && typeof value === 'string') partitionValues.push({ S: value });
    else if (partitionType === 'N' && typeof value === 'number' && Number.isFinite(value)) partitionValues.push({ N: String(value) });
    else {
      const expected = partitionType === 'S' ? 'strings' : partitionType === 'N' ? 'numbers' : `values of type ${partitionType ?? 'unknown'} (not supported)`;
      return fail(`has the partition key ${partitionKey} of type ${partitionType ?? 'unknown'}, so partition_values must be ${expected}; ${JSON.stringify(value)} is not.`);
    }
  }
  return {
    name: entry.index,
    partitionKey,
    sortKey,
    partitionValues,
    projectsAll: index.Projection?.ProjectionType === 'ALL',
    tableKeyNames: [keys.hashKey, ...(keys.rangeKey === undefined ? [] : [keys.rangeKey])],
  };
}

/** The config's cursor_lookback_seconds. */
export const cursorLookbackSeconds = (config: Config): number => config.cursor_lookback_seconds ?? 60;
