// Amazon Ion export lines → records: numbers exact from coefficient and exponent (the spellings DynamoDB writes,
// 38 digits, DynamoDB's extreme exponents), sets from their annotations, blobs as base64, any attribute name in the
// line's order, and the same record text as the DynamoDB JSON line of the same item.
import { describe, expect, it } from 'vitest';
import { Decimal } from 'ion-js';
import { ExportLineError, ExportLineTranscoder, type LineConversion } from '../../src/convert/exportLines.js';
import { ionDecimalToJson, ionFullExportLineConverter, ionIncrementalLineConverter } from '../../src/export/ionLine.js';

/** One DynamoDB JSON line at a time through the transcoder a JSON export file's lines go through. */
function jsonLineConverter(conversion: LineConversion): (line: string) => string {
  const lines = new ExportLineTranscoder(conversion);
  return (line) => {
    const bytes = Buffer.from(line, 'utf8');
    lines.begin(bytes);
    lines.line(0, bytes.length);
    return lines.takeRecords()[0]!;
  };
}
const fullExportLineConverter = (options: Omit<LineConversion, 'kind'>) => jsonLineConverter({ ...options, kind: 'full' });
const incrementalLineConverter = (options: Omit<LineConversion, 'kind'>) => jsonLineConverter({ ...options, kind: 'incremental' });

const decimal = (text: string) => {
  const d = Decimal.parse(text)!;
  return ionDecimalToJson(d.getCoefficient(), d.getExponent(), d.isNegative());
};

describe('Ion decimal → JSON number text', () => {
  it.each([
    ['103.', '103'],
    ['6d2', '600'],
    ['2d3', '2000'],
    ['3937d1', '39370'],
    ['25130455.', '25130455'],
    ['-0.5', '-0.5'],
    ['15d-1', '1.5'],
    ['1.50', '1.5'],
    ['150d-2', '1.5'],
    ['1d-3', '0.001'],
    ['-7.', '-7'],
    ['-0.', '0'],
    ['0d5', '0'],
    ['0.000', '0'],
    ['12345678901234567890123456789012345678.', '12345678901234567890123456789012345678'],
    ['-1234567890123456789012345678901234567.8', '-1234567890123456789012345678901234567.8'],
    ['99999999999999999999999999999999999999d88', '99999999999999999999999999999999999999' + '0'.repeat(88)],
    ['1d125', '1' + '0'.repeat(125)],
    ['1d-130', '0.' + '0'.repeat(129) + '1'],
    ['-999d-132', '-0.' + '0'.repeat(129) + '999'],
  ])('%s → %s', (ion, json) => {
    expect(decimal(ion)).toBe(json);
  });

  it('never goes through a double or exponent notation', () => {
    // 17 significant digits and more: a double would round them; Decimal.toString would print 1.70206220242E+12.
    expect(decimal('170206220242d1')).toBe('1702062202420');
    expect(decimal('9007199254740993.')).toBe('9007199254740993');
  });
});

