// Cursor values for incremental-by-cursor syncs: strings compare as DynamoDB compares them (UTF-8 bytes),
// numbers compare exactly on their digits. A cursor has one type for its whole life: the type of the committed
// value, or on a first sync the type of the first value seen. Values of another type are emitted but never move
// the cursor (DynamoDB's own `>` never matches across types, so later syncs skip them).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { compareNumbers } from '../convert/number.js';
import type { CursorValue } from './streamState.js';

export function cursorOf(value: AttributeValue | undefined): CursorValue | undefined {
  if (value?.S !== undefined) return { S: value.S };
  if (value?.N !== undefined) return { N: value.N };
  return undefined;
}

export const cursorType = (value: CursorValue): 'S' | 'N' => ('S' in value ? 'S' : 'N');

/** Compares two cursor values of the same type. */
export function compareCursors(a: CursorValue, b: CursorValue): number {
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('S' in a && 'S' in b) return Buffer.compare(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8'));
  throw new Error('Cursor values of different types cannot be compared');
}

export const isGreaterCursor = (a: CursorValue, b: CursorValue) => compareCursors(a, b) > 0;

export const formatCursor = (value: CursorValue) => ('S' in value ? JSON.stringify(value.S) : value.N);
