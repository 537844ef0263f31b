// `npm run security:table [reports dir]`: the attack-class table of SECURITY.md, counted from the
// JSON reports `npm test` writes into test-reports/ (vitest: unit, integration on SQLite and on
// PostgreSQL; Playwright: e2e). Each test case is assigned to one class by its file and, where a
// file covers several classes, by its describe block or title. Property-based cases also count
// the inputs fast-check generated (numRuns, read from the test's source).
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

type Run = "unit" | "SQLite" | "PostgreSQL" | "e2e";
type Case = { run: Run; file: string; describe: string; title: string; status: "passed" | "failed" | "skipped" };
type AttackClass = { name: string; matches: (c: Case) => boolean; reproduce: string };

const SUITE = "npx vitest run --project integration";
const PG = "npx tsx scripts/with-postgres.ts npx vitest run --project integration";
const E2E = "E2E_PORT=3317 npx playwright test e2e/security.spec.ts";
const inFile = (c: Case, ...files: string[]) => files.includes(c.file);
const e2eSecurity = (c: Case, title: RegExp) => c.file === "security.spec.ts" && title.test(c.title);

const CLASSES: AttackClass[] = [
  {
    name: "Authorization matrix: every server action, API route and route handler × admin, member, other org's admin, removed member (old session and signed in again), signed out / no token; answer checked and nothing changed",
    matches: (c) =>
      inFile(c, "security-action-matrix.test.ts", "security-api-matrix.test.ts") &&
      /registry covers|every action × every caller|every API route × every caller|route handlers × every caller/.test(c.describe),
    reproduce: `${SUITE} tests/integration/security-action-matrix.test.ts tests/integration/security-api-matrix.test.ts`,
  },
  {
    name: "Cross-org ids in every id field, mass-assignment fields, method swaps, crafted Next-Action POSTs",
    matches: (c) =>
      (inFile(c, "security-action-matrix.test.ts", "security-api-matrix.test.ts") &&
        /another org|org B|mass assignment|method swaps/.test(c.describe)) ||
      e2eSecurity(c, /^crafted action calls/),
    reproduce: `${SUITE} tests/integration/security-*-matrix.test.ts; ${E2E} -g "crafted"`,
  },
  {
    name: "CSRF (Origin: evil / null, Auth.js CSRF token), session cookie flags, x-middleware-subrequest",
    matches: (c) => e2eSecurity(c, /Origin|another origin|session cookies|x-middleware-subrequest/),
    reproduce: `${E2E} -g "Origin|origin|cookies|x-middleware"`,
  },
  {
    name: "Security headers (CSP, frame-ancestors, Referrer-Policy) and no-store on everything carrying a token value",
    matches: (c) => e2eSecurity(c, /security headers/),
    reproduce: `${E2E} -g "security headers"`,
  },
  {
    name: "Bad input, property-based: hostile strings, wrong shapes and content types, huge bodies, control/unicode characters, NUL and lone surrogates",
    matches: (c) => inFile(c, "security-properties.test.ts", "visible-text.test.ts", "text.test.ts"),
    reproduce: `${SUITE} tests/integration/security-properties.test.ts (and on PostgreSQL: ${PG} …)`,
  },
  {
    name: "Secrets at rest and in output: database copy, tampered or moved ciphertext, key rotation, HTML/RSC of list pages, server log",
    matches: (c) =>
      inFile(c, "token-at-rest.test.ts", "security-keys-rotate.test.ts", "encryption.test.ts") ||
      e2eSecurity(c, /no token value|server's log/),
    reproduce: `${SUITE} tests/integration/token-at-rest.test.ts tests/integration/security-keys-rotate.test.ts; ${E2E} -g "token value|log"`,
  },
  {
    name: "Concurrency and faults: quota race and concurrent rotations across processes, kill -9 under load, locked database (API and dashboard), full disk, two processes beside the dashboard, an admin removed mid-change",
    matches: (c) =>
      inFile(c, "security-faults.test.ts", "api-processes.test.ts", "db-concurrency.test.ts") ||
      (inFile(c, "org-action.test.ts") && /removed or demoted|database that is|lock held too long/.test(`${c.describe} ${c.title}`)) ||
      e2eSecurity(c, /two server processes/),
    reproduce: `${SUITE} tests/integration/security-faults.test.ts tests/integration/api-processes.test.ts tests/integration/org-action.test.ts (and with ${PG} …)`,
  },
  {
    name: "Login: brute force per account, per address and in concurrent bursts, no indefinite victim lockout, unknown vs known email, a forged X-Forwarded-For, sign-out that ends the session, open redirects after sign-in",
    matches: (c) =>
      inFile(c, "sign-in.test.ts", "sign-out.test.ts", "callback-url.test.ts", "client-ip.test.ts", "sign-in-redirect.spec.ts"),
    reproduce: `${SUITE} tests/integration/sign-in.test.ts tests/integration/sign-out.test.ts; E2E_PORT=3317 npx playwright test e2e/sign-in-redirect.spec.ts`,
  },
  {
    name: "Tokens acting on tokens: self-widening, widening others, organization-visible tokens on admin-only ones, replaced values, former admins, allowed networks; property-based sequences of management calls by a member's values",
    matches: (c) =>
      inFile(
        c,
        "token-authority.test.ts",
        "token-authority-properties.test.ts",
        "token-authority.spec.ts",
        "authority.test.ts",
        "networks.test.ts",
      ),
    reproduce: `${SUITE} tests/integration/token-authority.test.ts tests/integration/token-authority-properties.test.ts (and with ${PG} …)`,
  },
  {
    name: "Every write re-checks the caller's permission inside its transaction (each registry action with the admin demoted or removed mid-request; every SQL write recorded)",
    matches: (c) => inFile(c, "security-role-recheck.test.ts", "org-action-permissions.test.ts"),
    reproduce: `${SUITE} tests/integration/security-role-recheck.test.ts tests/integration/org-action-permissions.test.ts`,
  },
  {
    name: "Deeply nested JSON on every path: REST bodies, leaked-token reports, server actions (decoded and over HTTP)",
    matches: (c) =>
      inFile(c, "json-depth.test.ts", "nested-json.test.ts", "action-body-guard.test.ts") || e2eSecurity(c, /nested 20,000 deep/),
    reproduce: `${SUITE} tests/integration/nested-json.test.ts; ${E2E} -g "nested"`,
  },
];

const dir = process.argv[2] ?? "test-reports";
if (!existsSync(dir)) {
  console.error(`No reports in ${dir}: run \`npm test\` first.`);
  process.exit(1);
}

const RUN_OF_FILE: Record<string, Run> = {
  "unit.json": "unit",
  "integration-sqlite.json": "SQLite",
  "integration-postgres.json": "PostgreSQL",
  "e2e.json": "e2e",
};
const cases: Case[] = [];
const missing: string[] = [];
for (const [file, run] of Object.entries(RUN_OF_FILE)) {
  const path = join(dir, file);
  if (!existsSync(path)) {
    missing.push(file);
    continue;
  }
  const report = JSON.parse(readFileSync(path, "utf8"));
  if (run === "e2e") collectPlaywright(report.suites ?? [], []);
  else collectVitest(report, run);
}

type VitestReport = { testResults?: { name: string; assertionResults?: { ancestorTitles: string[]; title: string; status: string }[] }[] };
function collectVitest(report: VitestReport, run: Run) {
  for (const suite of report.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      const status = test.status === "passed" ? "passed" : test.status === "failed" ? "failed" : "skipped";
      cases.push({ run, file: basename(suite.name), describe: test.ancestorTitles.join(" > "), title: test.title, status });
    }
  }
}

