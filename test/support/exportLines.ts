// Export data-file lines as AWS writes them, from the SDK's items: DynamoDB JSON (the wire shape) and Amazon Ion text
// (`$ion_1_0 {Item:{…}}`, written with ion-js's writer: N as a decimal with an integer's trailing zeros in the
// exponent, 600 → 6d2, as DynamoDB writes them; sets annotated $dynamodb_SS/NS/BS; blobs as {{base64}}). Used by the
// export emulator and by the export-format benchmark.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { Decimal, IonTypes, decodeUtf8, makeTextWriter, type Writer } from 'ion-js';

export type WireValue = Record<string, unknown>;

/** One line of a data file: {Item} or {Metadata, Keys, OldImage?, NewImage?}, values in DynamoDB JSON. */
export type ExportLine = Record<string, Record<string, WireValue>>;

/** The Ion text line of an export line, as DynamoDB writes it: `$ion_1_0 {Item:{…}}`. */
export function ionLine(line: ExportLine): string {
  const writer = makeTextWriter();
  writer.stepIn(IonTypes.STRUCT);
  for (const [field, item] of Object.entries(line)) {
    writer.writeFieldName(field);
    if (field === 'Metadata') {
      writer.stepIn(IonTypes.STRUCT);
      writer.writeFieldName('WriteTimestampMicros');
      writer.writeDecimal(new Decimal(BigInt((item.WriteTimestampMicros as { N: string }).N), 0));
      writer.stepOut();
    } else {
      writeIonStruct(writer, item);
    }
  }
  writer.stepOut();
  writer.close();
  return '$ion_1_0 ' + decodeUtf8(writer.getBytes());
}

function writeIonStruct(writer: Writer, item: Record<string, WireValue>): void {
  writer.stepIn(IonTypes.STRUCT);
  for (const [name, value] of Object.entries(item)) {
    writer.writeFieldName(name);
    writeIonValue(writer, value);
  }
  writer.stepOut();
}

function writeIonValue(writer: Writer, v: WireValue): void {
  const bytes = (b64: unknown) => new Uint8Array(Buffer.from(b64 as string, 'base64'));
  const set = (annotation: string, values: unknown[], write: (x: unknown) => void) => {
    writer.setAnnotations([annotation]);
    writer.stepIn(IonTypes.LIST);
    values.forEach(write);
    writer.stepOut();
  };
  if (v.S !== undefined) writer.writeString(v.S as string);
  else if (v.N !== undefined) writer.writeDecimal(ionDecimal(v.N as string));
  else if (v.B !== undefined) writer.writeBlob(bytes(v.B));
  else if (v.BOOL !== undefined) writer.writeBoolean(v.BOOL as boolean);
  else if (v.NULL !== undefined) writer.writeNull(IonTypes.NULL);
  else if (v.M !== undefined) writeIonStruct(writer, v.M as Record<string, WireValue>);
  else if (v.L !== undefined) {
    writer.stepIn(IonTypes.LIST);
    for (const e of v.L as WireValue[]) writeIonValue(writer, e);
    writer.stepOut();
  } else if (v.SS !== undefined) set('$dynamodb_SS', v.SS as string[], (x) => writer.writeString(x as string));
  else if (v.NS !== undefined) set('$dynamodb_NS', v.NS as string[], (x) => writer.writeDecimal(ionDecimal(x as string)));
  else if (v.BS !== undefined) set('$dynamodb_BS', v.BS as string[], (x) => writer.writeBlob(bytes(x)));
  else throw new Error(`Unsupported attribute value: ${Object.keys(v).join(',')}`);
}

/** A DynamoDB number as the Ion decimal DynamoDB writes: an integer's trailing zeros go to the exponent (600 → 6d2). */
export function ionDecimal(text: string): Decimal {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`Not a DynamoDB number: ${text}`);
  const fraction = m[3] ?? '';
  let digits = ((m[2] ?? '') + fraction).replace(/^0+(?=\d)/, '');
  let exponent = Number(m[4] ?? '0') - fraction.length;
  if (/^0*$/.test(digits)) return new Decimal(0n, 0);
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  const coefficient = BigInt(digits);
  // The sign must be passed as well: ion-js's constructor defaults isNegative to false and then prints -5 as 5.
  const negative = m[1] === '-';
  return new Decimal(negative ? -coefficient : coefficient, exponent, negative);
}

/** The SDK's AttributeValue back to DynamoDB JSON as it travels on the wire and sits in export files. */
export function toWireItem(item: Record<string, AttributeValue>): Record<string, WireValue> {
  // Object.fromEntries defines own properties: an attribute named __proto__ stays an attribute.
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toWireValue(value)]));
}

function toWireValue(v: AttributeValue): WireValue {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.B !== undefined) return { B: b64(v.B) };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.M !== undefined) return { M: toWireItem(v.M) };
  if (v.L !== undefined) return { L: v.L.map(toWireValue) };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map(b64) };
  throw new Error(`Unsupported attribute value: ${Object.keys(v).join(',')}`);
}
