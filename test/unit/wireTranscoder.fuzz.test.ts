// Differential fuzz test of the one wire transcoder, in all three framings (Scan/Query pages, GetRecords responses,
// export data files): random items with awkward names and values, each record compared with a reference that parses
// the wire JSON into objects (JSON.parse keeps `__proto__` as an own member) and writes them member by member.
import { describe, expect, it } from 'vitest';
import { itemsResponseToRecords } from '../../src/convert/itemsPage.js';
import { getRecordsResponse, type ChangeMeta } from '../../src/convert/streamRecordsPage.js';
import { jsonDataFileFormat } from '../../src/export/jsonDataFile.js';
import { wireItemToJson, type WireItem } from '../support/wireReference.js';

/** A small seeded PRNG (mulberry32): every run tries the same cases, and a failure names its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '01', '1', '7', '42', '4294967294', '4294967295', '-1', '1.5', 'a"b', 'back\\slash', 'new\nline', 'tab\there', 'é', 'ключ', '😀', '\u2028', '', ' ', 'pk', 'sk', 'v'];
const STRINGS = ['', 'plain', 'quote"d', 'back\\', 'line\nbreak', '\u0000\u001f', 'é', '\ud83d\ude00', '</script>', '\u2028\u2029', '/slash'];
const NUMBERS = ['0', '-0', '1', '+1', '.5', '5.', '1E+2', '1e-7', '007', '-12.50', '12345678901234567890123456789012345678', '-0.000000000000000000000000000000000000001', '9.9999999999999999999999999999999999999E+125'];

type Wire = { t: string; v: unknown };
type Entries = [string, Wire][];

function gen(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const name = (): string => (rand() < 0.8 ? pick(NAMES) : `n${Math.floor(rand() * 1000)}`);
  const value = (depth: number): Wire => {
    const r = rand();
    if (r < 0.2) return { t: 'S', v: pick(STRINGS) };
    if (r < 0.35) return { t: 'N', v: pick(NUMBERS) };
    if (r < 0.4) return { t: 'B', v: Buffer.from(pick(STRINGS)).toString('base64') };
    if (r < 0.45) return { t: 'BOOL', v: rand() < 0.5 };
    if (r < 0.5) return { t: 'NULL', v: true };
    if (r < 0.55) return { t: 'SS', v: [pick(STRINGS), pick(STRINGS)] };
    if (r < 0.6) return { t: 'NS', v: [pick(NUMBERS), pick(NUMBERS)] };
    if (r < 0.63) return { t: 'BS', v: [Buffer.from('x').toString('base64')] };
    if (depth > 3 || r < 0.8) return { t: 'S', v: pick(STRINGS) };
    if (r < 0.9) return { t: 'M', v: entries(depth + 1) };
    return { t: 'L', v: Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1)) };
  };
  /** Members with distinct names, as DynamoDB's maps have. */
  const entries = (depth: number): Entries => {
    const out: Entries = [];
    const count = Math.floor(rand() * (depth === 0 ? 9 : 5));
    for (let i = 0; i < count; i++) {
      const n = name();
      if (!out.some(([m]) => m === n)) out.push([n, value(depth)]);
    }
    return out;
  };
  /** A JSON string literal, with some characters written as \u escapes or \/ (the wire may do either). */
  const literal = (text: string): string => {
    if (rand() < 0.7) return JSON.stringify(text);
    let out = '"';
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (rand() < 0.3) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      else if (c === '/' && rand() < 0.5) out += '\\/';
      else out += JSON.stringify(c).slice(1, -1);
    }
    return out + '"';
  };
  const ws = (): string => (rand() < 0.1 ? ' ' : '');
  const wireValue = (w: Wire): string => {
    const payload =
      w.t === 'M'
        ? wireMap(w.v as Entries)
        : w.t === 'L'
          ? `[${(w.v as Wire[]).map(wireValue).join(',')}]`
          : w.t === 'BOOL' || w.t === 'NULL'
            ? String(w.v)
            : Array.isArray(w.v)
              ? `[${(w.v as string[]).map(literal).join(`,${ws()}`)}]`
              : literal(w.v as string);
    return `{${ws()}"${w.t}":${ws()}${payload}}`;
  };
  const wireMap = (e: Entries): string => `{${e.map(([n, v]) => `${ws()}${literal(n)}${ws()}:${wireValue(v)}`).join(',')}}`;
  return { rand, pick, entries, wireMap };
}

/** The reference: parsed with JSON.parse, written member by member. */
const reference = (wire: string, suffix = '', omit?: ReadonlySet<string>) => wireItemToJson(JSON.parse(wire) as WireItem, suffix, omit);

