// A Scan response's bytes → record texts, in one pass over the bytes, without building the page as objects or
// strings first. The wire JSON already holds every value as JSON text: a string literal without escapes is exactly
// what JSON.stringify would write, a number needs only checking, base64 is copied. So each record is written into
// one output buffer by copying bytes and dropping the type wrappers ({"S":…}); the buffer is decoded once and split
// into records at the end. Parsing the page into objects and serialising them again cost several times more CPU.
// Output is byte for byte that of wireItemToJson over JSON.parse (and so of the SDK path). What the fast loop does
// not cover is handed to that reference itself, or to JSON.parse/JSON.stringify for one value: string literals with
// escapes, numbers JSON does not allow as written ("+1", ".5"), and items with integer-like attribute names (which a
// JavaScript object lists first, ascending).
import { wireItemToJson, type WireItem } from '../convert/wireJson.js';
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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LETTER_S = 0x53;
const LETTER_N = 0x4e;
const LETTER_B = 0x42;
const LETTER_M = 0x4d;
const LETTER_L = 0x4c;

export function scanResponseToRecords(body: Uint8Array | string, options: PageRecordOptions = {}): PageRecords {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new PageTranscoder(bytes, options).run();
}

/** Names compared as bytes, so a plain attribute name never has to become a JS string. */
const encodedNames = new WeakMap<ReadonlySet<string>, Buffer[]>();

function encodedOmit(omit: ReadonlySet<string>): Buffer[] {
  let names = encodedNames.get(omit);
  if (names === undefined) {
    names = [...omit].map((name) => Buffer.from(name, 'utf8'));
    encodedNames.set(omit, names);
  }
  return names;
}

class PageTranscoder {
  private readonly src: Uint8Array;
  /** The same bytes, for decoding slices of them. */
  private readonly srcBuffer: Buffer;
  private readonly end: number;
  private pos = 0;
  private dst: Buffer;
  private len = 0;
  private readonly suffix: Buffer;
  private readonly omit: ReadonlySet<string> | undefined;
  private readonly omitBytes: Buffer[] | undefined;
  private readonly cursorField: string | undefined;
  private readonly cursorBytes: Buffer | undefined;
  private readonly cursorValues: (CursorWireValue | undefined)[] | undefined;
  /** Set when the item being written has an integer-like attribute name at any depth: it is redone by the reference. */
  private reorder = false;
  private cursor: CursorWireValue | undefined;

  constructor(src: Uint8Array, options: PageRecordOptions) {
    this.src = src;
    this.srcBuffer = Buffer.from(src.buffer, src.byteOffset, src.length);
    this.end = src.length;
    // Output never outgrows the input it came from, except by the suffix of each record (room is made per item; a
    // value rewritten by JSON.stringify or numberToJson is never longer than its literal, and checks anyway).
    this.dst = Buffer.allocUnsafe(src.length + 64);
    this.suffix = Buffer.from(options.recordSuffix ?? '', 'utf8');
    this.omit = options.omit !== undefined && options.omit.size > 0 ? options.omit : undefined;
    this.omitBytes = this.omit !== undefined ? encodedOmit(this.omit) : undefined;
    this.cursorField = options.cursorField;
    this.cursorBytes = options.cursorField !== undefined ? Buffer.from(options.cursorField, 'utf8') : undefined;
    this.cursorValues = options.cursorField !== undefined ? [] : undefined;
  }

  run(): PageRecords {
    const rest: Record<string, unknown> = {};
    let items = 0;
    this.expect(OPEN_BRACE);
    if (!this.tryConsume(CLOSE_BRACE)) {
      do {
        const key = this.readKey();
        this.expect(COLON);
        if (key === 'Items') {
          this.expect(OPEN_BRACKET);
          if (!this.tryConsume(CLOSE_BRACKET)) {
            do {
              this.record();
              items++;
            } while (this.tryConsume(COMMA));
            this.expect(CLOSE_BRACKET);
          }
        } else {
          this.skipWhitespace();
          const start = this.pos;
          this.skipValue();
          rest[key] = JSON.parse(this.text(start, this.pos));
        }
      } while (this.tryConsume(COMMA));
      this.expect(CLOSE_BRACE);
    }
    // One decode for the whole page; JSON text holds no raw newline, so the separators are unambiguous.
    const records = items === 0 ? [] : this.dst.toString('utf8', 0, this.len - 1).split('\n');
    return { records, cursorValues: this.cursorValues, rest };
  }

