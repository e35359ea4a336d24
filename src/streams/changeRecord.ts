// A stream record → the JSON text of a destination row: the item's new image (or, for a delete, its keys and old
// image) plus the CDC metadata columns. The cursor column sorts every change of an item in the order DynamoDB
// applied it: snapshot generation, then phase (snapshot rows before stream changes), then the sequence number.
// ApproximateCreationDateTime is not used for ordering: it is approximate (DynamoDB Local rounds it to the minute).
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemToJson } from '../convert/attributeValue.js';

export const CDC_CURSOR = '_ab_cdc_cursor';
export const CDC_UPDATED_AT = '_ab_cdc_updated_at';
export const CDC_DELETED_AT = '_ab_cdc_deleted_at';
export const CDC_DELETED_BY_TTL = '_ab_cdc_deleted_by_ttl';

export const cdcColumnsSchema = {
  [CDC_CURSOR]: { type: 'string' },
  [CDC_UPDATED_AT]: { type: 'string', format: 'date-time' },
  [CDC_DELETED_AT]: { type: ['string', 'null'], format: 'date-time' },
  [CDC_DELETED_BY_TTL]: { type: ['boolean', 'null'] },
};

const SEQUENCE_DIGITS = 40;

export function cdcCursor(generation: number, phase: 'snapshot' | 'stream', sequence = ''): string {
  return `${String(generation).padStart(6, '0')}-${phase === 'snapshot' ? 0 : 1}-${sequence.padStart(SEQUENCE_DIGITS, '0')}`;
}

/** The metadata appended to every snapshot row of a generation. */
export function snapshotColumnsJson(generation: number, snapshotStartedAt: Date): string {
  return (
    `,"${CDC_CURSOR}":"${cdcCursor(generation, 'snapshot')}","${CDC_UPDATED_AT}":"${snapshotStartedAt.toISOString()}",` +
    `"${CDC_DELETED_AT}":null,"${CDC_DELETED_BY_TTL}":null`
  );
}

export class MissingImageError extends Error {}

export function changeToJson(record: _Record, generation: number): string {
  const change = record.dynamodb;
  const sequence = change?.SequenceNumber;
  if (!change || !sequence) throw new Error('A stream record without dynamodb.SequenceNumber');
  const at = (change.ApproximateCreationDateTime ?? new Date()).toISOString();
  const cursor = cdcCursor(generation, 'stream', sequence);
  if (record.eventName === 'REMOVE') {
    const image = { ...(change.OldImage ?? {}), ...(change.Keys ?? {}) } as Record<string, AttributeValue>;
    const ttl = record.userIdentity?.Type === 'Service' && record.userIdentity.PrincipalId === 'dynamodb.amazonaws.com';
    return itemToJson(image, `,"${CDC_CURSOR}":"${cursor}","${CDC_UPDATED_AT}":"${at}","${CDC_DELETED_AT}":"${at}","${CDC_DELETED_BY_TTL}":${ttl}`);
  }
  if (!change.NewImage) {
    throw new MissingImageError(`A ${record.eventName} stream record has no NewImage: the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`);
  }
  return itemToJson(change.NewImage as Record<string, AttributeValue>, `,"${CDC_CURSOR}":"${cursor}","${CDC_UPDATED_AT}":"${at}","${CDC_DELETED_AT}":null,"${CDC_DELETED_BY_TTL}":null`);
}
