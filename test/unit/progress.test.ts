import { describe, expect, it } from 'vitest';
import { describeFigures, figuresOf, formatDuration } from '../../src/read/progress.js';

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