async function* chunked(text: string, rand: () => number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(rand() * 300);
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

const ROUNDS = 300;
const OMIT = new Set(['constructor', '7']);

describe('the wire transcoder against the reference conversion', () => {
  it('Scan pages: every record byte for byte, with a suffix, omitted names and a cursor', () => {
    for (let seed = 1; seed <= ROUNDS; seed++) {
      const g = gen(prng(seed));
      const items = Array.from({ length: 1 + Math.floor(g.rand() * 7) }, () => g.wireMap(g.entries(0)));
      const body = `{"Items":[${items.join(',')}],"Count":${items.length},"LastEvaluatedKey":{"pk":{"S":"x"}}}`;
      const suffix = seed % 2 === 0 ? ',"_m":1' : '';
      const omit = seed % 3 === 0 ? OMIT : undefined;
      const page = itemsResponseToRecords(body, { recordSuffix: suffix, omit, cursorField: '__proto__' });
      expect(page.records, `seed ${seed}`).toEqual(items.map((item) => reference(item, suffix, omit)));
      expect(page.cursorValues, `seed ${seed}`).toEqual(
        items.map((item) => {
          const v = Object.getOwnPropertyDescriptor(JSON.parse(item), '__proto__')?.value as { S?: string; N?: string } | undefined;
          return v?.S !== undefined ? { S: v.S } : v?.N !== undefined ? { N: v.N } : undefined;
        }),
      );
      expect(page.rest).toEqual({ Count: items.length, LastEvaluatedKey: { pk: { S: 'x' } } });
    }
  });

  it('GetRecords pages: INSERT and MODIFY rows are the new image, REMOVE rows {...OldImage, ...Keys}', () => {
    for (let seed = 1; seed <= ROUNDS; seed++) {
      const g = gen(prng(seed));
      const changes = Array.from({ length: 1 + Math.floor(g.rand() * 5) }, (_, i) => {
        const image = g.entries(0);
        // Keys: some of the image's members (a few with another value, which must win), and some it lacks.
        const keys = [...image.filter(() => g.rand() < 0.3), ...g.entries(1).slice(0, 2)].filter(([n], j, all) => all.findIndex(([m]) => m === n) === j);
        const eventName = g.pick(['INSERT', 'MODIFY', 'REMOVE'] as const);
        const members = [`"Keys":${g.wireMap(keys)}`, `"SequenceNumber":"${100 + i}"`, `"ApproximateCreationDateTime":1.7e9`, `"SizeBytes":10`];
        if (eventName !== 'REMOVE') members.push(`"NewImage":${g.wireMap(image)}`);
        if (eventName !== 'INSERT' && g.rand() < 0.8) members.push(`"OldImage":${g.wireMap(g.entries(0))}`);
        members.sort(() => g.rand() - 0.5);
        return { eventName, wire: `{"eventID":"e${i}","eventName":"${eventName}","eventSource":"aws:dynamodb","dynamodb":{${members.join(',')}}}` };
      });
      const body = `{"Records":[${changes.map((c) => c.wire).join(',')}],"NextShardIterator":"it-${seed}"}`;
      const omit = seed % 3 === 0 ? OMIT : undefined;
      const page = getRecordsResponse(body, { suffixOf: (c) => `,"_seq":"${c.sequenceNumber}"`, omit });
      expect(page.nextShardIterator).toBe(`it-${seed}`);
      expect(page.changes.map((c) => c.eventName)).toEqual(changes.map((c) => c.eventName));
      const rows = page.records(changes.length);
      const expected = changes.map((c, i) => {
        const parsed = JSON.parse(c.wire) as { dynamodb: { Keys: WireItem; NewImage?: WireItem; OldImage?: WireItem } };
        const d = parsed.dynamodb;
        const item = c.eventName === 'REMOVE' ? { ...(d.OldImage ?? {}), ...d.Keys } : (d.NewImage as WireItem);
        return wireItemToJson(item, `,"_seq":"${100 + i}"`, omit);
      });
      expect(rows, `seed ${seed}`).toEqual(expected);
      // A bounded sync takes the first rows only; a record after them that has no usable image does not matter.
      const taken = Math.floor(g.rand() * (changes.length + 1));
      const broken = body.replace(/,"Records":\[/, ',"Records":[').replace(/\]\s*,\s*"NextShardIterator"/, `,{"eventName":"MODIFY","dynamodb":{"SequenceNumber":"1"}}],"NextShardIterator"`);
      const cut = getRecordsResponse(broken, { suffixOf: (c) => `,"_seq":"${c.sequenceNumber}"`, omit });
      expect(cut.records(taken), `seed ${seed}`).toEqual(expected.slice(0, taken));
    }
    expect(() => getRecordsResponse('{"Records":[{"eventName":"MODIFY","dynamodb":{"SequenceNumber":"1"}}]}', { suffixOf: () => '' }).records(1)).toThrow(/no NewImage/);
  });

  it('GetRecords pages laid out alike, as DynamoDB writes them: each record read as it would be alone', () => {
    // One member order per page (records are then read by the layout learnt from the first), with what varies from
    // record to record in a real stream: the event, which images there are, a TTL delete's userIdentity, now and then
    // another region or stray whitespace (a record laid out otherwise, among the others).
    for (let seed = 1; seed <= ROUNDS; seed++) {
      const g = gen(prng(seed));
      const topOrder = ['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion', 'dynamodb', 'userIdentity'].sort(() => g.rand() - 0.5);
      const innerOrder = ['ApproximateCreationDateTime', 'Keys', 'NewImage', 'OldImage', 'SequenceNumber', 'SizeBytes', 'StreamViewType'].sort(() => g.rand() - 0.5);
      const mixed = g.rand() < 0.5;
      const changes = Array.from({ length: 1 + Math.floor(g.rand() * 40) }, (_, i) => {
        const eventName = mixed ? g.pick(['INSERT', 'MODIFY', 'REMOVE'] as const) : 'INSERT';
        const image = g.entries(0);
        const keys = [...image.filter(() => g.rand() < 0.3), ...g.entries(1).slice(0, 2)].filter(([n], j, all) => all.findIndex(([m]) => m === n) === j);
        const at = g.pick(['1796223900.000', '1.7962239E9', `${1796223900 + i}`]);
        const inner: Record<string, string | undefined> = {
          ApproximateCreationDateTime: at,
          Keys: g.wireMap(keys),
          NewImage: eventName === 'REMOVE' ? undefined : g.wireMap(image),
          OldImage: eventName !== 'INSERT' && g.rand() < 0.8 ? g.wireMap(g.entries(0)) : undefined,
          SequenceNumber: `"${String(5000 + i).padStart(21, '0')}"`,
          SizeBytes: String(Math.floor(g.rand() * 400)),
          StreamViewType: '"NEW_AND_OLD_IMAGES"',
        };
        const space = g.rand() < 0.05 ? ' ' : '';
        const top: Record<string, string | undefined> = {
          eventID: `"${(seed * 1000 + i).toString(16).padStart(32, '0')}"`,
          eventName: `"${eventName}"`,
          eventVersion: '"1.1"',
          eventSource: '"aws:dynamodb"',
          awsRegion: g.rand() < 0.05 ? '"eu-west-1"' : '"us-east-1"',
          dynamodb: `{${innerOrder.filter((m) => inner[m] !== undefined).map((m) => `"${m}":${space}${inner[m]}`).join(',')}}`,
          userIdentity: eventName === 'REMOVE' && g.rand() < 0.3 ? '{"Type":"Service","PrincipalId":"dynamodb.amazonaws.com"}' : undefined,
        };
        return `{${topOrder.filter((m) => top[m] !== undefined).map((m) => `"${m}":${top[m]}`).join(',')}}`;
      });
      const body = `{"Records":[${changes.join(',')}],"NextShardIterator":"it-${seed}"}`;
      const omit = seed % 3 === 0 ? OMIT : undefined;
      const suffixOf = (c: ChangeMeta) => `,"_seq":"${c.sequenceNumber}","_e":"${c.eventName}","_at":${c.approximateCreationMs}`;
      const page = getRecordsResponse(body, { suffixOf, omit });
      const parsed = changes.map((c) => JSON.parse(c) as { eventName: string; userIdentity?: unknown; dynamodb: { ApproximateCreationDateTime: number; SequenceNumber: string; Keys: WireItem; NewImage?: WireItem; OldImage?: WireItem } });
      const metas: ChangeMeta[] = parsed.map((r) => ({
        eventName: r.eventName,
        sequenceNumber: r.dynamodb.SequenceNumber,
        approximateCreationMs: Math.round(r.dynamodb.ApproximateCreationDateTime * 1000),
        userIdentity: r.userIdentity as ChangeMeta['userIdentity'],
      }));
      expect(page.changes, `seed ${seed}`).toEqual(metas);
      const expected = parsed.map((r, i) => {
        const d = r.dynamodb;
        const item = r.eventName === 'REMOVE' ? { ...(d.OldImage ?? {}), ...d.Keys } : (d.NewImage as WireItem);
        return wireItemToJson(item, suffixOf(metas[i] as ChangeMeta), omit);
      });
      expect(page.records(changes.length), `seed ${seed}`).toEqual(expected);
    }
  });

  it('pages of many records, decoded a run of records at a time, every record whole', () => {
    const g = gen(prng(7));
    const items = Array.from({ length: 3000 }, () => g.wireMap(g.entries(0)));
    const page = itemsResponseToRecords(`{"Items":[${items.join(',')}]}`);
    expect(Buffer.byteLength(page.records.join('\n'))).toBeGreaterThan(4 * 32 * 1024);
    expect(page.records).toEqual(items.map((item) => reference(item)));
    const changes = items.map((item, i) => `{"eventName":"INSERT","dynamodb":{"NewImage":${item},"SequenceNumber":"${i}"}}`);
    const stream = getRecordsResponse(`{"Records":[${changes.join(',')}]}`, { suffixOf: (c) => `,"_seq":"${c.sequenceNumber}"` });
    expect(stream.records(2000)).toEqual(items.slice(0, 2000).map((item, i) => reference(item, `,"_seq":"${i}"`)));
  });

  it('export data files, full and incremental, in chunks cut anywhere', async () => {
    for (let seed = 1; seed <= ROUNDS; seed++) {
      const g = gen(prng(seed));
      const count = 1 + Math.floor(g.rand() * 6);
      const full = Array.from({ length: count }, () => g.wireMap(g.entries(0)));
      const omit = seed % 3 === 0 ? OMIT : undefined;
      const fullText = full.map((item) => `{"Item":${item}}`).join(seed % 2 === 0 ? '\r\n' : '\n') + (seed % 4 === 0 ? '' : '\n');
      const fullRecords: string[] = [];
      for await (const p of jsonDataFileFormat({ kind: 'full', recordSuffix: () => ',"_s":0', omit }).pages(chunked(fullText, g.rand), 0)) fullRecords.push(...p.records);
      expect(fullRecords, `seed ${seed}`).toEqual(full.map((item) => reference(item, ',"_s":0', omit)));

      const lines = Array.from({ length: count }, (_, i) => {
        const keys = g.wireMap(g.entries(1).slice(0, 2));
        const members = [`"Metadata":{"WriteTimestampMicros":{"N":"${1000 + i}"}}`, `"Keys":${keys}`];
        if (g.rand() < 0.6) members.push(`"NewImage":${g.wireMap(g.entries(0))}`);
        if (g.rand() < 0.6) members.push(`"OldImage":${g.wireMap(g.entries(0))}`);
        return `{${members.sort(() => g.rand() - 0.5).join(',')}}`;
      });
      const changeRecords: string[] = [];
      const suffix = (m: { kind: string; writeTimeMicros?: string }) => `,"_k":"${m.kind}","_t":"${m.writeTimeMicros}"`;
      for await (const p of jsonDataFileFormat({ kind: 'incremental', recordSuffix: suffix, omit }).pages(chunked(lines.join('\n') + '\n', g.rand), 0)) changeRecords.push(...p.records);
      const expected = lines.map((line) => {
        const l = JSON.parse(line) as { Metadata: { WriteTimestampMicros: { N: string } }; Keys: WireItem; NewImage?: WireItem; OldImage?: WireItem };
        const micros = l.Metadata.WriteTimestampMicros.N;
        if (l.NewImage !== undefined) return wireItemToJson(l.NewImage, suffix({ kind: 'upsert', writeTimeMicros: micros }), omit);
        return wireItemToJson(l.OldImage !== undefined ? { ...l.OldImage, ...l.Keys } : l.Keys, suffix({ kind: 'delete', writeTimeMicros: micros }), omit);
      });
      expect(changeRecords, `seed ${seed}`).toEqual(expected);
    }
  });

  it('keeps `__proto__` and integer-like names at every depth, integer-like names first as they always came', () => {
    const item = '{"b":{"S":"x"},"__proto__":{"M":{"__proto__":{"N":"1"},"2":{"L":[{"M":{"10":{"S":"t"},"__proto__":{"NULL":true},"9":{"S":"n"}}}]},"1":{"S":"o"}}},"0":{"BOOL":true}}';
    const [record] = itemsResponseToRecords(`{"Items":[${item}]}`).records;
    expect(record).toBe('{"0":true,"b":"x","__proto__":{"1":"o","2":[{"9":"n","10":"t","__proto__":null}],"__proto__":1}}');
  });
});
