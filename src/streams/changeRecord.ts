// A stream record → the JSON text of a destination row: the item's new image (or, for a delete, its keys and old
// image) plus the CDC metadata columns. The cursor column sorts every change of an item in the order DynamoDB
// applied it: snapshot generation, then phase (snapshot rows before stream changes), then the sequence number.
// ApproximateCreationDateTime is not used for ordering: it is approximate (DynamoDB Local rounds it to the minute).
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemToJson } from '../convert/attributeValue.js';
import { cdcMembersJson, type CdcColumns } from '../pipeline/cdcColumns.js';

const SEQUENCE_DIGITS = 40;

export function cdcCursor(generation: number, phase: 'snapshot' | 'stream', sequence = ''): string {
  return `${String(generation).padStart(6, '0')}-${phase === 'snapshot' ? 0 : 1}-${sequence.padStart(SEQUENCE_DIGITS, '0')}`;
}

/** The metadata appended to every snapshot row of a generation. */
export function snapshotColumnsJson(columns: CdcColumns, generation: number, snapshotStartedAt: Date): string {
  return cdcMembersJson(columns, cdcCursor(generation, 'snapshot'), snapshotStartedAt.toISOString(), null, null);
}

export class MissingImageError extends Error {}

export function changeToJson(record: _Record, generation: number, columns: CdcColumns, omit?: ReadonlySet<string>): string {
  const change = record.dynamodb;
  const sequence = change?.SequenceNumber;
  if (!change || !sequence) throw new Error('A stream record without dynamodb.SequenceNumber');
  const at = (change.ApproximateCreationDateTime ?? new Date()).toISOString();
  const cursor = cdcCursor(generation, 'stream', sequence);
  if (record.eventName === 'REMOVE') {
    const image = { ...(change.OldImage ?? {}), ...(change.Keys ?? {}) } as Record<string, AttributeValue>;
    const ttl = record.userIdentity?.Type === 'Service' && record.userIdentity.PrincipalId === 'dynamodb.amazonaws.com';
    return itemToJson(image, cdcMembersJson(columns, cursor, at, at, ttl), omit);
  }
  if (!change.NewImage) {
    throw new MissingImageError(`A ${record.eventName} stream record has no NewImage: the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`);
  }
  return itemToJson(change.NewImage as Record<string, AttributeValue>, cdcMembersJson(columns, cursor, at, null, null), omit);
}
