// DynamoDB's wire JSON bytes → record text, in one pass over the bytes, without building items as objects or
// strings first. It serves every source: Scan and Query pages (itemsPage.ts), GetRecords pages (streamRecordsPage.ts)
// and export data lines (exportLines.ts); those modules only find the items in their framing.
//
// The wire JSON already holds every value as JSON text: a string literal without escapes is exactly what
// JSON.stringify would write, a number needs only checking, base64 is copied. So each record is written into one
// output buffer by copying bytes and dropping the type wrappers ({"S":…}); a page's buffer is decoded at the end, a
// run of records at a time, and split into records. String literals with escapes and numbers JSON does not allow as
// written ("+1", ".5") are rewritten through JSON.parse/JSON.stringify or numberToJson for that one value.
//
// Attribute names are data and never key a JavaScript object here. The member order is what the record text has
// always had (it used to go through JavaScript objects): integer-like names first, ascending, then the others in
// wire order. A map holding an integer-like name has its written members reordered in the output bytes; a delete's
// `OldImage` and `Keys` are merged there too, as `{...OldImage, ...Keys}` would (a key's value replaces the old
// image's in place, keys the old image lacks come after).
import { numberToJson } from './number.js';

export type CursorWireValue = { S: string } | { N: string };

/** How one item becomes one record. */
export interface ItemFraming {
  /** JSON members appended to the record, starting with a comma ("" for none); a Buffer when used for many records. */
  suffix: Buffer | string;
  /** Top-level attributes left out. */
  omit?: OmittedNames | undefined;
  /** A top-level attribute whose S or N value is wanted (see WireTranscoder.cursor). */
  cursorField?: Buffer | undefined;
}

/** Top-level names left out, as the set and as their UTF-8 bytes (compared without decoding plain names). */
export interface OmittedNames {
  names: ReadonlySet<string>;
  bytes: readonly Buffer[];
}

/** Names (or texts) an envelope reader looks for, as strings and as their UTF-8 bytes (see memberIn). */
export class MemberNames {
  readonly bytes: readonly Buffer[];
  constructor(readonly texts: readonly string[]) {
    this.bytes = texts.map((text) => Buffer.from(text, 'utf8'));
  }
}

const omittedCache = new WeakMap<ReadonlySet<string>, OmittedNames>();

export function omittedNames(omit: ReadonlySet<string> | undefined): OmittedNames | undefined {
  if (omit === undefined || omit.size === 0) return undefined;
  let names = omittedCache.get(omit);
  if (names === undefined) {
    names = { names: omit, bytes: [...omit].map((name) => Buffer.from(name, 'utf8')) };
    omittedCache.set(omit, names);
  }
  return names;
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

/** JSON's whitespace bytes, as a table (1 where whitespace) so that the value path tests a byte without a call. */
const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x0a, 0x0d, 0x09]) SPACE[c] = 1;

/** A JSON number literal, whole. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Bad wire JSON; `what` names the framing in the message. */
export class WireSyntaxError extends Error {}

/** One member of a written map: its byte range in the output, where its value starts, and its array index (or -1). */
interface Member {
  start: number;
  valueStart: number;
  end: number;
  index: number;
}

export class WireTranscoder {
  readonly src: Uint8Array;
  /** The same bytes, for decoding slices of them. */
  private readonly srcBuffer: Buffer;
  /** Where the input ends for the framing at hand (an export line ends before its newline). */
  end: number;
  pos: number;
  private dst: Buffer;
  private len = 0;
  private records = 0;
  /** The cursor value found by the last item written with framing.cursorField. */
  cursor: CursorWireValue | undefined;
  /** The last number numberValue converted, by its range in the input. */
  private lastNumber: { start: number; end: number; value: number } | undefined;
  private readonly what: string;

  constructor(src: Uint8Array, what: string, start = 0, end = src.length) {
    this.src = src;
    this.srcBuffer = Buffer.from(src.buffer, src.byteOffset, src.length);
    this.pos = start;
    this.end = end;
    this.what = what;
    // Output never outgrows the input it came from, except by the suffixes (room is made per item; a value
    // rewritten by JSON.stringify or numberToJson is never longer than its literal, and checks anyway).
    this.dst = Buffer.allocUnsafe(end - start + 64);
  }

  // ---- records

