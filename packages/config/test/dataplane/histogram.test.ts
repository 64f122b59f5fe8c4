import { describe, expect, it } from "vitest";
import {
  HISTOGRAM_BUCKETS,
  type HistogramSnapshot,
  histogramBucket,
  histogramBucketLow,
  histogramBucketWidth,
  histogramFromCounts,
  mergeHistograms,
  quantile,
  subtractHistograms,
} from "../../src";

function histogramOf(values: number[]): HistogramSnapshot {
  const counts = new Float64Array(HISTOGRAM_BUCKETS);
  for (const v of values) counts[histogramBucket(v)]! += 1;
  return histogramFromCounts(
    counts,
    values.reduce((s, v) => s + v, 0),
    Math.min(...values),
    Math.max(...values),
  );
}

describe("log-linear histogram layout", () => {
  it("puts every value in the bucket whose range holds it, buckets at most 1/32 wide", () => {
    for (const v of [0, 1, 31, 32, 33, 63, 64, 100, 1000, 12_345, 999_999, 2 ** 31, 2 ** 32 - 1]) {
      const i = histogramBucket(v);
      expect(histogramBucketLow(i)).toBeLessThanOrEqual(v);
      expect(histogramBucketLow(i) + histogramBucketWidth(i)).toBeGreaterThan(v);
      if (v >= 32) expect(histogramBucketWidth(i) / histogramBucketLow(i)).toBeLessThanOrEqual(1 / 32);
    }
    expect(histogramBucket(2 ** 40)).toBe(HISTOGRAM_BUCKETS - 1);
    expect(histogramBucket(-5)).toBe(0);
  });

  it("has contiguous, increasing buckets", () => {
    for (let i = 1; i < HISTOGRAM_BUCKETS; i++) {
      expect(histogramBucketLow(i)).toBe(histogramBucketLow(i - 1) + histogramBucketWidth(i - 1));
    }
  });
});

describe("merge and quantiles", () => {
  const a = Array.from({ length: 9000 }, (_, i) => 1000 + (i % 100));
  const b = Array.from({ length: 1000 }, (_, i) => 50_000 + i * 10);

  it("merges losslessly: merging parts equals the histogram of the union", () => {
    expect(mergeHistograms([histogramOf(a), histogramOf(b)])).toEqual(histogramOf([...a, ...b]));
    expect(mergeHistograms([histogramOf(b), histogramOf(a)])).toEqual(
      mergeHistograms([histogramOf(a), histogramOf(b)]),
    );
  });

  it.each([
    [0.5, 1049],
    [0.9, 1099],
    [0.95, 54_995],
    [0.99, 59_895],
    [1, 59_990],
  ])("q%d of the merge is within 3.2%% of the exact value %d", (q, exact) => {
    const merged = mergeHistograms([histogramOf(a), histogramOf(b)]);
    const got = quantile(merged, q) as number;
    expect(Math.abs(got - exact) / exact).toBeLessThan(0.032);
  });

  it("answers undefined for an empty histogram and refuses a foreign layout", () => {
    expect(quantile(mergeHistograms([]), 0.5)).toBeUndefined();
    expect(() => mergeHistograms([{ ...histogramOf([1]), layout: "other" as never }])).toThrow(/layout/);
  });
});

describe("subtractHistograms", () => {
  it("gives exactly the values recorded between two snapshots of one series", () => {
    const first = [120, 130, 5000];
    const then = [140, 9000, 9100, 30];
    const earlier = histogramOf(first);
    const later = histogramOf([...first, ...then]);
    const delta = subtractHistograms(later, earlier);
    const expected = histogramOf(then);
    expect(delta.count).toBe(4);
    expect(delta.buckets).toEqual(expected.buckets);
    expect(delta.sumMicros).toBe(expected.sumMicros);
    expect(delta.minMicros).toBeLessThanOrEqual(30);
    expect(delta.maxMicros).toBeGreaterThanOrEqual(9100);
    expect(quantile(delta, 0.5)).toBe(quantile(expected, 0.5));
  });

  it("is empty when nothing was recorded, and the later snapshot itself after a reset", () => {
    const h = histogramOf([100, 200]);
    expect(subtractHistograms(h, h).count).toBe(0);
    const reset = histogramOf([50]);
    expect(subtractHistograms(reset, h)).toEqual(reset);
  });
});
