// One line of an Amazon Ion export data file (ExportFormat ION, data/*.ion.gz) → the JSON text of one record, the
// same text a DynamoDB JSON export of the same item gives. A line is a version marker and one text Ion struct:
// `$ion_1_0 {Item:{…}}` for full exports; incremental exports hold Metadata, Keys, NewImage and OldImage as their
// JSON lines do (AWS shows no Ion example of those; the shape is the JSON one with Ion values). Types: N is an Ion
// decimal, S a string, B a blob, BOOL a bool, NULL null, L a list, M a struct, and SS / NS / BS lists annotated
// $dynamodb_SS / $dynamodb_NS / $dynamodb_BS.
//
// The record text is written straight from ion-js's cursor (Reader): no object keyed by attribute names is ever
// built, so any name reaches the record. Members come in the order the DynamoDB JSON path gives them (integer-like
// names first, ascending, then the others in the line's order: wireTranscoder.ts's orderedMembers), so that the same
// items give the same record text from either format. Numbers never pass through a JS number or
// ion-js's Decimal.toString (which prints 600 as "6E+2"): their text is built from the coefficient and exponent.
import { IonTypes, makeReader, type IonType, type Reader } from 'ion-js';
import { ExportLineError, type LineConversion } from '../convert/exportLines.js';
import { arrayIndexOfName, orderedMembers } from '../convert/wireTranscoder.js';

/** What a line converter needs: the kind is the converter's own. */
export type IonLineConversion = Omit<LineConversion, 'kind'>;

/** One member of a struct as record text, with the array index its name stands for (-1: none), for ordering. */
interface MemberText {
  readonly name: string;
  readonly index: number;
  readonly text: string;
}

/** The JSON number text of an Ion decimal (sign, coefficient, exponent), every digit kept, never in exponent form. */
export function ionDecimalToJson(coefficient: bigint, exponent: number, negative: boolean): string {
  const digits = (coefficient < 0n ? -coefficient : coefficient).toString();
  if (digits === '0') return '0';
  let text: string;
  if (exponent >= 0) {
    text = exponent === 0 ? digits : digits + '0'.repeat(exponent);
  } else {
    const point = digits.length + exponent;
    const whole = point > 0 ? digits.slice(0, point) : '0';
    // DynamoDB trims trailing zeros of a fraction; so does its JSON export.
    const fraction = (point > 0 ? digits.slice(point) : '0'.repeat(-point) + digits).replace(/0+$/, '');
    text = fraction === '' ? whole : `${whole}.${fraction}`;
  }
  return negative ? '-' + text : text;
}

/** Annotations DynamoDB puts on sets, and the Ion type of their elements. */
const SET_ELEMENTS: ReadonlyMap<string, readonly IonType[]> = new Map([
  ['$dynamodb_SS', [IonTypes.STRING]],
  ['$dynamodb_NS', [IonTypes.DECIMAL, IonTypes.INT]],
  ['$dynamodb_BS', [IonTypes.BLOB]],
]);

function valueToJson(reader: Reader, type: IonType): string {
  if (reader.isNull()) return 'null';
  switch (type) {
    case IonTypes.STRING:
    case IonTypes.SYMBOL:
      return JSON.stringify(reader.stringValue());
    case IonTypes.DECIMAL: {
      const d = reader.decimalValue()!;
      return ionDecimalToJson(d.getCoefficient(), d.getExponent(), d.isNegative());
    }
    case IonTypes.INT:
      // DynamoDB writes N as decimals; an int is exact all the same.
      return reader.bigIntValue()!.toString();
    case IonTypes.BOOL:
      return reader.booleanValue() ? 'true' : 'false';
    case IonTypes.BLOB:
      // Base64 text has no character that needs escaping in JSON.
      return '"' + Buffer.from(reader.uInt8ArrayValue()!).toString('base64') + '"';
    case IonTypes.LIST:
      return listToJson(reader);
    case IonTypes.STRUCT:
      return '{' + texts(structMembers(reader)).join(',') + '}';
    default:
      // Floats, timestamps, clobs and s-expressions are no DynamoDB type: a float would not be exact either.
      throw new ExportLineError(`holds an Ion ${type.name}, which is no DynamoDB type`);
  }
}

/** A list, or a set when annotated: both become JSON arrays; a set's elements must have the set's type. */
function listToJson(reader: Reader): string {
  const annotations = reader.annotations();
  const setOf = annotations.length > 0 ? SET_ELEMENTS.get(annotations[0]!) : undefined;
  const parts: string[] = [];
  reader.stepIn();
  for (let type = reader.next(); type !== null; type = reader.next()) {
    if (setOf !== undefined && (reader.isNull() || !setOf.includes(type))) throw new ExportLineError(`has a ${annotations[0]} set holding an Ion ${type.name}`);
    parts.push(valueToJson(reader, type));
  }
  reader.stepOut();
  return '[' + parts.join(',') + ']';
}

