/**
 * Counts of a counter's busiest label sets, kept as plain numbers and handed to prom-client when it collects (every
 * scrape: a metric's `collect` runs before its values are read, https://github.com/siimon/prom-client#custom-metrics). Per
 * count, prom-client's own `inc(labels)` builds a hash string of the labels and a result object (prom-client 15,
 * lib/counter.js), and the caller a labels object: garbage on every cache hit. Here, a count is an addition to a
 * cell found by its label values, made once per label set. Only for bounded label values (profile names, outcome
 * codes): a cell is never removed.
 */
import type { Counter } from 'prom-client';

interface Cell<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  pending: number;
}

export class PendingCounts<First extends string, Second extends string = never> {
  private readonly cells = new Map<string, Map<string, Cell<First | Second>>>();

  constructor(
    private readonly first: First,
    private readonly second?: Second,
  ) {}

  /** One more for these label values (the second only for a counter with two labels). */
  inc(firstValue: string, secondValue = ''): void {
    let byFirst = this.cells.get(firstValue);
    if (byFirst === undefined) {
      byFirst = new Map();
      this.cells.set(firstValue, byFirst);
    }
    const cell = byFirst.get(secondValue);
    if (cell !== undefined) {
      cell.pending += 1;
      return;
    }
    const labels = { [this.first]: firstValue } as Record<First | Second, string>;
    if (this.second !== undefined) labels[this.second] = secondValue;
    byFirst.set(secondValue, { labels: Object.freeze(labels), pending: 1 });
  }

  /** Adds what was counted since the last call to `counter` (its `collect`). */
  flushInto(counter: Counter<First | Second>): void {
    for (const byFirst of this.cells.values()) {
      for (const cell of byFirst.values()) {
        if (cell.pending === 0) continue;
        counter.inc(cell.labels, cell.pending);
        cell.pending = 0;
      }
    }
  }
}
