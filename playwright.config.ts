import { defineConfig } from "@playwright/test";

import { E2E_GITHUB_CLIENT, e2eFakePorts } from "./tests/support/e2e-fakes";

const PORT = Number(process.env.E2E_PORT ?? 3100);
// Per-port data and build folders, so parallel runs on one machine do not collide.
const DATA_DIR = `data/e2e-${PORT}`;
const DIST_DIR = `.next-e2e-${PORT}`;
// A local GitHub and SMTP server (started by the global setup) stand in for the real ones.
const FAKES = e2eFakePorts({ ...process.env, E2E_PORT: String(PORT) });

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [["list"], ["json", { outputFile: "test-results/e2e.json" }]] : "list",
  timeout: 60_000,
  globalSetup: "./tests/support/e2e-fakes.ts",
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's chromium; Playwright's own browser download needs the internet.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    // The README's `npm start`, so the suite runs the server exactly as users do.
    command: `rm -rf ${DATA_DIR} && npm start`,
    url: `http://127.0.0.1:${PORT}/sign-in`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      HOST: "127.0.0.1",
      DATABASE_URL: `file:./${DATA_DIR}/keyward.db`,
      KEYWARD_DATA_DIR: DATA_DIR,
      KEYWARD_DEMO: "1",
      NEXT_TELEMETRY_DISABLED: "1",
      KEYWARD_DIST_DIR: DIST_DIR,
      AUTH_GITHUB_ID: E2E_GITHUB_CLIENT.clientId,
      AUTH_GITHUB_SECRET: E2E_GITHUB_CLIENT.clientSecret,
      AUTH_GITHUB_URL: FAKES.githubUrl,
      AUTH_GITHUB_API_URL: `${FAKES.githubUrl}/api/v3`,
      SMTP_URL: FAKES.smtpUrl,
      // e2e/webhooks.spec.ts delivers to a receiver on loopback.
      KEYWARD_WEBHOOK_ALLOW_PRIVATE: "1",
    },
  },
});
