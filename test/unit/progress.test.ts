import { describe, expect, it, vi } from 'vitest';
import { describeFigures, figuresOf, formatDuration, PROGRESS_LOG_INTERVAL_MS, SyncProgress } from '../../src/read/progress.js';

describe('progress figures', () => {
  it('items/s, share of the ItemCount and ETA from what was emitted so far', () => {
    const f = figuresOf({ stream: 'orders', items: 25_000, bytes: 12_500_000, startedAt: 0, expectedItems: 100_000 }, 10_000);
    expect(f.itemsPerSecond).toBe(2500);
    expect(f.percent).toBe(25);
    expect(f.etaSeconds).toBe(30);
    expect(f.megabytes).toBe(12.5);
    expect(describeFigures('orders', f)).toBe("Progress of orders: 25,000 items, 12.5 MB, 2,500 items/s, 25% of DescribeTable's ItemCount, ETA 30 s");
  });

  it('no share or ETA when DescribeTable has no count yet; never a negative ETA past the estimate', () => {
    expect(describeFigures('t', figuresOf({ stream: 't', items: 10, bytes: 0, startedAt: 0, expectedItems: 0 }, 1000))).toBe('Progress of t: 10 items, 0.0 MB, 10 items/s');
    expect(figuresOf({ stream: 't', items: 150, bytes: 0, startedAt: 0, expectedItems: 100 }, 1000).etaSeconds).toBe(0);
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
