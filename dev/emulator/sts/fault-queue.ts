/**
 * In-process fault injection (tests only, never reachable over HTTP): each pushed fault is consumed by the next
 * AssumeRole request, in push order.
 */
import type { StsFault } from './types.js';

export class FaultQueue {
  private readonly queue: StsFault[] = [];

  push(...faults: StsFault[]): void {
    this.queue.push(...faults);
  }

  /** Takes the next fault, if any. */
  shift(): StsFault | undefined {
    return this.queue.shift();
  }

  clear(): void {
    this.queue.length = 0;
  }

  get size(): number {
    return this.queue.length;
  }
}