type PlaywrightSuite = {
  title: string;
  file?: string;
  suites?: PlaywrightSuite[];
  specs?: { title: string; file?: string; tests: { status: string }[] }[];
};
function collectPlaywright(suites: PlaywrightSuite[], path: string[]) {
  for (const suite of suites) {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        const status = test.status === "expected" || test.status === "flaky" ? "passed" : test.status === "skipped" ? "skipped" : "failed";
        cases.push({
          run: "e2e",
          file: basename(spec.file ?? suite.file ?? suite.title),
          describe: path.join(" > "),
          title: spec.title,
          status,
        });
      }
    }
    collectPlaywright(suite.suites ?? [], suite.file ? [] : [...path, suite.title]);
  }
}

/** numRuns of each fast-check property, by test title (a template for it.each), from the test sources. */
function propertyRuns(): { file: string; title: RegExp; runs: number }[] {
  const sources = ["tests/integration/security-properties.test.ts", "lib/format/visible-text.test.ts", "lib/validations/text.test.ts"];
  const found: { file: string; title: RegExp; runs: number }[] = [];
  for (const source of sources) {
    if (!existsSync(source)) continue;
    const text = readFileSync(source, "utf8");
    const constants = new Map([...text.matchAll(/const (\w+) = (\d[\d_]*);/g)].map((m) => [m[1]!, Number(m[2]!.replaceAll("_", ""))]));
    let title: RegExp | null = null;
    for (const line of text.split("\n")) {
      const test = /\bit(?:\.each\(.*?\))?\(\s*"((?:[^"\\]|\\.)+)"/.exec(line);
      if (test) title = new RegExp(`^${escapeTemplate(test[1]!)}$`);
      const runs = /numRuns:\s*([\w_]+)/.exec(line);
      if (runs && title)
        found.push({ file: basename(source), title, runs: constants.get(runs[1]!) ?? Number(runs[1]!.replaceAll("_", "")) });
    }
  }
  return found;
}

