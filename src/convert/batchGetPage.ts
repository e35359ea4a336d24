// A BatchGetItem response, `{"Responses":{"<table>":[items…]},"UnprocessedKeys":{…},"ConsumedCapacity":[…]}` →
// one record text per item of the asked table, and the response's other members parsed. The items go through the
// wire transcoder (wireTranscoder.ts) straight from the response's bytes, like a Scan page's (itemsPage.ts). The
// table name is compared as data: any name DynamoDB allows, `__proto__` included, finds its items.
import { encodedSuffix, type PageRecordOptions } from './itemsPage.js';
import { omittedNames, WireTranscoder, type ItemFraming } from './wireTranscoder.js';

export interface BatchGetRecords {
  /** The items found in `table`, in the order of the response (which is no particular order). */
  records: string[];
  /** Every member but Responses, parsed (JSON.parse keeps `__proto__` as an own member). */
  rest: Record<string, unknown>;
}

export function batchGetResponseToRecords(body: Uint8Array | string, table: string, options: Omit<PageRecordOptions, 'cursorField'> = {}): BatchGetRecords {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const t = new WireTranscoder(bytes, options.what ?? 'a BatchGetItem response');
  const framing: ItemFraming = { suffix: encodedSuffix(options.recordSuffix ?? ''), omit: omittedNames(options.omit) };
  const rest: Record<string, unknown> = {};
  t.members((key) => {
    if (key === 'Responses') tableItems(t, table, framing);
    else Object.defineProperty(rest, key, { value: t.parseValue(), enumerable: true, writable: true, configurable: true });
  });
  return { records: t.takeRecords(), rest };
}

/** `{"<table>":[items…],…}`: the items of `table` become records, any other table's are passed over. */
function tableItems(t: WireTranscoder, table: string, framing: ItemFraming): void {
  t.members((name) => {
    if (name === table) t.elements(() => t.item(framing));
    else t.skipValue();
  });
}
