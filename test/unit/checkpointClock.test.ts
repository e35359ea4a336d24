import { describe, expect, it } from 'vitest';
import { CheckpointClock } from '../../src/read/checkpointClock.js';

describe('CheckpointClock', () => {
  it('is due once the records since the last STATE reach the threshold, and take() reports and restarts them', () => {
    const clock = new CheckpointClock(100, 3_600_000);
    clock.addRecords(60);
    expect(clock.isDue()).toBe(false);
    clock.addRecords(40);
    expect(clock.isDue()).toBe(true);
    expect(clock.take()).toBe(100);
    expect(clock.isDue()).toBe(false);
    expect(clock.take()).toBe(0);
  });

  it('with a zero interval is due after every page, whatever the count', () => {
    const clock = new CheckpointClock(1_000_000, 0);
    expect(clock.isDue()).toBe(true);
    clock.addRecords(3);
    expect(clock.take()).toBe(3);
    expect(clock.isDue()).toBe(true);
  });
});