function escapeTemplate(template: string): string {
  return template
    .replaceAll("\\\\", "\\")
    .split(/%[sidfjo]/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
}

const properties = propertyRuns();
const generatedInputs = (list: Case[]) =>
  list.reduce((sum, c) => {
    if (c.status === "skipped") return sum;
    // A test with several properties runs each of them.
    return sum + properties.filter((p) => p.file === c.file && p.title.test(c.title)).reduce((s, p) => s + p.runs, 0);
  }, 0);

const RUNS: Run[] = ["unit", "SQLite", "PostgreSQL", "e2e"];
const assigned = new Set<Case>();
const rows = CLASSES.map((attack) => {
  const mine = cases.filter((c) => attack.matches(c));
  mine.forEach((c) => assigned.add(c));
  const count = (status: Case["status"]) => mine.filter((c) => c.status === status).length;
  const perRun = RUNS.map((run) => [run, mine.filter((c) => c.run === run && c.status !== "skipped").length] as const)
    .filter(([, n]) => n > 0)
    .map(([run, n]) => `${run} ${n}`)
    .join(", ");
  const skipped = count("skipped");
  const inputs = generatedInputs(mine);
  return {
    name: attack.name,
    tried: count("passed") + count("failed"),
    passed: count("passed"),
    detail: [perRun, skipped ? `${skipped} skipped` : "", inputs ? `${inputs.toLocaleString("en")} generated inputs` : ""]
      .filter(Boolean)
      .join("; "),
    reproduce: attack.reproduce,
  };
});

const cell = (text: string | number) => String(text).replaceAll("|", "\\|");
console.log("| Attack class | Cases tried | Passed | Runs (cases per run) | Reproduce |");
console.log("| --- | ---: | ---: | --- | --- |");
for (const row of rows)
  console.log(`| ${cell(row.name)} | ${row.tried} | ${row.passed} | ${cell(row.detail)} | \`${cell(row.reproduce)}\` |`);
const total = rows.reduce((sum, r) => ({ tried: sum.tried + r.tried, passed: sum.passed + r.passed }), { tried: 0, passed: 0 });
console.log(`| **All security classes** | **${total.tried}** | **${total.passed}** | | \`npm test\` |`);
const removedMember = cases.filter((c) => /as removed member/.test(c.title) && c.status !== "skipped");
console.log();
console.log(
  `Removed-member cells in the matrix (old session, then signed in again): ${removedMember.filter((c) => c.status === "passed").length} of ${removedMember.length} passed. ` +
    `Other tests in the reports (features, not attack classes): ${cases.length - assigned.size}.` +
    (missing.length ? ` Missing reports: ${missing.join(", ")}.` : ""),
);
if (rows.some((r) => r.passed < r.tried)) process.exitCode = 1;
