import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";

import { OneLabelHistogram, RequestTally } from "./hot-path-metrics";

const BOUNDS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: [string, number][] = [
  ["GET /v0/quota", 0.0004],
  ["GET /v0/quota", 0.001],
  ["GET /v0/orgs/{org}/repos", 0.02],
  ["GET /v0/quota", 0.5],
  ["GET /v0/orgs/{org}/repos", 7],
  ["POST /v1/verify", 0.01],
];

describe("OneLabelHistogram", () => {
  it("exports what prom-client's own Histogram exports for the same observations", async () => {
    const theirs = new Registry();
    const reference = new Histogram({ name: "h_seconds", help: "Latency.", labelNames: ["route"], buckets: BOUNDS, registers: [theirs] });
    const ours = new Registry();
    const histogram = new OneLabelHistogram("h_seconds", "Latency.", "route", BOUNDS);
    ours.registerMetric(histogram.asRegistered());

    for (const [route, seconds] of OBSERVATIONS) {
      reference.labels(route).observe(seconds);
      histogram.observe(route, seconds);
    }

    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('h_seconds_bucket{le="0.001",route="GET /v0/quota"} 2');
    expect(text).toContain('h_seconds_bucket{le="+Inf",route="GET /v0/orgs/{org}/repos"} 2');
  });

  it("starts over when the registry is reset", async () => {
    const registry = new Registry();
    const histogram = new OneLabelHistogram("h_seconds", "Latency.", "route", BOUNDS);
    registry.registerMetric(histogram.asRegistered());
    histogram.observe("GET /v0/quota", 0.002);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain("GET /v0/quota");
  });
});

describe("RequestTally", () => {
  it("reports each call once to the counter, however often it is scraped", async () => {
    const registry = new Registry();
    const tally = new RequestTally();
    const counter: Counter<"route" | "status"> = new Counter({
      name: "requests_total",
      help: "Requests.",
      labelNames: ["route", "status"],
      registers: [registry],
      collect: (): void => tally.reportTo(counter),
    });
    tally.add("GET /v0/quota", 200);
    tally.add("GET /v0/quota", 200);
    tally.add("GET /v0/quota", 429);
    expect(await registry.metrics()).toContain('requests_total{route="GET /v0/quota",status="200"} 2');
    expect(await registry.metrics()).toContain('requests_total{route="GET /v0/quota",status="200"} 2');
    tally.add("GET /v0/quota", 200);
    const text = await registry.metrics();
    expect(text).toContain('requests_total{route="GET /v0/quota",status="200"} 3');
    expect(text).toContain('requests_total{route="GET /v0/quota",status="429"} 1');
  });
});
