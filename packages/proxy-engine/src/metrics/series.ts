import { HISTOGRAM_BUCKETS, histogramBucket, histogramFromCounts, type SeriesSnapshot } from "@weir/config";

/**
 * Counters and a latency histogram for one route, pool or backend. Lives in the engine across
 * config swaps (keyed by name) so totals stay monotonic. `record` is on the request path: O(1), no
 * allocation.
 */
export class Series {
  readonly byClass = new Float64Array(6); // 1xx..5xx, then "error" (no status sent)
  retries = 0;
  active = 0;
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  sumMicros = 0;
  minMicros = Number.POSITIVE_INFINITY;
  maxMicros = 0;

  record(status: number, micros: number): void {
    const cls = status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 5;
    this.byClass[cls] = (this.byClass[cls] ?? 0) + 1;
    const index = histogramBucket(micros);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sumMicros += micros;
    if (micros < this.minMicros) this.minMicros = micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  snapshot(): SeriesSnapshot {
    const c = this.byClass;
    return {
      requests: {
        "1xx": c[0] ?? 0,
        "2xx": c[1] ?? 0,
        "3xx": c[2] ?? 0,
        "4xx": c[3] ?? 0,
        "5xx": c[4] ?? 0,
        error: c[5] ?? 0,
      },
      retries: this.retries,
      active: this.active,
      latency: histogramFromCounts(this.counts, this.sumMicros, this.minMicros, this.maxMicros),
    };
  }
}
