// What any Node reverse proxy adds on this machine: a node:http server that forwards each call to
// UPSTREAM with undici (the client Keyward's gateway uses, on a kept-alive pool of connections), the
// client's headers passed on but for the connection's own, and the upstream's answer streamed back
// as it came. No authorization, no charge, no usage row: bench/gateway.ts measures it in the same
// rounds as the gateway, so the gateway's added latency can be read against this machine's floor.
// Prints "listening <port>".
import { createServer, type IncomingHttpHeaders } from "node:http";
import { Agent, type Dispatcher } from "undici";

const upstream = process.env.UPSTREAM;
if (!upstream) throw new Error("UPSTREAM is required");
const agent = new Agent({ connections: 256 });
// Hop-by-hop headers belong to one connection (RFC 9110 §7.6.1); Host names the upstream instead.
const NOT_FORWARDED = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !NOT_FORWARDED.has(name)) out[name] = value;
  }
  return out;
}

const server = createServer((req, res) => {
  const handler: Dispatcher.DispatchHandler = {
    // Present so undici takes this handler for its newer interface (the one proxy.ts uses).
    onRequestStart() {},
    onResponseStart(_controller, status, headers) {
      res.writeHead(status, forwardable(headers));
    },
    onResponseData(_controller, chunk) {
      res.write(chunk);
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError() {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    },
  };
  const hasBody = req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
  if (!hasBody) req.resume();
  const request = { origin: upstream, method: req.method ?? "GET", path: req.url ?? "/", headers: forwardable(req.headers) };
  agent.dispatch({ ...request, body: hasBody ? req : null }, handler);
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
