// The module layering of src/: no import cycle, and the sources (scan/, streams/, export/, query/) stay independent of the
// orchestrator (read/) and of each other, talking to it only through pipeline/. Read from the import lines.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/**
 * File (relative to src/) → the src/ files it imports. `runtime` leaves out `import type` / `export type` lines,
 * which TypeScript erases: they order nothing when modules load.
 */
function importGraph(runtime = false): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const specifier = runtime ? /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.{1,2}\/[^']+)'/g : /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(specifier)].map((m) => relative(SRC, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('import graph of src/', () => {
  const graph = importGraph();

  it('is read from the sources', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get(join('read', 'read.ts'))).toContain(join('read', 'exportSync.ts'));
  });

  it('has no cycle among the modules as they load, nor among their types', () => {
    expect(findCycle(importGraph(true))).toBeUndefined();
    expect(findCycle(graph)).toBeUndefined();
  });

  it('keeps scan/, streams/, export/ and query/ away from read/ and from each other', () => {
    const sources = ['scan', 'streams', 'export', 'query'];
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const own = file.split(/[\\/]/)[0]!;
      if (!sources.includes(own)) continue;
      for (const target of targets) {
        const other = target.split(/[\\/]/)[0]!;
        if (other === 'read' || (sources.includes(other) && other !== own)) violations.push(`${file} → ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