  /** Writes the item (a wire map) at the cursor as one record; `end` bounds it (the output is never longer). */
  item(framing: ItemFraming, end = this.end): void {
    this.skipWhitespace();
    this.ensure(end - this.pos + 8);
    this.cursor = undefined;
    this.map(framing);
    this.endRecord(framing.suffix);
  }

  /**
   * Writes the item at the cursor as a record whose end (its suffix) is written later by endRecord, once what
   * follows the item in its framing is known; returns where the record starts, for discardFrom.
   */
  openItem(framing: ItemFraming, end = this.end): number {
    this.skipWhitespace();
    const start = this.len;
    this.ensure(end - this.pos + 8);
    this.map(framing);
    return start;
  }

  /** Drops the output written since `start` (a record begun with openItem that is not wanted after all). */
  discardFrom(start: number): void {
    this.len = start;
  }

  /** The output written so far, in bytes: a record's end after endRecord. */
  get outputLength(): number {
    return this.len;
  }

  /** The records written, up to the one ending at `end` (an outputLength taken after its endRecord). */
  takeRecordsUpTo(end: number): string[] {
    const records = end === 0 ? [] : decodeRecords(this.dst, end - 1);
    this.len = 0;
    this.records = 0;
    return records;
  }

  /**
   * Writes `{...oldImage, ...keys}` as one record: the wire maps in those ranges of the input (start -1 where
   * absent). Leaves the cursor where it was.
   */
  mergedItem(oldImage: readonly [number, number], keys: readonly [number, number], framing: ItemFraming): void {
    const saved = this.pos;
    const oldImageAt = oldImage[0];
    const keysAt = keys[0];
    this.ensure((oldImageAt >= 0 ? oldImage[1] - oldImageAt : 0) + (keysAt >= 0 ? keys[1] - keysAt : 0) + 8);
    const open = this.len;
    this.dst[this.len++] = OPEN_BRACE;
    const members: Member[] = [];
    if (oldImageAt >= 0) {
      this.pos = oldImageAt;
      this.mapBody(framing, members);
    }
    if (keysAt >= 0) {
      const keys: Member[] = [];
      this.pos = keysAt;
      if (members.length > 0) this.dst[this.len++] = COMMA;
      this.mapBody(framing, keys);
      for (const key of keys) {
        const same = members.findIndex((m) => this.sameName(m, key));
        if (same < 0) members.push(key);
        else members[same] = key;
      }
    }
    this.rewriteMembers(open + 1, orderedMembers(members));
    this.dst[this.len++] = CLOSE_BRACE;
    this.endRecord(framing.suffix);
    this.pos = saved;
  }

  /** The records written so far. */
  takeRecords(): string[] {
    if (this.records === 0) return [];
    const records = decodeRecords(this.dst, this.len - 1);
    this.len = 0;
    this.records = 0;
    return records;
  }

  /** Appends the suffix inside the record's closing brace, and the record separator. */
  endRecord(suffix: Buffer | string): void {
    if (suffix.length > 0) {
      // The suffix starts with a comma, which an empty record does without.
      const close = this.len - 1;
      const from = this.dst[close - 1] === OPEN_BRACE ? 1 : 0;
      if (typeof suffix === 'string') {
        // A UTF-8 byte per UTF-16 unit at most 3; written in place rather than encoded into a Buffer first.
        this.ensure(suffix.length * 3 + 2);
        this.len = close + this.dst.write(from === 0 ? suffix : suffix.slice(1), close, 'utf8');
      } else {
        this.ensure(suffix.length + 2);
        if (from === 0) this.dst.set(suffix, close);
        else suffix.copy(this.dst, close, from);
        this.len = close + suffix.length - from;
      }
      this.dst[this.len++] = CLOSE_BRACE;
    }
    this.dst[this.len++] = NEWLINE;
    this.records++;
  }

  // ---- values

  /** `{"name":{"T":…},…}` → `{"name":…,…}`; a top-level map (with framing) also omits and finds the cursor. */
  private map(framing?: ItemFraming): void {
    const open = this.len;
    this.dst[this.len++] = OPEN_BRACE;
    if (this.mapBody(framing, undefined)) this.rewriteMembers(open + 1, orderedMembers(this.membersOf(open + 1, this.len)));
    this.dst[this.len++] = CLOSE_BRACE;
  }