  /** One item of Items, written as a record line. */
  private record(): void {
    this.skipWhitespace();
    const inStart = this.pos;
    const outStart = this.len;
    this.ensure(this.end - this.pos + this.suffix.length + 8);
    this.reorder = false;
    this.cursor = undefined;
    this.map(true);
    if (this.reorder) {
      // Rare: let the reference order the members as a JavaScript object does.
      const item = JSON.parse(this.text(inStart, this.pos)) as WireItem;
      this.len = outStart;
      this.writeString(wireItemToJson(item, this.suffix.toString('utf8'), this.omit));
      if (this.cursorField !== undefined) this.cursor = cursorOf(item[this.cursorField]);
    }
    this.cursorValues?.push(this.cursor);
    this.dst[this.len++] = NEWLINE;
  }

  /** `{"name":{"T":…},…}` → `{"name":…,…}`; the top level also omits, finds the cursor and appends the suffix. */
  private map(top: boolean): void {
    this.expect(OPEN_BRACE);
    this.dst[this.len++] = OPEN_BRACE;
    let members = 0;
    if (!this.tryConsume(CLOSE_BRACE)) {
      do {
        this.skipWhitespace();
        const nameStart = this.pos;
        const outBefore = this.len;
        if (members > 0) this.dst[this.len++] = COMMA;
        const plainName = this.string();
        const nameEnd = this.pos;
        if (plainName ? this.isArrayIndex(nameStart + 1, nameEnd - 1) : isArrayIndexName(JSON.parse(this.text(nameStart, nameEnd)) as string)) this.reorder = true;
        this.expect(COLON);
        this.dst[this.len++] = COLON;
        this.skipWhitespace();
        const valueStart = this.pos;
        this.value();
        if (top) {
          if (this.cursorBytes !== undefined && this.nameIs(nameStart, nameEnd, plainName, this.cursorBytes, this.cursorField as string)) {
            this.cursor = cursorOf(JSON.parse(this.text(valueStart, this.pos)) as unknown);
          }
          if (this.omitBytes !== undefined && this.isOmitted(nameStart, nameEnd, plainName)) {
            this.len = outBefore;
            continue;
          }
        }
        members++;
      } while (this.tryConsume(COMMA));
      this.expect(CLOSE_BRACE);
    }
    if (top && this.suffix.length > 0) {
      // The suffix starts with a comma, which an empty record does without.
      const from = members === 0 ? 1 : 0;
      this.suffix.copy(this.dst, this.len, from);
      this.len += this.suffix.length - from;
    }
    this.dst[this.len++] = CLOSE_BRACE;
  }

  /** One attribute value `{"T":payload}` → its JSON text. */
  private value(): void {
    this.expect(OPEN_BRACE);
    this.skipWhitespace();
    const src = this.src;
    const typeStart = this.pos + 1;
    if (src[this.pos] !== QUOTE) throw this.syntaxError('a string');
    let typeEnd = typeStart;
    while (typeEnd < this.end && src[typeEnd] !== QUOTE) typeEnd++;
    const typeLength = typeEnd - typeStart;
    const first = src[typeStart];
    const second = typeLength === 2 ? src[typeStart + 1] : 0;
    this.pos = typeEnd + 1;
    this.expect(COLON);
    this.skipWhitespace();
    if (typeLength === 1 && first === LETTER_S) this.string();
    else if (typeLength === 1 && first === LETTER_N) this.number();
    else if (typeLength === 1 && first === LETTER_B) this.string(); // base64 has no character JSON escapes
    else if (typeLength === 1 && first === LETTER_M) this.map(false);
    else if (typeLength === 1 && first === LETTER_L) this.list(0);
    else if (typeLength === 2 && second === LETTER_S && (first === LETTER_S || first === LETTER_N || first === LETTER_B)) this.list(first);
    else if (typeLength === 4 && this.isWord(typeStart, 'BOOL')) this.word(true);
    else if (typeLength === 4 && this.isWord(typeStart, 'NULL')) this.word(false);
    else throw new Error(`Unsupported attribute value with keys ${this.text(typeStart, typeEnd)}`);
    this.expect(CLOSE_BRACE);
  }

