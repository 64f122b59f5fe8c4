import {
  HISTOGRAM_BUCKETS,
  HISTOGRAM_LAYOUT,
  type HistogramSnapshot,
  histogramBucketLow,
  histogramBucketWidth,
  type LivePoint,
  type StatusCounts,
} from "@weir/config";

/**
 * Sums of counters and a dense latency histogram for one series (a pool, a version or a backend)
 * over one bucket of time, fed by reports from any number of agents. Adding a report is
 * O(its non-empty buckets); percentiles are read from the merged counts, so they are true
 * percentiles of every request, not averages of per-agent percentiles.
 */
export class SeriesAccumulator {
  s1xx = 0;
  s2xx = 0;
  s3xx = 0;
  s4xx = 0;
  s5xx = 0;
  errors = 0;
  retries = 0;
  ejections = 0;
  /** Gauge: requests in flight, set at read time from the agents' latest reports. */
  active = 0;
  private counts: Float64Array | undefined;
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  get requests(): number {
    return this.s1xx + this.s2xx + this.s3xx + this.s4xx + this.s5xx + this.errors;
  }

  add(requests: StatusCounts, retries: number, latency: HistogramSnapshot, ejections = 0): void {
    this.s1xx += requests["1xx"];
    this.s2xx += requests["2xx"];
    this.s3xx += requests["3xx"];
    this.s4xx += requests["4xx"];
    this.s5xx += requests["5xx"];
    this.errors += requests.error;
    this.retries += retries;
    this.ejections += ejections;
    this.addLatency(latency);
  }

  addLatency(latency: HistogramSnapshot): void {
    if (latency.count === 0) return;
    if (this.counts === undefined) this.counts = new Float64Array(HISTOGRAM_BUCKETS);
    const counts = this.counts;
    for (const [index, c] of latency.buckets) counts[index] = (counts[index] ?? 0) + c;
    this.count += latency.count;
    this.sum += latency.sumMicros;
    if (latency.minMicros < this.min) this.min = latency.minMicros;
    if (latency.maxMicros > this.max) this.max = latency.maxMicros;
  }

  merge(other: SeriesAccumulator): void {
    this.s1xx += other.s1xx;
    this.s2xx += other.s2xx;
    this.s3xx += other.s3xx;
    this.s4xx += other.s4xx;
    this.s5xx += other.s5xx;
    this.errors += other.errors;
    this.retries += other.retries;
    this.ejections += other.ejections;
    this.active += other.active;
    // Bucket by bucket: both sides hold the same dense layout, no sparse snapshot in between.
    const theirs = other.counts;
    if (theirs === undefined || other.count === 0) return;
    if (this.counts === undefined) this.counts = new Float64Array(HISTOGRAM_BUCKETS);
    const counts = this.counts;
    for (let i = 0; i < theirs.length; i++) counts[i] = (counts[i] ?? 0) + (theirs[i] ?? 0);
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** The value (µs) at quantile q, from the merged histogram; undefined when empty. */
  quantileMicros(q: number): number | undefined {
    const counts = this.counts;
    if (counts === undefined || this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.count));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i] ?? 0;
      if (seen >= rank) {
        const mid = histogramBucketLow(i) + (histogramBucketWidth(i) - 1) / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  histogram(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    const counts = this.counts;
    if (counts !== undefined)
      for (let i = 0; i < counts.length; i++) if (counts[i]) buckets.push([i, counts[i] as number]);
    return {
      layout: HISTOGRAM_LAYOUT,
      count: this.count,
      sumMicros: this.sum,
      minMicros: this.count ? this.min : 0,
      maxMicros: this.count ? this.max : 0,
      buckets,
    };
  }

  /** The point for a bucket of `seconds` starting at `at` (unix ms). */
  point(at: number, seconds: number): LivePoint {
    const requests = this.requests;
    const ms = (q: number) => {
      const micros = this.quantileMicros(q);
      return micros === undefined ? null : Math.round(micros) / 1000;
    };
    return {
      at,
      requests,
      rps: requests / seconds,
      s1xx: this.s1xx,
      s2xx: this.s2xx,
      s3xx: this.s3xx,
      s4xx: this.s4xx,
      s5xx: this.s5xx,
      errors: this.errors,
      errorRate: requests === 0 ? 0 : (this.s5xx + this.errors) / requests,
      retries: this.retries,
      active: this.active,
      p50Ms: ms(0.5),
      p95Ms: ms(0.95),
      p99Ms: ms(0.99),
    };
  }
}

/** A point with no traffic, for seconds in which nothing was reported. */
export function emptyPoint(at: number): LivePoint {
  return new SeriesAccumulator().point(at, 1);
}
