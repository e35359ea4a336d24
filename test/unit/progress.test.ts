import { describe, expect, it, vi } from 'vitest';
import { AnswerCounter, describeFigures, figuresOf, formatDuration, PROGRESS_LOG_INTERVAL_MS, SyncProgress } from '../../src/read/progress.js';

describe('progress figures', () => {
  it('items/s, share of the ItemCount and ETA from what was emitted so far', () => {
    const f = figuresOf({ stream: 'orders', items: 25_000, bytes: 12_500_000, startedAt: 0, expectedItems: 100_000, answers: new AnswerCounter() }, 10_000);
    expect(f.itemsPerSecond).toBe(2500);
    expect(f.percent).toBe(25);
    expect(f.etaSeconds).toBe(30);
    expect(f.megabytes).toBe(12.5);
    expect(describeFigures('orders', f)).toBe("Progress of orders: 25,000 items, 12.5 MB, 2,500 items/s, 25% of DescribeTable's ItemCount, ETA 30 s");
  });

  it('no share or ETA when DescribeTable has no count yet; never a negative ETA past the estimate', () => {
    expect(describeFigures('t', figuresOf({ stream: 't', items: 10, bytes: 0, startedAt: 0, expectedItems: 0, answers: new AnswerCounter() }, 1000))).toBe('Progress of t: 10 items, 0.0 MB, 10 items/s');
    expect(figuresOf({ stream: 't', items: 150, bytes: 0, startedAt: 0, expectedItems: 100, answers: new AnswerCounter() }, 1000).etaSeconds).toBe(0);
  });

  it('the share of requests throttled over the last minute, once the source reports its requests', () => {
    const answers = new AnswerCounter();
    // One request a second for 90 s: every fifth throttled in the first 30 s, every tenth in the last minute.
    for (let i = 0; i < 90; i++) answers.add(i < 30 ? i % 5 === 0 : i % 10 === 0, i * 1000);
    const counts = { stream: 'orders', items: 8_950, bytes: 0, startedAt: 0, expectedItems: undefined, answers };
    expect(answers.lastMinute(89_500)).toEqual({ total: 60, throttled: 6 });
    expect(describeFigures('orders', figuresOf(counts, 89_500))).toBe('Progress of orders: 8,950 items, 0.0 MB, 100 items/s, 10% of requests throttled in the last minute');
    // A single throttle among many is not rounded away to 0%; a minute without requests shows no share.
    const many = new AnswerCounter();
    for (let i = 0; i < 500; i++) many.add(i === 0, 1000);
    expect(describeFigures('t', figuresOf({ ...counts, answers: many }, 2000))).toMatch(/, <1% of requests throttled in the last minute$/);
    expect(figuresOf({ ...counts, answers: many }, 70_000).throttledPercent).toBeUndefined();
  });

  it('durations read as a person would say them', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7260)).toBe('2 h 1 min');
  });
});

describe('the periodic progress line', () => {
  it('is a WARN naming what is outside the catalog\'s schema, with counts, while a stream drifts', () => {
    vi.useFakeTimers();
    try {
      const lines: [string, string][] = [];
      const progress = new SyncProgress({ log: (level, message) => lines.push([level, message]) });
      let drift: string | undefined;
      progress.describeDrift('orders', () => drift);
      progress.start('orders', 100);
      progress.add('orders', 10, 1000);
      vi.advanceTimersByTime(PROGRESS_LOG_INTERVAL_MS);
      expect(lines).toEqual([['INFO', expect.stringMatching(/^Progress of orders: 10 items/)]]);
      drift = '"color" (not in the schema: string in 3 records)';
      vi.advanceTimersByTime(PROGRESS_LOG_INTERVAL_MS);
      expect(lines[1]).toEqual(['WARN', expect.stringMatching(/^Progress of orders: 10 items.*; attributes outside the catalog's schema: "color" \(not in the schema: string in 3 records\)$/)]);
      progress.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