  /** L (kind 0) holds attribute values; SS, BS (kind S, B) string literals; NS (kind N) numbers. */
  private list(kind: number): void {
    this.expect(OPEN_BRACKET);
    this.dst[this.len++] = OPEN_BRACKET;
    if (!this.tryConsume(CLOSE_BRACKET)) {
      let first = true;
      do {
        if (!first) this.dst[this.len++] = COMMA;
        first = false;
        this.skipWhitespace();
        if (kind === 0) this.value();
        else if (kind === LETTER_N) this.number();
        else this.string();
      } while (this.tryConsume(COMMA));
      this.expect(CLOSE_BRACKET);
    }
    this.dst[this.len++] = CLOSE_BRACKET;
  }

  /**
   * Copies the string literal at the cursor as JSON.stringify would write its value; returns whether it was copied
   * as it stands. Without escapes it is already that: raw text holds no quote, backslash or control character, and
   * UTF-8 holds no lone surrogate. Escapes are written in more than one way (\u00e9 or é, \/ or /), so those
   * literals are decoded and written again (never longer than they were).
   */
  private string(): boolean {
    const src = this.src;
    const dst = this.dst;
    const start = this.pos;
    if (src[start] !== QUOTE) throw this.syntaxError('a string');
    let i = start + 1;
    let o = this.len;
    dst[o++] = QUOTE;
    for (;;) {
      if (i >= this.end) throw this.syntaxError('the end of a string');
      const c = src[i] as number;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) {
        this.pos = this.literalEnd(start);
        this.writeString(JSON.stringify(JSON.parse(this.text(start, this.pos)) as string));
        return false;
      }
      dst[o++] = c;
      i++;
    }
    dst[o++] = QUOTE;
    this.len = o;
    this.pos = i + 1;
    return true;
  }

  /** An N value (a string literal on the wire) → JSON number text, every digit kept. */
  private number(): void {
    const src = this.src;
    const start = this.pos;
    if (src[start] !== QUOTE) throw this.syntaxError('a string');
    let i = start + 1;
    // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, which DynamoDB's own form nearly always is.
    if (src[i] === MINUS) i++;
    let valid = false;
    if (src[i] === DIGIT_0) {
      i++;
      valid = true;
    } else if (isDigit(src[i])) {
      while (isDigit(src[i])) i++;
      valid = true;
    }
    if (valid && src[i] === DOT) {
      i++;
      valid = isDigit(src[i]);
      while (isDigit(src[i])) i++;
    }
    if (valid && (src[i] === LOWER_E || src[i] === UPPER_E)) {
      i++;
      if (src[i] === PLUS || src[i] === MINUS) i++;
      valid = isDigit(src[i]);
      while (isDigit(src[i])) i++;
    }
    if (valid && src[i] === QUOTE) {
      const dst = this.dst;
      let o = this.len;
      for (let j = start + 1; j < i; j++) dst[o++] = src[j] as number;
      this.len = o;
      this.pos = i + 1;
      return;
    }
    this.pos = this.literalEnd(start);
    this.writeString(numberToJson(JSON.parse(this.text(start, this.pos)) as string));
  }

  /** BOOL: true or false as they stand; NULL: always null. */
  private word(isBool: boolean): void {
    const src = this.src;
    const start = this.pos;
    while (this.pos < this.end && (src[this.pos] as number) >= 0x61 && (src[this.pos] as number) <= 0x7a) this.pos++;
    const text = isBool ? (this.pos - start === 4 && this.isWord(start, 'true') ? 'true' : 'false') : 'null';
    const dst = this.dst;
    for (let j = 0; j < text.length; j++) dst[this.len++] = text.charCodeAt(j);
  }

  /** Property names JavaScript orders numerically: canonical integers below 2^32 - 1. */
  private isArrayIndex(start: number, end: number): boolean {
    const src = this.src;
    const length = end - start;
    if (length === 0 || length > 10 || !isDigit(src[start]) || (src[start] === DIGIT_0 && length > 1)) return false;
    for (let j = start + 1; j < end; j++) if (!isDigit(src[j])) return false;
    return length < 10 || Number(this.text(start, end)) < 4294967295;
  }

  private nameIs(start: number, end: number, plain: boolean, bytes: Buffer, name: string): boolean {
    if (!plain) return (JSON.parse(this.text(start, end)) as string) === name;
    return this.bytesEqual(start + 1, end - 1, bytes);
  }

  private isOmitted(start: number, end: number, plain: boolean): boolean {
    if (!plain) return (this.omit as ReadonlySet<string>).has(JSON.parse(this.text(start, end)) as string);
    for (const bytes of this.omitBytes as Buffer[]) if (this.bytesEqual(start + 1, end - 1, bytes)) return true;
    return false;
  }

  private bytesEqual(start: number, end: number, bytes: Buffer): boolean {
    if (end - start !== bytes.length) return false;
    const src = this.src;
    for (let j = 0; j < bytes.length; j++) if (src[start + j] !== bytes[j]) return false;
    return true;
  }

  private isWord(start: number, word: string): boolean {
    for (let j = 0; j < word.length; j++) if (this.src[start + j] !== word.charCodeAt(j)) return false;
    return true;
  }

  /** A member name of the response object. */
  private readKey(): string {
    this.skipWhitespace();
    const start = this.pos;
    this.pos = this.literalEnd(start);
    return JSON.parse(this.text(start, this.pos)) as string;
  }

  /** Index just past the string literal starting at `start` (its opening quote). */
  private literalEnd(start: number): number {
    const src = this.src;
    if (src[start] !== QUOTE) throw this.syntaxError('a string');
    for (let j = start + 1; j < this.end; j++) {
      const c = src[j];
      if (c === BACKSLASH) j++;
      else if (c === QUOTE) return j + 1;
    }
    throw this.syntaxError('the end of a string');
  }

  /** Moves past one JSON value of any kind (the response members other than Items). */
  private skipValue(): void {
    const src = this.src;
    const c = src[this.pos];
    if (c === QUOTE) {
      this.pos = this.literalEnd(this.pos);
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      let depth = 0;
      do {
        if (this.pos >= this.end) throw this.syntaxError('the end of a value');
        const d = src[this.pos];
        if (d === QUOTE) {
          this.pos = this.literalEnd(this.pos);
          continue;
        }
        if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
        else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) depth--;
        this.pos++;
      } while (depth > 0);
      return;
    }
    // A number or a literal word.
    while (this.pos < this.end && !isDelimiter(src[this.pos] as number)) this.pos++;
  }

  /** Appends text (ASCII or not) at the output position. */
  private writeString(text: string): void {
    this.ensure(Buffer.byteLength(text, 'utf8'));
    this.len += this.dst.write(text, this.len, 'utf8');
  }

  /** Room for `bytes` more output. */
  private ensure(bytes: number): void {
    if (this.len + bytes <= this.dst.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.dst.length * 2, this.len + bytes));
    this.dst.copy(bigger, 0, 0, this.len);
    this.dst = bigger;
  }

  private text(start: number, end: number): string {
    return this.srcBuffer.toString('utf8', start, end);
  }

  private skipWhitespace(): void {
    const src = this.src;
    for (;;) {
      const c = src[this.pos];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else return;
    }
  }

  private tryConsume(byte: number): boolean {
    this.skipWhitespace();
    if (this.src[this.pos] !== byte) return false;
    this.pos++;
    return true;
  }

  private expect(byte: number): void {
    if (!this.tryConsume(byte)) throw this.syntaxError(`'${String.fromCharCode(byte)}'`);
  }

  private syntaxError(wanted: string): Error {
    const found = this.text(this.pos, Math.min(this.end, this.pos + 20));
    return new Error(`Unexpected text in a Scan response at offset ${this.pos}: expected ${wanted}, found ${JSON.stringify(found)}`);
  }
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= DIGIT_0 && c <= DIGIT_9;

/** The same test on a decoded name (one written with escapes). */
function isArrayIndexName(name: string): boolean {
  return /^(?:0|[1-9][0-9]{0,9})$/.test(name) && Number(name) < 4294967295;
}

const isDelimiter = (c: number): boolean => c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function cursorOf(value: unknown): CursorWireValue | undefined {
  const v = value as { S?: unknown; N?: unknown } | undefined;
  if (typeof v?.S === 'string') return { S: v.S };
  if (typeof v?.N === 'string') return { N: v.N };
  return undefined;
}