describe('Ion full export lines', () => {
  const convert = ionFullExportLineConverter({});

  it("reads AWS's documented item exactly", () => {
    const line =
      '$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,ProductCategory:"Book",Title:"Book 103 Title"}}';
    expect(convert(line)).toBe(
      '{"Authors":["Author1","Author2"],"Dimensions":"8.5 x 11.0 x 1.5","ISBN":"333-3333333333","Id":103,"InPublication":false,"PageCount":600,"Price":2000,"ProductCategory":"Book","Title":"Book 103 Title"}',
    );
  });

  it('takes a leading space, sets, blobs, nulls, nested lists and structs', () => {
    expect(convert(' $ion_1_0 {Item:{pk:3937d1,sk:25130455.}}')).toBe('{"pk":39370,"sk":25130455}');
    expect(convert('$ion_1_0 {Item:{b:{{3q2+7w==}},bs:$dynamodb_BS::[{{AQ==}},{{/w==}}],ns:$dynamodb_NS::[1.,15d-1],n:null,l:["x",{inner:"y"},null,[]],m:{},e:""}}')).toBe(
      '{"b":"3q2+7w==","bs":["AQ==","/w=="],"ns":[1,1.5],"n":null,"l":["x",{"inner":"y"},null,[]],"m":{},"e":""}',
    );
  });

  it('keeps any attribute name: integer-like ones first, ascending (as the JSON path orders them), the others in the order of the line', () => {
    const line = `$ion_1_0 {Item:{zeta:1.,'__proto__':"p",'constructor':"c",'12':"twelve",'0':"zero",'a-b':"dash",'quote"':"q",'line\\nbreak':"n",'é😀':"u",'012':"not an index",m:{b:1.,'4294967294':2.,'2':3.,'4294967295':4.}}}`;
    expect(convert(line)).toBe(
      '{"0":"zero","12":"twelve","zeta":1,"__proto__":"p","constructor":"c","a-b":"dash","quote\\"":"q","line\\nbreak":"n","é😀":"u","012":"not an index","m":{"2":3,"4294967294":2,"b":1,"4294967295":4}}',
    );
  });

  it('gives the same text as the DynamoDB JSON line of the same item', () => {
    const ion = `$ion_1_0 {Item:{pk:"acct#1",sk:12345678901234567890123456789012345678.,tags:$dynamodb_SS::["a","b"],bin:{{3q2+7w==}},'7':"seven",price:-1d-36,'__proto__':{'2':1.,a:2.,'1':3.},m:{open:true,gone:null,'10':"ten",list:["x",1d-36,{'9':1.,'0':2.}]},'0':"zero"}}`;
    const json =
      '{"Item":{"pk":{"S":"acct#1"},"sk":{"N":"12345678901234567890123456789012345678"},"tags":{"SS":["a","b"]},"bin":{"B":"3q2+7w=="},"7":{"S":"seven"},"price":{"N":"-0.000000000000000000000000000000000001"},"__proto__":{"M":{"2":{"N":"1"},"a":{"N":"2"},"1":{"N":"3"}}},"m":{"M":{"open":{"BOOL":true},"gone":{"NULL":true},"10":{"S":"ten"},"list":{"L":[{"S":"x"},{"N":"0.000000000000000000000000000000000001"},{"M":{"9":{"N":"1"},"0":{"N":"2"}}}]}}},"0":{"S":"zero"}}}';
    const options = { recordSuffix: () => ',"_x":1', omit: new Set(['bin']) };
    expect(ionFullExportLineConverter(options)(ion)).toBe(fullExportLineConverter(options)(json));
    expect(ionFullExportLineConverter(options)(ion)).toMatch(/^\{"0":"zero","7":"seven","pk":"acct#1",.*"__proto__":\{"1":3,"2":1,"a":2\}/);
  });

  it('refuses what is not a DynamoDB item', () => {
    expect(() => convert('$ion_1_0 {Keys:{pk:"a"}}')).toThrow(/has no Item/);
    expect(() => convert('$ion_1_0 {Item:{f:1.5e0}}')).toThrow(/Ion float/);
    expect(() => convert('$ion_1_0 {Item:{s:$dynamodb_SS::["a",1.]}}')).toThrow(/\$dynamodb_SS set holding an Ion decimal/);
    expect(() => convert('$ion_1_0 [1]')).toThrow(/not an Ion struct/);
    expect(() => convert('$ion_1_0 {Item:{a:"unterminated}}')).toThrow(ExportLineError);
  });
});

describe('Ion incremental export lines (shape inferred from the JSON one: AWS shows no Ion example)', () => {
  it('an upsert of NewImage, a delete of OldImage with the keys, else of the keys alone', () => {
    const seen: string[] = [];
    const options = { recordSuffix: (m: { kind: string; writeTimeMicros?: string }) => (seen.push(`${m.kind}@${m.writeTimeMicros}`), ''), omit: new Set(['secret']) };
    const ion = ionIncrementalLineConverter(options);
    const json = incrementalLineConverter(options);
    expect(ion('$ion_1_0 {Metadata:{WriteTimestampMicros:1774379199746598.},Keys:{pk:"a"},OldImage:{pk:"a",n:5.},NewImage:{pk:"a",n:6d1,secret:"s"}}')).toBe('{"pk":"a","n":60}');
    expect(ion('$ion_1_0 {Metadata:{WriteTimestampMicros:1774379199746599},Keys:{pk:"b"},OldImage:{n:5.,pk:"b"}}')).toBe(
      json('{"Metadata":{"WriteTimestampMicros":{"N":"1774379199746599"}},"Keys":{"pk":{"S":"b"}},"OldImage":{"n":{"N":"5"},"pk":{"S":"b"}}}'),
    );
    expect(ion('$ion_1_0 {Keys:{pk:"c"},Metadata:{WriteTimestampMicros:"1774379199746600"}}')).toBe('{"pk":"c"}');
    // Integer-like names in images and keys, a delete's merge of both: the order the JSON path gives.
    const orderedDelete = ion(`$ion_1_0 {Metadata:{WriteTimestampMicros:1.},Keys:{pk:"d",'9':"k9"},OldImage:{z:1.,'9':"old",pk:"d",'3':"x"}}`);
    expect(orderedDelete).toBe('{"3":"x","9":"k9","z":1,"pk":"d"}');
    expect(orderedDelete).toBe(
      json('{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"pk":{"S":"d"},"9":{"S":"k9"}},"OldImage":{"z":{"N":"1"},"9":{"S":"old"},"pk":{"S":"d"},"3":{"S":"x"}}}'),
    );
    expect(ion(`$ion_1_0 {Metadata:{WriteTimestampMicros:2.},Keys:{pk:"e"},NewImage:{pk:"e",'1':true}}`)).toBe(
      json('{"Metadata":{"WriteTimestampMicros":{"N":"2"}},"Keys":{"pk":{"S":"e"}},"NewImage":{"pk":{"S":"e"},"1":{"BOOL":true}}}'),
    );
    expect(seen.slice(0, 4)).toEqual(['upsert@1774379199746598', 'delete@1774379199746599', 'delete@1774379199746599', 'delete@1774379199746600']);
    expect(() => ion('$ion_1_0 {Keys:{pk:"c"}}')).toThrow(/WriteTimestampMicros/);
  });
});
