import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { verifySignature } from "@/lib/domain/webhooks/delivery";

// A webhook receiver for the tests: a node:http server on loopback that keeps every request and
// answers as the test says (a status, or never: `hang` holds the request open).

export type ReceivedWebhook = { headers: IncomingHttpHeaders; body: string; json: { id: string; type: string; [key: string]: unknown } };

export type WebhookReceiver = {
  url: string;
  received: ReceivedWebhook[];
  /** Status for the next requests (default 200); "hang" never answers. */
  respondWith(answer: number | "hang"): void;
  /** Resolves with the first request matching, or rejects at the deadline. */
  waitFor(match: (request: ReceivedWebhook) => boolean, deadlineMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const held: ServerResponse[] = [];
  let answer: number | "hang" = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      if (answer === "hang") return void held.push(res);
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    respondWith: (next) => void (answer = next),
    async waitFor(match, deadlineMs = 15_000) {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const found = received.find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching webhook request arrived; got: ${received.map((r) => r.json.type).join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The receiver's check, as the README's snippet does it. */
export function isSignedBy(secret: string, request: ReceivedWebhook, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return verifySignature(
    secret,
    { signature: header("x-keyward-signature"), timestamp: header("x-keyward-timestamp") },
    request.body,
    nowSeconds,
  );
}
