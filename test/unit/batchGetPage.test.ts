import { describe, expect, it } from 'vitest';
import { batchGetResponseToRecords } from '../../src/convert/batchGetPage.js';
import { wireItemToJson, type WireItem } from '../support/wireReference.js';

describe('batchGetResponseToRecords', () => {
  it("turns the asked table's items into records, passes over other tables, and parses UnprocessedKeys and ConsumedCapacity", () => {
    const items = [
      '{"pk":{"S":"a"},"__proto__":{"M":{"__proto__":{"S":"deep"},"0":{"N":"1.50"}}},"constructor":{"SS":["x"]},"drop":{"N":"1"}}',
      '{"pk":{"S":"b"},"bin":{"B":"AAEC"}}',
    ];
    const text = ` { "ConsumedCapacity" : [ { "TableName" : "t" , "CapacityUnits" : 1.5 } ] , "Responses" : { "other" : [ {"pk":{"S":"z"}} ] , "t" : [ ${items.join(' , ')} ] } , "UnprocessedKeys" : { "t" : { "Keys" : [ { "__proto__" : { "S" : "k" } } ] } } } `;
    const omit = new Set(['drop']);
    const { records, rest } = batchGetResponseToRecords(text, 't', { omit });
    expect(records).toEqual(items.map((item) => wireItemToJson(JSON.parse(item) as WireItem, '', omit)));
    expect(records[0]).toBe('{"pk":"a","__proto__":{"0":1.50,"__proto__":"deep"},"constructor":["x"]}');
    expect(rest.ConsumedCapacity).toEqual([{ TableName: 't', CapacityUnits: 1.5 }]);
    const keys = (rest.UnprocessedKeys as any).t.Keys as object[];
    expect(JSON.stringify(keys)).toBe('[{"__proto__":{"S":"k"}}]');
  });

  it('finds the items of a table named __proto__, and of a response with no items', () => {
    expect(batchGetResponseToRecords('{"Responses":{"__proto__":[{"k":{"N":"1"}}]},"UnprocessedKeys":{}}', '__proto__').records).toEqual(['{"k":1}']);
    expect(batchGetResponseToRecords('{"Responses":{"t":[]},"UnprocessedKeys":{}}', 't').records).toEqual([]);
    expect(batchGetResponseToRecords('{}', 't')).toEqual({ records: [], rest: {} });
  });
});
