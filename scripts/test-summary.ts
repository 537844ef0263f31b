// Adds up the test counts of every runner's JSON report into one closing line.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

for (const file of existsSync(dir) ? readdirSync(dir) : []) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  if ("numPassedTests" in report) {
    // vitest
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  } else if (report.stats) {
    // playwright
    passed += report.stats.expected + report.stats.flaky;
    failed += report.stats.unexpected;
    skipped += report.stats.skipped;
  }
}

for (const step of failedSteps) console.log(`FAILED step: ${step}`);
// A failed step without a test report (lint, typecheck, a crash) still fails the run.
const failedWithoutReport = failedSteps.length > 0 && failed === 0 ? failedSteps.length : 0;
console.log(`${passed} passed, ${failed + failedWithoutReport} failed, ${skipped} skipped`);
process.exit(failedSteps.length > 0 ? 1 : 0);