  // The value path below runs once per attribute, so it never calls the small helpers (expect, tryConsume,
  // skipWhitespace) where the input is as DynamoDB writes it: without whitespace, each punctuation byte is tested
  // in place, and the helpers only run (to skip whitespace, or to throw) when that test fails. Whether V8 inlines a
  // helper then no longer decides the speed of a read.

  /**
   * The members of the wire map at the cursor, written (without braces) at the output position. Returns whether one
   * has an integer-like name. With `collect`, the written members are listed there (their index computed).
   */
  private mapBody(framing: ItemFraming | undefined, collect: Member[] | undefined): boolean {
    const src = this.src;
    if (src[this.pos] === OPEN_BRACE) this.pos++;
    else this.expect(OPEN_BRACE);
    let members = 0;
    let hasIndex = false;
    if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
    if (src[this.pos] === CLOSE_BRACE) {
      this.pos++;
      return false;
    }
    for (;;) {
      if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
      const nameStart = this.pos;
      const outBefore = this.len;
      if (members > 0) this.dst[this.len++] = COMMA;
      const memberStart = this.len;
      const plainName = this.string();
      const nameEnd = this.pos;
      const index = plainName ? this.arrayIndex(nameStart + 1, nameEnd - 1) : arrayIndexOfName(JSON.parse(this.text(nameStart, nameEnd)) as string);
      if (index >= 0) hasIndex = true;
      if (src[this.pos] === COLON) this.pos++;
      else this.expect(COLON);
      this.dst[this.len++] = COLON;
      const valueStart = this.len;
      if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
      const wireValueStart = this.pos;
      this.value();
      let kept = true;
      if (framing !== undefined) {
        if (framing.cursorField !== undefined && this.nameIs(nameStart, nameEnd, plainName, framing.cursorField)) {
          this.cursor = cursorOf(JSON.parse(this.text(wireValueStart, this.pos)) as unknown);
        }
        if (framing.omit !== undefined && this.isOmitted(nameStart, nameEnd, plainName, framing.omit)) {
          this.len = outBefore;
          kept = false;
        }
      }
      if (kept) {
        collect?.push({ start: memberStart, valueStart, end: this.len, index });
        members++;
      }
      const next = src[this.pos];
      if (next === COMMA) this.pos++;
      else if (next === CLOSE_BRACE) {
        this.pos++;
        return hasIndex;
      } else if (!this.tryConsume(COMMA)) {
        this.expect(CLOSE_BRACE);
        return hasIndex;
      }
    }
  }

  /** One attribute value `{"T":payload}` → its JSON text. */
  private value(): void {
    const src = this.src;
    if (src[this.pos] === OPEN_BRACE) this.pos++;
    else this.expect(OPEN_BRACE);
    if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
    const typeStart = this.pos + 1;
    if (src[this.pos] !== QUOTE) throw this.syntaxError('a string');
    let typeEnd = typeStart;
    const end = this.end;
    while (typeEnd < end && src[typeEnd] !== QUOTE) typeEnd++;
    const typeLength = typeEnd - typeStart;
    const first = src[typeStart];
    const second = typeLength === 2 ? src[typeStart + 1] : 0;
    this.pos = typeEnd + 1;
    if (src[this.pos] === COLON) this.pos++;
    else this.expect(COLON);
    if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
    if (typeLength === 1 && first === LETTER_S) this.string();
    else if (typeLength === 1 && first === LETTER_N) this.number();
    else if (typeLength === 1 && first === LETTER_B) this.string(); // base64 has no character JSON escapes
    else if (typeLength === 1 && first === LETTER_M) this.map();
    else if (typeLength === 1 && first === LETTER_L) this.list(0);
    else if (typeLength === 2 && second === LETTER_S && (first === LETTER_S || first === LETTER_N || first === LETTER_B)) this.list(first);
    else if (typeLength === 4 && this.isWord(typeStart, 'BOOL')) this.word(true);
    else if (typeLength === 4 && this.isWord(typeStart, 'NULL')) this.word(false);
    else throw new Error(`Unsupported attribute value with keys ${this.text(typeStart, typeEnd)}`);
    if (src[this.pos] === CLOSE_BRACE) this.pos++;
    else this.expect(CLOSE_BRACE);
  }

