import { describe, expect, it } from 'vitest';
import { wireItemToJson, type WireItem } from '../support/wireReference.js';
import { itemsResponseToRecords } from '../../src/convert/itemsPage.js';

/** What the one-pass conversion must equal: the response parsed into objects, each item through wireItemToJson. */
function viaObjects(text: string, suffix?: string, omit?: ReadonlySet<string>): string[] {
  return (JSON.parse(text) as { Items: WireItem[] }).Items.map((item) => wireItemToJson(item, suffix, omit));
}

describe('itemsResponseToRecords', () => {
  it('writes escapes as JSON.stringify does, whatever form the response used', () => {
    // \u00e9 for é, \/ for /, \u0041 for A, an escaped lone surrogate, a control character, quotes and backslashes.
    const text = String.raw`{"Items":[{"s":{"S":"caf\u00e9 a\/b \u0041 \ud800 \u0007 \" \\ \n"},"n\u00e4me":{"SS":["\/","\u2028"]},"b":{"B":"AAEC\/f7\/"}}],"Count":1,"ScannedCount":1}`;
    const { records } = itemsResponseToRecords(text);
    expect(records).toEqual(viaObjects(text));
    expect(records[0]).toBe('{"s":"café a/b A \\ud800 \\u0007 \\" \\\\ \\n","näme":["/","\u2028"],"b":"AAEC/f7/"}');
  });

  it('lists integer-like attribute names first, ascending, as a JavaScript object would', () => {
    const text = '{"Items":[{"b":{"N":"1"},"10":{"S":"ten"},"a":{"M":{"z":{"N":"0"},"2":{"BOOL":true},"01":{"NULL":true},"1":{"L":[]}}},"2":{"S":"two"},"4294967295":{"S":"not an index"},"0":{"S":"zero"}}]}';
    const { records } = itemsResponseToRecords(text);
    expect(records).toEqual(viaObjects(text));
    expect(records[0]).toBe('{"0":"zero","2":"two","10":"ten","b":1,"a":{"1":[],"2":true,"z":0,"01":null},"4294967295":"not an index"}');
  });

  it('tolerates whitespace, normalises numbers, applies the suffix and the omitted attributes', () => {
    const text = ' { "Count" : 2 , "Items" : [ { "k" : { "N" : "+007.50" } , "x" : { "NS" : [ "1E+3" , "-0.0" ] } } , { "x" : { "L" : [ { "NULL" : true } , { "BOOL" : false } ] } } ] , "LastEvaluatedKey" : { "k" : { "S" : "a]}\\"" } } } ';
    const omit = new Set(['x']);
    const { records, rest } = itemsResponseToRecords(text, { recordSuffix: ',"_m":1', omit });
    expect(records).toEqual(viaObjects(text, ',"_m":1', omit));
    expect(records).toEqual(['{"k":7.5,"_m":1}', '{"_m":1}']);
    expect(rest).toEqual({ Count: 2, LastEvaluatedKey: { k: { S: 'a]}"' } } });
  });

  it("returns each record's cursor value, only when it is a string or a number", () => {
    const text = '{"Items":[{"c":{"N":"12345678901234567890123456789012345678"}},{"c":{"S":"2024-01-01"}},{"c":{"BOOL":true}},{"d":{"S":"x"}}]}';
    expect(itemsResponseToRecords(text, { cursorField: 'c' }).cursorValues).toEqual([
      { N: '12345678901234567890123456789012345678' },
      { S: '2024-01-01' },
      undefined,
      undefined,
    ]);
    expect(itemsResponseToRecords(text).cursorValues).toBeUndefined();
  });

  it('grows its output for long suffixes, and treats names written with escapes like the others', () => {
    // Many tiny items with a suffix longer than each item: the output outgrows the response.
    const many = `{"Items":[${Array.from({ length: 500 }, (_, i) => `{"k":{"N":"${i}"}}`).join(',')}]}`;
    const suffix = `,"_meta":"${'m'.repeat(100)}"`;
    expect(itemsResponseToRecords(Buffer.from(many), { recordSuffix: suffix }).records).toEqual(viaObjects(many, suffix));
    // "\u0031" is "1", an integer-like name; "\u0078" is "x", omitted; "\u0063" is "c", the cursor.
    const text = String.raw`{"Items":[{"b":{"S":"b"},"1":{"S":"one"},"x":{"S":"gone"},"c":{"N":"5"}},{"c":{"S":"s"},"x":{"BOOL":true}}]}`;
    const omit = new Set(['x']);
    const page = itemsResponseToRecords(text, { omit, cursorField: 'c' });
    expect(page.records).toEqual(viaObjects(text, undefined, omit));
    expect(page.records).toEqual(['{"1":"one","b":"b","c":5}', '{"c":"s"}']);
    expect(page.cursorValues).toEqual([{ N: '5' }, { S: 's' }]);
  });

  it('handles an empty page and rejects text that is not a Scan response', () => {
    expect(itemsResponseToRecords('{"Items":[],"Count":0,"ScannedCount":5}')).toEqual({ records: [], cursorValues: undefined, rest: { Count: 0, ScannedCount: 5 } });
    expect(() => itemsResponseToRecords('{"Items":[{"a":{"S":"x"}}')).toThrow(/Unexpected text in a Scan response/);
    expect(() => itemsResponseToRecords('{"Items":[{"a":{"X":"x"}}]}')).toThrow(/Unsupported attribute value/);
  });
});
