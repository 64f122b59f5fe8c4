import { z } from "zod";

/**
 * Latency histograms that every agent fills with the same fixed bucket layout, so the control plane
 * merges them by adding counts index by index, with no loss, and reads quantiles from the sum.
 *
 * Layout `log-linear-32` (HDR-like): values are whole microseconds. 0..31 µs get one bucket each;
 * above that each power of two [2^e, 2^(e+1)) is cut into 32 equal buckets, so a bucket is at most
 * 1/32 (3.1%) of its lower bound wide. Values are clamped to 2^32-1 µs (71 minutes): 896 buckets.
 */
export const HISTOGRAM_LAYOUT = "log-linear-32" as const;
export const HISTOGRAM_SUB_BUCKETS = 32;
const SUB_BITS = 5;
export const HISTOGRAM_BUCKETS = HISTOGRAM_SUB_BUCKETS + (31 - SUB_BITS + 1) * HISTOGRAM_SUB_BUCKETS;

/** Index of the bucket holding `micros`. O(1), no allocation: safe on the request path. */
export function histogramBucket(micros: number): number {
  if (!(micros > 0)) return 0;
  const v = micros >= 4294967295 ? 4294967295 : micros >>> 0;
  if (v < HISTOGRAM_SUB_BUCKETS) return v;
  const e = 31 - Math.clz32(v);
  return (
    HISTOGRAM_SUB_BUCKETS +
    (e - SUB_BITS) * HISTOGRAM_SUB_BUCKETS +
    ((v >>> (e - SUB_BITS)) & (HISTOGRAM_SUB_BUCKETS - 1))
  );
}

/** Smallest value (µs) that falls in bucket `index`. */
export function histogramBucketLow(index: number): number {
  if (index < HISTOGRAM_SUB_BUCKETS) return index;
  const e = SUB_BITS + Math.floor((index - HISTOGRAM_SUB_BUCKETS) / HISTOGRAM_SUB_BUCKETS);
  const sub = (index - HISTOGRAM_SUB_BUCKETS) % HISTOGRAM_SUB_BUCKETS;
  return (HISTOGRAM_SUB_BUCKETS + sub) * 2 ** (e - SUB_BITS);
}

/** Width (µs) of bucket `index`. */
export function histogramBucketWidth(index: number): number {
  if (index < HISTOGRAM_SUB_BUCKETS) return 1;
  const e = SUB_BITS + Math.floor((index - HISTOGRAM_SUB_BUCKETS) / HISTOGRAM_SUB_BUCKETS);
  return 2 ** (e - SUB_BITS);
}

/**
 * The wire form: sparse `[bucketIndex, count]` pairs in increasing index order, plus exact count,
 * sum, min and max (µs). Small: a typical backend's latencies fill a few dozen buckets.
 */
export const histogramSnapshotSchema = z.strictObject({
  layout: z.literal(HISTOGRAM_LAYOUT),
  count: z.number().int().min(0),
  sumMicros: z.number().min(0),
  minMicros: z.number().min(0),
  maxMicros: z.number().min(0),
  buckets: z.array(
    z.tuple([
      z
        .int()
        .min(0)
        .max(HISTOGRAM_BUCKETS - 1),
      z.int().min(1),
    ]),
  ),
});
export type HistogramSnapshot = z.output<typeof histogramSnapshotSchema>;

export function emptyHistogram(): HistogramSnapshot {
  return { layout: HISTOGRAM_LAYOUT, count: 0, sumMicros: 0, minMicros: 0, maxMicros: 0, buckets: [] };
}

/** Builds the wire form from a dense counts array (what the engine keeps per series). */
export function histogramFromCounts(
  counts: ArrayLike<number>,
  sumMicros: number,
  minMicros: number,
  maxMicros: number,
): HistogramSnapshot {
  const buckets: Array<[number, number]> = [];
  let count = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0) {
      buckets.push([i, c]);
      count += c;
    }
  }
  return {
    layout: HISTOGRAM_LAYOUT,
    count,
    sumMicros,
    minMicros: count ? minMicros : 0,
    maxMicros: count ? maxMicros : 0,
    buckets,
  };
}

/** Lossless merge: same layout, counts added per bucket. Associative and commutative. */
export function mergeHistograms(histograms: readonly HistogramSnapshot[]): HistogramSnapshot {
  const dense = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const h of histograms) {
    if (h.layout !== HISTOGRAM_LAYOUT) throw new Error(`cannot merge histogram layout "${h.layout}"`);
    if (h.count === 0) continue;
    for (const [index, c] of h.buckets) dense.set(index, (dense.get(index) ?? 0) + c);
    count += h.count;
    sum += h.sumMicros;
    if (h.minMicros < min) min = h.minMicros;
    if (h.maxMicros > max) max = h.maxMicros;
  }
  const buckets = [...dense.entries()].sort((a, b) => a[0] - b[0]);
  return { layout: HISTOGRAM_LAYOUT, count, sumMicros: sum, minMicros: count ? min : 0, maxMicros: max, buckets };
}

/**
 * What was recorded between two snapshots of one cumulative histogram: counts subtracted per
 * bucket. Min and max of the interval are not known exactly; they are bounded by the lowest and
 * highest bucket that grew. Returns `later` as is when it is not a continuation of `earlier`
 * (some bucket shrank: the series was reset, e.g. a backend removed and added again).
 */
export function subtractHistograms(later: HistogramSnapshot, earlier: HistogramSnapshot): HistogramSnapshot {
  if (earlier.count === 0) return later;
  if (later.count < earlier.count) return later;
  const before = new Map<number, number>(earlier.buckets);
  const buckets: Array<[number, number]> = [];
  let count = 0;
  for (const [index, c] of later.buckets) {
    const d = c - (before.get(index) ?? 0);
    if (d < 0) return later;
    if (d > 0) {
      buckets.push([index, d]);
      count += d;
    }
    before.delete(index);
  }
  for (const c of before.values()) if (c > 0) return later;
  if (count === 0) return emptyHistogram();
  const first = (buckets[0] as [number, number])[0];
  const last = (buckets[buckets.length - 1] as [number, number])[0];
  const min = Math.max(later.minMicros, histogramBucketLow(first));
  const max = Math.min(later.maxMicros, histogramBucketLow(last) + histogramBucketWidth(last) - 1);
  return {
    layout: HISTOGRAM_LAYOUT,
    count,
    sumMicros: Math.max(0, later.sumMicros - earlier.sumMicros),
    minMicros: min,
    maxMicros: Math.max(min, max),
    buckets,
  };
}

/**
 * The value (µs) at quantile `q` in [0, 1]: the midpoint of the bucket holding the rank, clamped to
 * the exact min and max. Error at most half a bucket (1.6%). Undefined for an empty histogram.
 */
export function quantile(h: HistogramSnapshot, q: number): number | undefined {
  if (h.count === 0) return undefined;
  const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * h.count));
  let seen = 0;
  for (const [index, c] of h.buckets) {
    seen += c;
    if (seen >= rank) {
      const mid = histogramBucketLow(index) + (histogramBucketWidth(index) - 1) / 2;
      return Math.min(h.maxMicros, Math.max(h.minMicros, mid));
    }
  }
  return h.maxMicros;
}
