// The merge point of all concurrent stream readers: an ordered queue of event chunks with a bound.
// push() enqueues synchronously — so a page's records and the STATE that covers them enter the queue in the same
// tick, before any other reader can slip a later STATE in between — and then resolves once the queue has room again,
// which is how a slow stdout slows the scan down instead of growing memory.
import type { ReadEvent } from '../pipeline/events.js';

export class OutputQueue<T = ReadEvent> {
  private readonly chunks: T[][] = [];
  private queuedWeight = 0;
  private readonly spaceWaiters: Array<() => void> = [];
  private dataWaiter: (() => void) | undefined;
  private closed = false;

  /**
   * @param capacity weight held before producers are asked to wait
   * @param weigh an event's weight (a page of records weighs its record count); 1 by default
   */
  constructor(
    private readonly capacity: number,
    private readonly weigh: (event: T) => number = () => 1,
  ) {}

  push(chunk: T[]): Promise<void> {
    if (this.closed) throw new Error('push after close');
    if (chunk.length === 0) return Promise.resolve();
    this.chunks.push(chunk);
    this.queuedWeight += this.weightOf(chunk);
    this.wakeConsumer();
    if (this.queuedWeight < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** For logs from anywhere (retry warnings): enqueued without waiting, so logging never blocks a request. */
  pushNow(event: T): void {
    if (this.closed) return;
    this.chunks.push([event]);
    this.queuedWeight += this.weigh(event);
    this.wakeConsumer();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.wakeConsumer();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.queuedWeight -= this.weightOf(chunk);
        this.wakeProducers();
        yield* chunk;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.dataWaiter = resolve));
    }
  }

  private weightOf(chunk: T[]): number {
    let weight = 0;
    for (const event of chunk) weight += this.weigh(event);
    return weight;
  }

  private wakeConsumer(): void {
    const waiter = this.dataWaiter;
    this.dataWaiter = undefined;
    waiter?.();
  }

  private wakeProducers(): void {
    while (this.queuedWeight < this.capacity && this.spaceWaiters.length > 0) this.spaceWaiters.shift()?.();
  }
}
