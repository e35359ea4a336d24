// The top-level members of one record's JSON text — each member's name and the JSON kind of its value — found by a
// character-level scan, without parsing the record: the values are skipped, never built. This is what the schema
// drift check needs on every record, so it has to cost a small fraction of what reading the item did.
// The text is trusted to be a JSON object (the connector wrote it); on text that is not, the scan stops early.

/** The kind of a member's value, one bit each, so a schema's allowed kinds are a mask. */
export const Kind = {
  String: 1,
  /** A whole number a 64-bit integer holds (what JSON schema `integer` columns are made of). */
  Integer: 2,
  /** Any other number: a fraction, an exponent, or a whole number beyond 64 bits. */
  Number: 4,
  Boolean: 8,
  Null: 16,
  Object: 32,
  Array: 64,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export const ANY_KIND = 127;

export const KIND_NAMES: ReadonlyArray<readonly [Kind, string]> = [
  [Kind.String, 'string'],
  [Kind.Integer, 'integer'],
  [Kind.Number, 'number'],
  [Kind.Boolean, 'boolean'],
  [Kind.Null, 'null'],
  [Kind.Object, 'object'],
  [Kind.Array, 'array'],
];

/** The kinds of a mask, by name, in a fixed order. */
export function kindNames(mask: number): string[] {
  return KIND_NAMES.filter(([kind]) => (mask & kind) !== 0).map(([, name]) => name);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_T = 0x74;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const INT64_MAX = '9223372036854775807';
const INT64_MIN_MAGNITUDE = '9223372036854775808';

/**
 * Calls `visit(name, kind)` for each top-level member of the JSON object `text`, in order. Names are decoded (JSON
 * escapes included), so they are the attribute names themselves.
 */
export function scanMembers(text: string, visit: (name: string, kind: Kind) => void): void {
  scanMemberSpans(text, (_text, open, close, kind) => visit(decodeName(text, open, close), kind));
}

/**
 * scanMembers without building the names: `visit` gets the indexes of each name's quotes (`open`, `close`), so a
 * caller that already knows the name there (text.startsWith) pays no allocation; decodeName builds it otherwise.
 */
export function scanMemberSpans(text: string, visit: (text: string, open: number, close: number, kind: Kind) => void): void {
  const end = text.length;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return;
  while (i < end) {
    if (text.charCodeAt(i) !== QUOTE) return;
    const nameEnd = stringEnd(text, i);
    if (nameEnd < 0) return;
    const nameStart = i;
    i = skipSpace(text, nameEnd + 1);
    if (text.charCodeAt(i) !== COLON) return;
    i = skipSpace(text, i + 1);
    const c = text.charCodeAt(i);
    let kind: Kind;
    if (c === QUOTE) {
      kind = Kind.String;
      i = stringEnd(text, i);
      if (i < 0) return;
      i++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      kind = c === OPEN_BRACE ? Kind.Object : Kind.Array;
      i = containerEnd(text, i);
      if (i < 0) return;
    } else if (c === LOWER_T) {
      kind = Kind.Boolean;
      i += 4;
    } else if (c === LOWER_F) {
      kind = Kind.Boolean;
      i += 5;
    } else if (c === LOWER_N) {
      kind = Kind.Null;
      i += 4;
    } else {
      const start = i;
      let fraction = false;
      for (; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === COMMA || d === CLOSE_BRACE || d <= 0x20) break;
        if (d === DOT || d === LOWER_E || d === UPPER_E) fraction = true;
      }
      if (i === start) return;
      kind = fraction ? Kind.Number : wholeNumberKind(text, start, i);
    }
    visit(text, nameStart, nameEnd, kind);
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== COMMA) return;
    i = skipSpace(text, i + 1);
  }
}

/** Integer while the value fits a signed 64-bit integer (compared on its digits, never through a double). */
function wholeNumberKind(text: string, start: number, end: number): Kind {
  const negative = text.charCodeAt(start) === MINUS;
  const digits = end - start - (negative ? 1 : 0);
  if (digits < 19) return Kind.Integer;
  if (digits > 19) return Kind.Number;
  const magnitude = text.slice(negative ? start + 1 : start, end);
  return magnitude <= (negative ? INT64_MIN_MAGNITUDE : INT64_MAX) ? Kind.Integer : Kind.Number;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && text.charCodeAt(i) <= 0x20) i++;
  return i;
}

/** Index of the closing quote of the string opening at `open`; -1 when it never closes. */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return -1;
    // Escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    for (let j = quote - 1; j > open && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if ((backslashes & 1) === 0) return quote;
    i = quote + 1;
  }
}

/** Index just past the object or array opening at `open` (strings inside are skipped whole); -1 when unclosed. */
function containerEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The name between the quotes at `open` and `close`, JSON escapes decoded (rare: only then is JSON.parse used). */
export function decodeName(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close);
  return raw.indexOf('\\') < 0 ? raw : (JSON.parse(text.slice(open, close + 1)) as string);
}
