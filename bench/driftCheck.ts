// The schema drift check's cost per record (src/pipeline/schemaDrift.ts), on ~400-byte record texts like a Scan
// emits: every record scanned against the stream's schema, nothing drifting (the steady state), then one attribute
// outside the schema in every record (the worst case: each one counted). Run: node dist/bench/driftCheck.js
import { SchemaDrift } from '../src/pipeline/schemaDrift.js';

const RECORDS = 200_000;
const PAGE = 1_000;

function recordText(i: number, extra: boolean): string {
  return (
    `{"pk":"customer#${i % 977}","sk":${i},"name":"item number ${i} with a \\"quoted\\" word","price":${i}.95,` +
    `"amount":12345678901234567890123456789012345678,"active":${i % 2 === 0},"note":null,` +
    `"tags":["red","green","blue"],"dims":{"w":2,"h":3,"unit":"cm","history":[{"at":"2026-01-01T00:00:00Z","v":1}]},` +
    `"updated_at":"2026-04-01T08:${String(i % 60).padStart(2, '0')}:00Z","description":"${'lorem ipsum '.repeat(8)}"` +
    (extra ? `,"color":"c${i % 7}"` : '') +
    '}'
  );
}

const schema = {
  type: 'object',
  properties: Object.fromEntries(
    [
      ['pk', 'string'], ['sk', 'number'], ['name', 'string'], ['price', 'number'], ['amount', 'number'], ['active', 'boolean'], ['note', 'null'],
      ['tags', 'array'], ['dims', 'object'], ['updated_at', 'string'], ['description', 'string'],
    ].map(([name, type]) => [name!, { type: [type!, 'null'] }]),
  ),
};

function measure(label: string, extra: boolean): void {
  const pages: string[][] = [];
  for (let p = 0; p < RECORDS / PAGE; p++) pages.push(Array.from({ length: PAGE }, (_, i) => recordText(p * PAGE + i, extra)));
  const bytes = pages[0]!.reduce((n, t) => n + t.length, 0) / PAGE;
  const perRecord = (work: () => void) => {
    const t0 = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - t0) / 1000 / RECORDS;
  };
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    const drift = new SchemaDrift(schema);
    const us = perRecord(() => pages.forEach((page) => drift.check(page)));
    // The same run's baseline on a loaded machine: JSON.parse of each record (which the check never does).
    const parse = perRecord(() => pages.forEach((page) => page.forEach((t) => (sink += (JSON.parse(t) as object) ? 1 : 0))));
    if (round === 2) console.log(`${label}: ${us.toFixed(3)} µs/record (${Math.round(bytes)} bytes each); JSON.parse of the same texts ${parse.toFixed(3)} µs/record, ratio ${(us / parse).toFixed(2)}`);
  }
  if (sink < 0) console.log(sink);
}

measure('no drift', false);
measure('one attribute outside the schema in every record', true);
