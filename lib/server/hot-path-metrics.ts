import type { Counter, Histogram } from "prom-client";

// Tallies for the metrics every REST API call updates. prom-client's children hash their labels
// on every inc() and observe() (~1.5 µs of each call, bench/README.md); here a call adds to plain
// numbers found through two Map lookups, and prom-client reads them only when /metrics is scraped.

/** Calls by route and status, handed to a prom-client Counter (labels route, status) when it is scraped. */
export class RequestTally {
  readonly #byRoute = new Map<string, Map<number, { count: number; reported: number; child: Counter.Internal | null }>>();

  add(route: string, status: number): void {
    let byStatus = this.#byRoute.get(route);
    if (!byStatus) this.#byRoute.set(route, (byStatus = new Map()));
    const tally = byStatus.get(status);
    if (tally) tally.count++;
    else byStatus.set(status, { count: 1, reported: 0, child: null });
  }

  /** Adds what was counted since the last scrape to `counter`: call it from the counter's collect(). */
  reportTo(counter: Counter<"route" | "status">): void {
    for (const [route, byStatus] of this.#byRoute) {
      for (const [status, tally] of byStatus) {
        tally.child ??= counter.labels(route, String(status));
        if (tally.count > tally.reported) tally.child.inc(tally.count - tally.reported);
        tally.reported = tally.count;
      }
    }
  }
}

type Buckets = { counts: Float64Array; sum: number; count: number };

/**
 * A Prometheus histogram with one label, registered in a prom-client Registry in place of its own
 * Histogram: the registry reads a metric only through name, get(), getForPromString() and reset(),
 * and these give what prom-client's Histogram gives for the same observations (tested against it).
 */
export class OneLabelHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #byValue = new Map<string, Buckets>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    readonly upperBounds: readonly number[],
  ) {}

  observe(labelValue: string, value: number): void {
    let buckets = this.#byValue.get(labelValue);
    if (!buckets) this.#byValue.set(labelValue, (buckets = { counts: new Float64Array(this.upperBounds.length), sum: 0, count: 0 }));
    const bounds = this.upperBounds;
    // Counted in the first bucket that holds it; cumulated when exported, as prom-client does.
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]) {
        buckets.counts[index]++;
        break;
      }
    }
    buckets.sum += value;
    buckets.count++;
  }

  getForPromString() {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const [labelValue, buckets] of this.#byValue) {
      let cumulated = 0;
      this.upperBounds.forEach((bound, index) => {
        cumulated += buckets.counts[index];
        values.push({ value: cumulated, labels: { le: bound, [this.labelName]: labelValue }, metricName: `${this.name}_bucket` });
      });
      values.push(
        { value: buckets.count, labels: { le: "+Inf", [this.labelName]: labelValue }, metricName: `${this.name}_bucket` },
        { value: buckets.sum, labels: { [this.labelName]: labelValue }, metricName: `${this.name}_sum` },
        { value: buckets.count, labels: { [this.labelName]: labelValue }, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  get() {
    return this.getForPromString();
  }

  reset(): void {
    this.#byValue.clear();
  }

  /** What a prom-client Registry's registerMetric() accepts (see the class comment). */
  asRegistered(): Histogram<string> {
    return this as unknown as Histogram<string>;
  }
}
