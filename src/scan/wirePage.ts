// A Scan response's text → record texts, in one pass, without building the page as objects first. The wire JSON
// already holds every value as JSON text: a string literal without escapes is exactly what JSON.stringify would
// write, a number needs only numberToJson, base64 is copied. So records are assembled from slices of the response;
// parsing the 1 MB page into objects and serialising them again cost more CPU than everything else in a scan.
// Output is byte for byte that of wireItemToJson over JSON.parse (and so of the SDK path), including the order in
// which JavaScript objects hold integer-like attribute names ("2" before "10" before "a").
import { numberToJson } from '../convert/number.js';

export interface PageRecordOptions {
  /** JSON members appended to every record, starting with a comma. */
  recordSuffix?: string | undefined;
  /** Top-level attributes left out. */
  omit?: ReadonlySet<string> | undefined;
  /** A top-level attribute whose S or N value is returned for each record. */
  cursorField?: string | undefined;
}

export type CursorWireValue = { S: string } | { N: string };

export interface PageRecords {
  records: string[];
  /** With cursorField: each record's cursor value, undefined where absent or neither S nor N. */
  cursorValues: (CursorWireValue | undefined)[] | undefined;
  /** Every other member of the response (LastEvaluatedKey, ConsumedCapacity, Count, ScannedCount), parsed. */
  rest: Record<string, unknown>;
}