function fieldNameOf(reader: Reader): string {
  const name = reader.fieldName();
  if (name === null) throw new ExportLineError('has a field name without text');
  return name;
}

/** The members of the struct the reader is on, `"name":value` texts, in the record's order (orderedMembers). */
function structMembers(reader: Reader, omit?: ReadonlySet<string>): MemberText[] {
  const members: MemberText[] = [];
  reader.stepIn();
  for (let type = reader.next(); type !== null; type = reader.next()) {
    const name = fieldNameOf(reader);
    if (omit !== undefined && omit.has(name)) continue;
    members.push({ name, index: arrayIndexOfName(name), text: JSON.stringify(name) + ':' + valueToJson(reader, type) });
  }
  reader.stepOut();
  return orderedMembers(members);
}

const texts = (members: readonly MemberText[]): string[] => members.map((m) => m.text);

const objectText = (members: readonly string[], suffix: string) => '{' + members.join(',') + (members.length === 0 ? suffix.slice(1) : suffix) + '}';

/** Positions the reader inside the line's top-level struct. */
function openLine(line: string): Reader {
  let reader: Reader;
  let type: IonType | null;
  try {
    reader = makeReader(line);
    type = reader.next();
  } catch (err) {
    throw new ExportLineError(`is not Ion text (${(err as Error).message})`);
  }
  if (type !== IonTypes.STRUCT || reader.isNull()) throw new ExportLineError('is not an Ion struct');
  reader.stepIn();
  return reader;
}

/** Errors of ion-js's parser (malformed text) become line errors; ours pass through. */
function guarded<T>(line: string, convert: (line: string) => T): T {
  try {
    return convert(line);
  } catch (err) {
    if (err instanceof ExportLineError) throw err;
    throw new ExportLineError(`is not valid Ion (${(err as Error).message})`);
  }
}

export function ionFullExportLineConverter(options: IonLineConversion): (line: string) => string {
  const suffix = options.recordSuffix?.({ kind: 'snapshot' }) ?? '';
  return (line) =>
    guarded(line, () => {
      const reader = openLine(line);
      let record: string | undefined;
      for (let type = reader.next(); type !== null; type = reader.next()) {
        if (reader.fieldName() !== 'Item') continue;
        if (type !== IonTypes.STRUCT || reader.isNull()) throw new ExportLineError('has an Item that is not a struct');
        record = objectText(texts(structMembers(reader, options.omit)), suffix);
      }
      if (record === undefined) throw new ExportLineError('has no Item');
      return record;
    });
}

/** WriteTimestampMicros as digits: an Ion decimal (as DynamoDB writes numbers), an int, or a string of digits. */
function microsOf(reader: Reader): string | undefined {
  let micros: string | undefined;
  reader.stepIn();
  for (let type = reader.next(); type !== null; type = reader.next()) {
    if (reader.fieldName() !== 'WriteTimestampMicros' || reader.isNull()) continue;
    if (type === IonTypes.DECIMAL || type === IonTypes.INT) micros = valueToJson(reader, type);
    else if (type === IonTypes.STRING) micros = reader.stringValue()!;
  }
  reader.stepOut();
  return micros !== undefined && /^\d+$/.test(micros) ? micros : undefined;
}

export function ionIncrementalLineConverter(options: IonLineConversion): (line: string) => string {
  return (line) =>
    guarded(line, () => {
      const reader = openLine(line);
      let micros: string | undefined;
      let keys: MemberText[] | undefined;
      let newImage: MemberText[] | undefined;
      let oldImage: MemberText[] | undefined;
      for (let type = reader.next(); type !== null; type = reader.next()) {
        const field = reader.fieldName();
        const isStruct = type === IonTypes.STRUCT && !reader.isNull();
        if (field === 'Metadata' && isStruct) micros = microsOf(reader);
        else if (field === 'Keys' && isStruct) keys = structMembers(reader, options.omit);
        else if (field === 'NewImage' && isStruct) newImage = structMembers(reader, options.omit);
        else if (field === 'OldImage' && isStruct) oldImage = structMembers(reader, options.omit);
      }
      if (micros === undefined) throw new ExportLineError('has no Metadata.WriteTimestampMicros');
      if (keys === undefined) throw new ExportLineError('has no Keys');
      if (newImage !== undefined) return objectText(texts(newImage), options.recordSuffix?.({ kind: 'upsert', writeTimeMicros: micros }) ?? '');
      // A delete: the item as it was (NEW_AND_OLD_IMAGES), its key attributes as the keys say, at least the keys:
      // `{...OldImage, ...Keys}` as the JSON path merges them (a key replaces the old image's member in place).
      const suffix = options.recordSuffix?.({ kind: 'delete', writeTimeMicros: micros }) ?? '';
      const members = new Map<string, MemberText>((oldImage ?? []).map((m) => [m.name, m]));
      for (const key of keys) members.set(key.name, key);
      return objectText(texts(orderedMembers([...members.values()])), suffix);
    });
}
