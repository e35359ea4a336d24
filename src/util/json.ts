// JSON values as plain data, and the two sync modes: shared vocabulary of the state, discovery and both protocols.
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** full_refresh: the whole table every sync; incremental: only what changed since the last sync. */
export type SyncMode = 'full_refresh' | 'incremental';