  /** L (kind 0) holds attribute values; SS, BS (kind S, B) string literals; NS (kind N) numbers. */
  private list(kind: number): void {
    const src = this.src;
    if (src[this.pos] === OPEN_BRACKET) this.pos++;
    else this.expect(OPEN_BRACKET);
    this.dst[this.len++] = OPEN_BRACKET;
    if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
    if (src[this.pos] === CLOSE_BRACKET) this.pos++;
    else {
      let first = true;
      for (;;) {
        if (!first) this.dst[this.len++] = COMMA;
        first = false;
        if (SPACE[src[this.pos] as number] === 1) this.skipWhitespace();
        if (kind === 0) this.value();
        else if (kind === LETTER_N) this.number();
        else this.string();
        const next = src[this.pos];
        if (next === COMMA) this.pos++;
        else if (next === CLOSE_BRACKET) {
          this.pos++;
          break;
        } else if (!this.tryConsume(COMMA)) {
          this.expect(CLOSE_BRACKET);
          break;
        }
      }
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
    const end = this.end;
    let i = start + 1;
    let o = this.len;
    dst[o++] = QUOTE;
    for (;;) {
      if (i >= end) throw this.syntaxError('the end of a string');
      const c = src[i] as number;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) {
        this.pos = this.literalEnd(start);
        this.writeString(JSON.stringify(this.parseLiteral(start, this.pos) as string));
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
    const literal = this.parseLiteral(start, this.pos);
    if (typeof literal !== 'string') throw this.syntaxError('a number in a string');
    this.writeString(numberToJson(literal));
  }

  /** BOOL: true or false as they stand; NULL: always null. */
  private word(isBool: boolean): void {
    const src = this.src;
    const start = this.pos;
    const end = this.end;
    let i = start;
    while (i < end && (src[i] as number) >= 0x61 && (src[i] as number) <= 0x7a) i++;
    this.pos = i;
    const text = isBool ? (i - start === 4 && this.isWord(start, 'true') ? 'true' : 'false') : 'null';
    const dst = this.dst;
    let o = this.len;
    for (let j = 0; j < text.length; j++) dst[o++] = text.charCodeAt(j);
    this.len = o;
  }

  // ---- member order

  /** Splits written members (compact JSON between `from` and `to`) into their ranges. */
  private membersOf(from: number, to: number): Member[] {
    const dst = this.dst;
    const members: Member[] = [];
    let i = from;
    while (i < to) {
      const start = i;
      // The output is compact JSON that this module wrote: valueEndAt never fails on it.
      const nameEnd = valueEndAt(dst, i, to);
      const valueStart = nameEnd + 1;
      const end = valueEndAt(dst, valueStart, to);
      members.push({ start, valueStart, end, index: outputArrayIndex(dst, start, nameEnd) });
      i = end + 1; // past the comma
    }
    return members;
  }

  /** Writes `members` (ranges of the output past `from`) at `from`, comma-separated; the output ends after them. */
  private rewriteMembers(from: number, members: readonly Member[]): void {
    let total = 0;
    for (const m of members) total += m.end - m.start;
    const copy = Buffer.allocUnsafe(total + members.length);
    let o = 0;
    for (const m of members) {
      if (o > 0) copy[o++] = COMMA;
      o += this.dst.copy(copy, o, m.start, m.end);
    }
    this.ensure(o);
    copy.copy(this.dst, from, 0, o);
    this.len = from + o;
  }

  private sameName(a: Member, b: Member): boolean {
    const length = a.valueStart - a.start;
    if (b.valueStart - b.start !== length) return false;
    return this.dst.compare(this.dst, b.start, b.valueStart, a.start, a.valueStart) === 0;
  }

  // ---- names

  /** The array index a plain name stands for (canonical integers below 2^32 - 1), or -1. */
  private arrayIndex(start: number, end: number): number {
    const src = this.src;
    const length = end - start;
    if (length === 0 || length > 10 || !isDigit(src[start]) || (src[start] === DIGIT_0 && length > 1)) return -1;
    let value = (src[start] as number) - DIGIT_0;
    for (let j = start + 1; j < end; j++) {
      const c = src[j] as number;
      if (!isDigit(c)) return -1;
      value = value * 10 + (c - DIGIT_0);
    }
    return value < 4294967295 ? value : -1;
  }

  private nameIs(start: number, end: number, plain: boolean, bytes: Buffer): boolean {
    if (!plain) return Buffer.from(JSON.parse(this.text(start, end)) as string, 'utf8').equals(bytes);
    return this.bytesEqual(start + 1, end - 1, bytes);
  }

  private isOmitted(start: number, end: number, plain: boolean, omit: OmittedNames): boolean {
    if (!plain) return omit.names.has(JSON.parse(this.text(start, end)) as string);
    for (const bytes of omit.bytes) if (this.bytesEqual(start + 1, end - 1, bytes)) return true;
    return false;
  }

  bytesEqual(start: number, end: number, bytes: Buffer): boolean {
    if (end - start !== bytes.length) return false;
    const src = this.src;
    for (let j = 0; j < bytes.length; j++) if (src[start + j] !== bytes[j]) return false;
    return true;
  }

  private isWord(start: number, word: string): boolean {
    for (let j = 0; j < word.length; j++) if (this.src[start + j] !== word.charCodeAt(j)) return false;
    return true;
  }

  // ---- framing helpers (the envelope around items: response members, record metadata, export lines)

  /** An envelope object `{"name":value,…}`: `member` is called with each name, positioned at its value, and must
   *  consume that value. */
  members(member: (name: string) => void): void {
    this.expect(OPEN_BRACE);
    if (this.tryConsume(CLOSE_BRACE)) return;
    do {
      const name = this.readKey();
      this.expect(COLON);
      member(name);
    } while (this.tryConsume(COMMA));
    this.expect(CLOSE_BRACE);
  }

  /** An envelope array `[element,…]`: `element` is called at each element and must consume it. */
  elements(element: () => void): void {
    this.expect(OPEN_BRACKET);
    if (this.tryConsume(CLOSE_BRACKET)) return;
    do element();
    while (this.tryConsume(COMMA));
    this.expect(CLOSE_BRACKET);
  }

  /** A member name of an envelope object, decoded. */
  readKey(): string {
    this.skipWhitespace();
    const start = this.pos;
    this.pos = this.literalEnd(start);
    return this.parseLiteral(start, this.pos) as string;
  }

  /**
   * The member name at the cursor, looked up in `names`: its index there, or -1 for any other name. Moves past the
   * name and its colon either way, so the caller is at the value. The name is compared as bytes (memberNameIndex);
   * one written with escapes (never seen from AWS) is decoded and looked up by its value.
   */
  memberIn(names: MemberNames): number {
    this.skipWhitespace();
    const start = this.pos;
    if (this.src[start] !== QUOTE) throw this.syntaxError('a member name');
    const end = this.literalEnd(start);
    this.pos = end;
    const found = memberNameIndex(this.src, start, end, names);
    this.expect(COLON);
    return found;
  }

  /** Whether the member name at the cursor is exactly `word` (ASCII, no escapes); moves past it when it is. */
  keyIs(word: string): boolean {
    this.skipWhitespace();
    const start = this.pos;
    if (this.src[start] !== QUOTE || this.src[start + word.length + 1] !== QUOTE || !this.isWord(start + 1, word)) return false;
    this.pos = start + word.length + 2;
    return true;
  }

  /** The envelope value at the cursor, parsed (small values: counts, keys, strings). */
  parseValue(): unknown {
    this.skipWhitespace();
    const start = this.pos;
    this.skipValue();
    return this.parseLiteral(start, this.pos);
  }

  /** The number value at the cursor (undefined, and skipped, when it is not a number): converted without JSON.parse
   *  when the literal is a plain JSON number, which Number() reads exactly as JSON.parse does. A literal written
   *  exactly as the one before it (the records of a page share a few creation times) is not converted again. */
  numberValue(): number | undefined {
    this.skipWhitespace();
    const start = this.pos;
    this.skipValue();
    const last = this.lastNumber;
    if (last !== undefined && this.pos - start === last.end - last.start && this.sameBytes(start, last.start, this.pos - start)) {
      return last.value;
    }
    const value = this.convertNumber(start);
    if (value !== undefined) this.lastNumber = { start, end: this.pos, value };
    return value;
  }

  private sameBytes(a: number, b: number, length: number): boolean {
    const src = this.src;
    for (let j = 0; j < length; j++) if (src[a + j] !== src[b + j]) return false;
    return true;
  }

  private convertNumber(start: number): number | undefined {
    const c = this.src[start];
    if (c !== MINUS && (c === undefined || c < DIGIT_0 || c > DIGIT_9)) {
      const value = this.parseLiteral(start, this.pos);
      return typeof value === 'number' ? value : undefined;
    }
    const literal = this.srcBuffer.toString('latin1', start, this.pos);
    return JSON_NUMBER.test(literal) ? Number(literal) : (this.parseLiteral(start, this.pos) as number);
  }

  /** The string value at the cursor (undefined, and skipped, when it is not a string): decoded without JSON.parse
   *  when it holds no escape, and as Latin-1 (the fastest decode, exact for ASCII) when it is ASCII. With `known`,
   *  a value equal to one of those texts is returned as that very string, without decoding. */
  stringValue(known?: MemberNames): string | undefined {
    this.skipWhitespace();
    const src = this.src;
    const start = this.pos;
    if (src[start] !== QUOTE) {
      this.skipValue();
      return undefined;
    }
    const end = this.literalEnd(start);
    this.pos = end;
    let ascii = true;
    for (let j = start + 1; j < end - 1; j++) {
      const c = src[j] as number;
      if (c === BACKSLASH) return this.parseLiteral(start, end) as string;
      if (c >= 0x80) ascii = false;
    }
    if (!ascii) return this.text(start + 1, end - 1);
    if (known !== undefined) {
      for (let k = 0; k < known.bytes.length; k++) if (this.bytesEqual(start + 1, end - 1, known.bytes[k] as Buffer)) return known.texts[k];
    }
    return this.srcBuffer.toString('latin1', start + 1, end - 1);
  }

  /** Moves past one JSON value of any kind; returns where it started. */
  skipValue(): number {
    this.skipWhitespace();
    const start = this.pos;
    const end = valueEndAt(this.src, start, this.end);
    if (end < 0) throw this.syntaxError(start < this.end ? 'a value' : 'the end of a value');
    this.pos = end;
    return start;
  }

  /** Whether the value at the cursor is an object (without moving). */
  atObject(): boolean {
    this.skipWhitespace();
    return this.pos < this.end && this.src[this.pos] === OPEN_BRACE;
  }

  skipWhitespace(): void {
    const src = this.src;
    const end = this.end;
    let i = this.pos;
    while (i < end) {
      const c = src[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  tryConsume(byte: number): boolean {
    this.skipWhitespace();
    const i = this.pos;
    if (i >= this.end || this.src[i] !== byte) return false;
    this.pos = i + 1;
    return true;
  }

  expect(byte: number): void {
    if (!this.tryConsume(byte)) throw this.syntaxError(`'${String.fromCharCode(byte)}'`);
  }

  /** Whether only whitespace is left. */
  atEnd(): boolean {
    this.skipWhitespace();
    return this.pos >= this.end;
  }

  syntaxError(wanted: string): WireSyntaxError {
    const found = this.text(this.pos, Math.min(this.end, this.pos + 20));
    return new WireSyntaxError(`Unexpected text in ${this.what} at offset ${this.pos}: expected ${wanted}, found ${JSON.stringify(found)}`);
  }

  // ---- low level

  /** Index just past the string literal starting at `start` (its opening quote). */
  private literalEnd(start: number): number {
    if (this.src[start] !== QUOTE) throw this.syntaxError('a string');
    const end = literalEndAt(this.src, start, this.end);
    if (end < 0) throw this.syntaxError('the end of a string');
    return end;
  }


  private parseLiteral(start: number, end: number): unknown {
    try {
      return JSON.parse(this.text(start, end)) as unknown;
    } catch {
      const at = this.pos;
      this.pos = start;
      const err = this.syntaxError('a JSON value');
      this.pos = at;
      throw err;
    }
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

  text(start: number, end: number): string {
    return this.srcBuffer.toString('utf8', start, end);
  }
}

/**
 * The records in `out` up to `end` (the last one's newline), decoded a run of whole records at a time and split at
 * their newlines: JSON text holds no raw newline, so the split is exact. Runs of about DECODED_RUN bytes keep each
 * decoded string in V8's young generation, where it is allocated and collected cheaply; the text of a whole page
 * (a megabyte) would be a large object, three times as slow to make.
 */
function decodeRecords(out: Buffer, end: number): string[] {
  if (end <= DECODED_RUN) return out.toString('utf8', 0, end).split('\n');
  const records: string[] = [];
  for (let from = 0; from < end; ) {
    let to = from + DECODED_RUN >= end ? end : out.indexOf(NEWLINE, from + DECODED_RUN);
    if (to < 0 || to > end) to = end;
    for (const record of out.toString('utf8', from, to).split('\n')) records.push(record);
    from = to + 1;
  }
  return records;
}

const DECODED_RUN = 32 * 1024;

// ---- pure scanning helpers over wire bytes, for envelope readers that keep their position in a local (the
// transcoder's own skipValue uses them too); each returns an index, or -1 where the input ends first.

/** Index just past the string literal whose opening quote is at `start`. */
export function literalEndAt(src: Uint8Array, start: number, end: number): number {
  for (let j = start + 1; j < end; j++) {
    const c = src[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `start` (no whitespace before it); `start` itself when none is. */
export function valueEndAt(src: Uint8Array, start: number, end: number): number {
  const c = src[start];
  if (c === QUOTE) return literalEndAt(src, start, end);
  let i = start;
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    do {
      if (i >= end) return -1;
      const d = src[i];
      if (d === QUOTE) {
        i = literalEndAt(src, i, end);
        if (i < 0) return -1;
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) depth--;
      i++;
    } while (depth > 0);
    return i;
  }
  // A number or a literal word.
  while (i < end && !isDelimiter(src[i] as number)) i++;
  return i === start ? -1 : i;
}

/** Index of the first byte at or after `i` that is not JSON whitespace. */
export function whitespaceEnd(src: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = src[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/**
 * Which of `names` the member name between `start` (its opening quote) and `end` (just past its closing quote)
 * is; -1 for any other. A name written with escapes (never seen from AWS) is decoded and looked up by its value.
 */
export function memberNameIndex(src: Uint8Array, start: number, end: number, names: MemberNames): number {
  const length = end - start - 2;
  const candidates = names.bytes;
  for (let k = 0; k < candidates.length; k++) {
    const bytes = candidates[k] as Buffer;
    if (bytes.length !== length) continue;
    let same = true;
    for (let j = 0; j < length; j++) {
      if (src[start + 1 + j] !== bytes[j]) {
        same = false;
        break;
      }
    }
    if (same) return k;
  }
  for (let j = start + 1; j < end - 1; j++) {
    if (src[j] === BACKSLASH) return names.texts.indexOf(JSON.parse(Buffer.from(src.buffer, src.byteOffset + start, length + 2).toString('utf8')) as string);
  }
  return -1;
}

/**
 * Integer-like names first, ascending, then the others as they came: the order of a JavaScript object's keys. Also
 * used by readers of other formats (Amazon Ion exports) so that their records have the same member order.
 */
export function orderedMembers<T extends { readonly index: number }>(members: T[]): T[] {
  if (!members.some((m) => m.index >= 0)) return members;
  const indexed = members.filter((m) => m.index >= 0).sort((a, b) => a.index - b.index);
  return [...indexed, ...members.filter((m) => m.index < 0)];
}

/** The array index a written name (a JSON string literal at [start, end)) stands for, or -1. */
function outputArrayIndex(buf: Buffer, start: number, end: number): number {
  const length = end - start - 2;
  if (length < 1 || length > 10) return -1;
  const first = buf[start + 1] as number;
  if (!isDigit(first) || (first === DIGIT_0 && length > 1)) return -1;
  let value = 0;
  for (let j = start + 1; j < end - 1; j++) {
    const c = buf[j] as number;
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - DIGIT_0);
  }
  return value < 4294967295 ? value : -1;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= DIGIT_0 && c <= DIGIT_9;

/** The same test on a decoded name (one written with escapes). */
export function arrayIndexOfName(name: string): number {
  if (!/^(?:0|[1-9][0-9]{0,9})$/.test(name)) return -1;
  const value = Number(name);
  return value < 4294967295 ? value : -1;
}

const isDelimiter = (c: number): boolean => c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function cursorOf(value: unknown): CursorWireValue | undefined {
  const v = value as { S?: unknown; N?: unknown } | undefined;
  if (typeof v?.S === 'string') return { S: v.S };
  if (typeof v?.N === 'string') return { N: v.N };
  return undefined;
}

export const WIRE = { OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, COLON, NEWLINE, QUOTE } as const;
