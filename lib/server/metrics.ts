// What GET /metrics reports, in Prometheus's text format (prom-client). The REST API's request
// path adds to plain tallies (hot-path-metrics.ts), so an answered request builds no label strings
// and hashes no labels (a refused call also bumps the refusal counter's cached child, which does);
// everything that needs a query (pool stats, bulk-run progress, the usage writer's queue) is read
// when Prometheus scrapes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import { REFUSAL_REASONS, type RefusalReason } from "../domain/usage/refusals";
import { OneLabelHistogram, RequestTally } from "./hot-path-metrics";

export type PoolStats = { total: number; idle: number; waiting: number };
export type BulkRunProgress = { running: number; itemsPending: number };

export type MetricsSources = {
  /** Usage rows and refused-call groups buffered, not yet written. */
  usageQueueDepth?: () => number;
  /** The REST API's PostgreSQL pool (absent on SQLite). */
  poolStats?: () => PoolStats | null;
  bulkRunProgress?: () => Promise<BulkRunProgress>;
};

/** The REST API handler's side of the metrics (lib/api/handler.ts). */
export type ApiMetrics = {
  observeRequest(route: string, status: number, seconds: number): void;
  refused(reason: RefusalReason): void;
  onUsageFlushed(seconds: number, ok: boolean): void;
};

// Most API calls take well under 10 ms; the tail up to seconds shows a database under strain.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const FLUSH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class KeywardMetrics implements ApiMetrics {
  readonly registry = new Registry();
  readonly #requestTally = new RequestTally();
  readonly #requests: Counter<"route" | "status"> = new Counter({
    name: "keyward_api_requests_total",
    help: "REST API requests answered, by route template and HTTP status.",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
    collect: (): void => this.#requestTally.reportTo(this.#requests),
  });
  readonly #latency = new OneLabelHistogram(
    "keyward_api_request_duration_seconds",
    "Time from a REST API request's arrival to its answer, by route template.",
    "route",
    LATENCY_BUCKETS,
  );
  readonly #refused = new Counter({
    name: "keyward_api_refused_calls_total",
    help: "REST API calls with a known token refused before the endpoint ran, by reason (quota: the token's quota was spent).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly #flushSeconds = new Histogram({
    name: "keyward_usage_flush_duration_seconds",
    help: "Time to write one batch of API usage rows.",
    buckets: FLUSH_BUCKETS,
    registers: [this.registry],
  });
  readonly #flushFailures = new Counter({
    name: "keyward_usage_flush_failures_total",
    help: "Batches of API usage rows the database refused (they are kept and retried).",
    registers: [this.registry],
  });
  readonly #refusedChildren = new Map<RefusalReason, Counter.Internal>();

  constructor(sources: MetricsSources = {}) {
    this.registry.registerMetric(this.#latency.asRegistered());
    collectDefaultMetrics({ register: this.registry, prefix: "keyward_" });
    // Every reason from the start (at 0), so a rate over them works before the first refusal.
    for (const reason of REFUSAL_REASONS) {
      const child = this.#refused.labels(reason);
      child.inc(0);
      this.#refusedChildren.set(reason, child);
    }
    const { usageQueueDepth, poolStats, bulkRunProgress } = sources;
    new Gauge({
      name: "keyward_usage_queue_depth",
      help: "API usage rows and refused-call groups waiting to be written.",
      registers: [this.registry],
      collect() {
        this.set(usageQueueDepth?.() ?? 0);
      },
    });
    if (poolStats) {
      const gauge = (name: string, help: string, pick: (stats: PoolStats) => number) =>
        new Gauge({
          name,
          help,
          registers: [this.registry],
          collect() {
            const stats = poolStats();
            if (stats) this.set(pick(stats));
          },
        });
      gauge("keyward_db_pool_connections", "Connections the REST API's PostgreSQL pool holds open.", (s) => s.total);
      gauge("keyward_db_pool_idle_connections", "Open connections not in use.", (s) => s.idle);
      gauge(
        "keyward_db_pool_waiting_requests",
        "Queries waiting for a connection (above 0 for long: the pool is too small or the database too slow).",
        (s) => s.waiting,
      );
    }
    if (bulkRunProgress) {
      // Both gauges come from one query per scrape.
      let pending: Promise<BulkRunProgress> | null = null;
      const read = () => (pending ??= bulkRunProgress().finally(() => setTimeout(() => (pending = null), 0)));
      new Gauge({
        name: "keyward_bulk_runs_running",
        help: "Bulk incident operations (rotate or revoke many tokens) still running.",
        registers: [this.registry],
        async collect() {
          this.set((await read()).running);
        },
      });
      new Gauge({
        name: "keyward_bulk_run_items_pending",
        help: "Tokens that running bulk operations have yet to change.",
        registers: [this.registry],
        async collect() {
          this.set((await read()).itemsPending);
        },
      });
    }
  }

  observeRequest = (route: string, status: number, seconds: number): void => {
    this.#requestTally.add(route, status);
    this.#latency.observe(route, seconds);
  };

  refused = (reason: RefusalReason): void => {
    this.#refusedChildren.get(reason)?.inc();
  };

  onUsageFlushed = (seconds: number, ok: boolean): void => {
    this.#flushSeconds.observe(seconds);
    if (!ok) this.#flushFailures.inc();
  };

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
