// Reads --state: a list of per-stream STATE messages (what Airbyte and PyAirbyte pass), a bare {stream: blob}
// object, or []. The result maps stream name → raw blob; each blob is validated later against its stream's mode.
import { configError } from '../../errors/ConnectorError.js';

export function parseStateInput(raw: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (raw === null || raw === undefined) return out;
  if (Array.isArray(raw)) {
    for (const [i, message] of raw.entries()) {
      const m = message as Record<string, unknown> | null;
      // Accept both the message and its inner "state" object.
      const state = (m && m.type === 'STATE' && typeof m.state === 'object' ? m.state : m) as Record<string, unknown> | null;
      if (!state || typeof state !== 'object') throw configError(`State entry ${i} is not an object.`);
      if (state.type === 'GLOBAL' || state.type === 'LEGACY' || (state.type === undefined && 'data' in state)) {
        throw configError(`State entry ${i} is of type ${String(state.type ?? 'LEGACY')}; this connector writes and reads per-stream (STREAM) state only. Reset the connection's state.`);
      }
      const stream = state.stream as Record<string, unknown> | undefined;
      const descriptor = stream?.stream_descriptor as Record<string, unknown> | undefined;
      if (typeof descriptor?.name !== 'string') throw configError(`State entry ${i} has no stream.stream_descriptor.name.`);
      out.set(descriptor.name, stream?.stream_state);
    }
    return out;
  }
  if (typeof raw === 'object') {
    for (const [name, blob] of Object.entries(raw as Record<string, unknown>)) out.set(name, blob);
    return out;
  }
  throw configError('The state file must hold a JSON list of STATE messages or an object of per-stream states.');
}