interface Cursor {
  s: string;
  i: number;
  /** Whether the string literal read last held an escape (set by readLiteral, to spare an object per string). */
  escaped: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;

export function scanResponseToRecords(text: string, options: PageRecordOptions = {}): PageRecords {
  const r: Cursor = { s: text, i: 0, escaped: false };
  const records: string[] = [];
  const cursorValues = options.cursorField === undefined ? undefined : ([] as (CursorWireValue | undefined)[]);
  const rest: Record<string, unknown> = {};
  expect(r, '{');
  if (!tryConsume(r, '}')) {
    do {
      const key = readString(r);
      expect(r, ':');
      if (key === 'Items') {
        expect(r, '[');
        if (!tryConsume(r, ']')) {
          do {
            records.push(itemText(r, options.recordSuffix ?? '', options.omit, options.cursorField, cursorValues));
          } while (tryConsume(r, ','));
          expect(r, ']');
        }
      } else {
        skipWhitespace(r);
        const start = r.i;
        skipValue(r);
        rest[key] = JSON.parse(text.slice(start, r.i));
      }
    } while (tryConsume(r, ','));
    expect(r, '}');
  }
  return { records, cursorValues, rest };
}

/** One item (or map): `{"name":{"T":…},…}` → `{"name":…,…}`. */
function itemText(
  r: Cursor,
  suffix: string,
  omit: ReadonlySet<string> | undefined,
  cursorField: string | undefined,
  cursorValues: (CursorWireValue | undefined)[] | undefined,
): string {
  expect(r, '{');
  const members: string[] = [];
  let reorder = false; // an integer-like name: JavaScript objects would list the members in another order
  let cursor: CursorWireValue | undefined;
  if (!tryConsume(r, '}')) {
    do {
      const nameRaw = readLiteral(r);
      const nameText = r.escaped ? JSON.stringify(JSON.parse(nameRaw)) : nameRaw;
      const name = r.escaped ? (JSON.parse(nameRaw) as string) : nameRaw.slice(1, -1);
      expect(r, ':');
      skipWhitespace(r);
      const valueStart = r.i;
      const value = valueText(r);
      if (cursorField !== undefined && name === cursorField) cursor = cursorOf(JSON.parse(r.s.slice(valueStart, r.i)) as Record<string, unknown>);
      if (omit !== undefined && omit.has(name)) continue;
      if (!reorder && isArrayIndex(name)) reorder = true;
      members.push(nameText + ':' + value);
    } while (tryConsume(r, ','));
    expect(r, '}');
  }
  cursorValues?.push(cursor);
  const ordered = reorder ? inObjectOrder(members) : members;
  return '{' + ordered.join(',') + (ordered.length === 0 ? suffix.slice(1) : suffix) + '}';
}

/**
 * A JavaScript object lists integer-like keys first, ascending, then the others in insertion order. Rare enough
 * to redo: the names are read again from the member texts.
 */
function inObjectOrder(members: string[]): string[] {
  const keyed = members.map((member, position) => {
    const name = JSON.parse(member.slice(0, nameEnd(member))) as string;
    return { member, position, index: isArrayIndex(name) ? Number(name) : -1 };
  });
  keyed.sort((a, b) => {
    if (a.index >= 0 && b.index >= 0) return a.index - b.index;
    if (a.index >= 0) return -1;
    if (b.index >= 0) return 1;
    return a.position - b.position;
  });
  return keyed.map((k) => k.member);
}

/** End of the leading JSON string literal of a member text (`"name":value`). */
function nameEnd(member: string): number {
  for (let j = 1; ; j++) {
    const c = member.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
}

/** Property names JavaScript orders numerically: canonical integers below 2^32 - 1. */
function isArrayIndex(name: string): boolean {
  const first = name.charCodeAt(0);
  if (first < 48 || first > 57 || (first === 48 && name.length > 1) || name.length > 10) return false;
  for (let j = 1; j < name.length; j++) {
    const c = name.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  return Number(name) < 4294967295;
}

function cursorOf(value: Record<string, unknown>): CursorWireValue | undefined {
  if (typeof value.S === 'string') return { S: value.S };
  if (typeof value.N === 'string') return { N: value.N };
  return undefined;
}

/** One attribute value `{"T":payload}` → its JSON text in the record. */
function valueText(r: Cursor): string {
  expect(r, '{');
  const type = readString(r);
  expect(r, ':');
  let out: string;
  switch (type) {
    case 'S':
      out = stringText(r);
      break;
    case 'N':
      out = numberToJson(readString(r));
      break;
    case 'B':
      // Base64 has no character JSON escapes; the decoded text is the literal's content.
      out = '"' + readString(r) + '"';
      break;
    case 'BOOL':
      out = readWord(r) === 'true' ? 'true' : 'false';
      break;
    case 'NULL':
      readWord(r);
      out = 'null';
      break;
    case 'M':
      out = itemText(r, '', undefined, undefined, undefined);
      break;
    case 'L':
      out = listText(r, valueText);
      break;
    case 'SS':
      out = listText(r, stringText);
      break;
    case 'NS':
      out = listText(r, (c) => numberToJson(readString(c)));
      break;
    case 'BS':
      out = listText(r, (c) => '"' + readString(c) + '"');
      break;
    default:
      throw new Error(`Unsupported attribute value with keys ${type}`);
  }
  expect(r, '}');
  return out;
}

function listText(r: Cursor, element: (r: Cursor) => string): string {
  expect(r, '[');
  if (tryConsume(r, ']')) return '[]';
  const parts: string[] = [];
  do {
    skipWhitespace(r);
    parts.push(element(r));
  } while (tryConsume(r, ','));
  expect(r, ']');
  return '[' + parts.join(',') + ']';
}

/** Reads a string literal at the cursor; returns it as it stands, quotes included, and sets r.escaped. */
function readLiteral(r: Cursor): string {
  skipWhitespace(r);
  const s = r.s;
  const start = r.i;
  if (s.charCodeAt(start) !== QUOTE) throw syntaxError(r, 'a string');
  let escaped = false;
  let j = start + 1;
  for (;;) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      j++;
    } else if (Number.isNaN(c)) {
      throw syntaxError(r, 'the end of a string');
    }
    j++;
  }
  r.i = j + 1;
  r.escaped = escaped;
  return s.slice(start, r.i);
}

/** The value of the string literal at the cursor. */
function readString(r: Cursor): string {
  const raw = readLiteral(r);
  return r.escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/**
 * The string literal at the cursor as JSON.stringify writes its value. Without escapes the literal is already that:
 * raw text holds no control character, quote or backslash, and decoded UTF-8 holds no lone surrogate. Escapes are
 * written in more than one way (\u00e9 or é, \/ or /), so those literals are decoded and written again.
 */
function stringText(r: Cursor): string {
  const raw = readLiteral(r);
  return r.escaped ? JSON.stringify(JSON.parse(raw)) : raw;
}

function readWord(r: Cursor): string {
  skipWhitespace(r);
  const start = r.i;
  while (r.i < r.s.length) {
    const c = r.s.charCodeAt(r.i);
    if (c < 97 || c > 122) break; // a-z: true, false, null
    r.i++;
  }
  return r.s.slice(start, r.i);
}

/** Moves past one JSON value of any kind (for the response members other than Items). */
function skipValue(r: Cursor): void {
  skipWhitespace(r);
  const c = r.s.charCodeAt(r.i);
  if (c === QUOTE) {
    readLiteral(r);
    return;
  }
  if (c === 123 || c === 91) {
    // { or [: count nesting, stepping over strings (which may hold brackets).
    let depth = 0;
    do {
      const d = r.s.charCodeAt(r.i);
      if (d === QUOTE) {
        readLiteral(r);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) depth--;
      else if (Number.isNaN(d)) throw syntaxError(r, 'the end of a value');
      r.i++;
    } while (depth > 0);
    return;
  }
  // A number or a literal word.
  while (r.i < r.s.length && !',}] \t\r\n'.includes(r.s.charAt(r.i))) r.i++;
}

function skipWhitespace(r: Cursor): void {
  for (;;) {
    const c = r.s.charCodeAt(r.i);
    if (c === 32 || c === 10 || c === 13 || c === 9) r.i++;
    else return;
  }
}

function tryConsume(r: Cursor, char: string): boolean {
  skipWhitespace(r);
  if (r.s.charAt(r.i) !== char) return false;
  r.i++;
  return true;
}

function expect(r: Cursor, char: string): void {
  if (!tryConsume(r, char)) throw syntaxError(r, `'${char}'`);
}

function syntaxError(r: Cursor, wanted: string): Error {
  return new Error(`Unexpected text in a Scan response at offset ${r.i}: expected ${wanted}, found ${JSON.stringify(r.s.slice(r.i, r.i + 20))}`);
}
