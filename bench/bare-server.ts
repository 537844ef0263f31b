// The limit of this machine: a bare node:http server answering the API's JSON from memory.
// bench/api.ts runs it in its own process, beside the real server, for the throughput ratio.
import { createServer } from "node:http";

const QUOTA =
  process.env.BARE_QUOTA_JSON ?? JSON.stringify({ quota: 999_999, maxQuota: 1_000_000, nextWindowRefresh: "2026-12-01T00:00:00.000Z" });
const REPOS = process.env.BARE_REPOS_JSON ?? JSON.stringify({ results: [], nextPage: null });
const VERIFY = process.env.BARE_VERIFY_JSON ?? JSON.stringify({ valid: true });

const server = createServer((req, res) => {
  // A POST body is read (and dropped) before answering, as the real server must.
  req.resume();
  const body = req.url?.startsWith("/v0/quota") ? QUOTA : req.url?.startsWith("/v1/verify") ? VERIFY : REPOS;
  res.writeHead(200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(body);
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
