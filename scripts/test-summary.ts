// Adds up the test counts of every runner's JSON report into one closing line.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const failedTests: string[] = [];

for (const file of existsSync(dir) ? readdirSync(dir) : []) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  if ("numPassedTests" in report) {
    // vitest
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
    for (const suite of report.testResults ?? [])
      for (const test of suite.assertionResults ?? []) if (test.status === "failed") failedTests.push(`${file}: ${test.fullName}`);
  } else if (report.stats) {
    // playwright
    passed += report.stats.expected + report.stats.flaky;
    failed += report.stats.unexpected;
    skipped += report.stats.skipped;
    collectPlaywrightFailures(file, report.suites ?? []);
  }
}

type PlaywrightSuite = { title: string; suites?: PlaywrightSuite[]; specs?: { title: string; ok: boolean }[] };
function collectPlaywrightFailures(file: string, suites: PlaywrightSuite[], path: string[] = []) {
  for (const suite of suites) {
    const here = [...path, suite.title];
    for (const spec of suite.specs ?? []) if (!spec.ok) failedTests.push(`${file}: ${[...here, spec.title].join(" › ")}`);
    collectPlaywrightFailures(file, suite.suites ?? [], here);
  }
}

// Named at the end so a truncated CI log still says which tests failed.
for (const test of failedTests) console.log(`FAILED test: ${test}`);
for (const step of failedSteps) console.log(`FAILED step: ${step}`);
// A failed step without a test report (lint, typecheck, a crash) still fails the run.
const failedWithoutReport = failedSteps.length > 0 && failed === 0 ? failedSteps.length : 0;
console.log(`${passed} passed, ${failed + failedWithoutReport} failed, ${skipped} skipped`);
process.exit(failedSteps.length > 0 ? 1 : 0);
