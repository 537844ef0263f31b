// Playwright global setup: the outside services the end-to-end server talks to, on ports the
// config hands to both the server (webServer env) and the specs. One HTTP server plays GitHub
// (web flow at /, API at /api/v3) and also lets specs register GitHub accounts (/__fake/users)
// and read the mail the SMTP server received (/__mailbox?to=…).
import { createServer } from "node:http";

import { createFakeGithub, type FakeGithubUser } from "./fake-github";
import { startTestSmtpServer } from "./smtp";

export const E2E_GITHUB_CLIENT = { clientId: "keyward-e2e-client", clientSecret: "keyward-e2e-secret" };

/**
 * Fixed offsets from the e2e server's port (so parallel runs on other ports do not collide), or
 * explicit ports. Both stay below 32768, where Linux's ephemeral ports begin: a port in that range
 * may already be the local end of any outgoing connection (the browser's, the build's), and then
 * listening on it fails (CI once failed so, with the SMTP server at 3100 + 30,000).
 */
export function e2eFakePorts(env: NodeJS.ProcessEnv = process.env) {
  const appPort = Number(env.E2E_PORT ?? 3100);
  const github = Number(env.E2E_FAKE_GITHUB_PORT ?? appPort + 20_000);
  const smtp = Number(env.E2E_SMTP_PORT ?? appPort + 21_000);
  return { github, smtp, githubUrl: `http://127.0.0.1:${github}`, smtpUrl: `smtp://127.0.0.1:${smtp}` };
}

export default async function startE2eFakes() {
  const ports = e2eFakePorts();
  const smtp = await startTestSmtpServer({ port: ports.smtp });
  const github = createFakeGithub(E2E_GITHUB_CLIENT);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", ports.githubUrl);
    if (url.pathname === "/__mailbox") {
      const to = url.searchParams.get("to")?.toLowerCase() ?? "";
      const mails = smtp.messages.filter((m) => m.to.includes(to)).map(({ subject, text, to }) => ({ subject, text, to }));
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(mails));
      return;
    }
    if (url.pathname === "/__fake/users" && req.method === "POST") {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        github.addUser(JSON.parse(body) as FakeGithubUser);
        res.writeHead(201).end();
      });
      return;
    }
    github.handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(ports.github, "127.0.0.1", resolve));
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await smtp.close();
  };
}
