// Singer state: the `value` of our STATE messages, {"bookmarks": {"<stream>": <the stream's state>}}, is exactly what
// --state takes back. The per-stream states are validated later, each against its stream.
import { configError } from '../../errors/ConnectorError.js';
import type { JsonObject } from '../airbyte/messages.js';

export function parseSingerState(raw: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (raw === null || raw === undefined) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw configError('The state file must hold a JSON object: the value of the last STATE message, {"bookmarks": {...}}.');
  // Meltano keeps the tap's state under singer_state; accept it as stored, too.
  const value = 'singer_state' in raw ? (raw as { singer_state: unknown }).singer_state : raw;
  const bookmarks = (value as { bookmarks?: unknown } | null)?.bookmarks;
  if (bookmarks === undefined) return out;
  if (typeof bookmarks !== 'object' || bookmarks === null || Array.isArray(bookmarks)) throw configError('The state file\'s "bookmarks" must be an object of per-stream states.');
  for (const [stream, state] of Object.entries(bookmarks)) out.set(stream, state);
  return out;
}

/** The STATE value for a set of per-stream states. */
export const stateValue = (bookmarks: ReadonlyMap<string, JsonObject>): JsonObject => ({ bookmarks: Object.fromEntries(bookmarks) });
