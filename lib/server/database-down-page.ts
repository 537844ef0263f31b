// A dashboard page that fails while the database is away answers 503 with a page saying so
// (and retrying by itself), not Next.js's 500 error panel: a load balancer or monitor then sees
// "unavailable, retry", and a person sees what is wrong. Next.js has no way for a page to set
// 503, so the custom server holds back a page's 500 answer, asks the database probe, and
// replaces the answer when the database does not respond. Pages that work are not touched.
import type { IncomingMessage, ServerResponse } from "node:http";

export const DATABASE_DOWN_RETRY_SECONDS = 10;

/** Whether this request is a dashboard page (not an asset, API, or server action call). */
export function isPageRequest(req: IncomingMessage): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const url = req.url ?? "/";
  return !url.startsWith("/_next/") && !url.startsWith("/api/") && !url.startsWith("/v0/");
}

type WriteHead = ServerResponse["writeHead"];
type Callback = (error?: Error | null) => void;

/**
 * Watches a page's answer: a 500 is held back until the database was asked; if it is down the
 * answer becomes the 503 page, otherwise the held 500 goes out unchanged.
 */
export function replace500WhenDatabaseDown(res: ServerResponse, databaseDown: () => Promise<boolean>): void {
  const writeHead = res.writeHead;
  const write = res.write;
  const end = res.end;
  const flushHeaders = res.flushHeaders;
  let heldHead: Parameters<WriteHead> | null = null;
  let released = false;
  const heldChunks: [chunk: unknown, encoding?: BufferEncoding][] = [];

  // The wrappers stay in place and pass through unless a 500 is being held: Next.js (its
  // compression) wraps these methods again on top, so putting the originals back would undo that.
  // Node's write() and end() without an explicit writeHead() call it too (with res.statusCode).
  res.writeHead = function (this: ServerResponse, ...args: Parameters<WriteHead>) {
    if (released || (args[0] < 500 && !heldHead)) return writeHead.apply(this, args);
    heldHead = args;
    return this;
  } as WriteHead;

  res.flushHeaders = function (this: ServerResponse) {
    if (!heldHead || released) flushHeaders.call(this);
  };

  res.write = function (this: ServerResponse, chunk: unknown, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback) {
    if (!heldHead && !this.headersSent && !released && this.statusCode >= 500) this.writeHead(this.statusCode);
    if (!heldHead || released) return (write as (...args: unknown[]) => boolean).call(this, chunk, encodingOrCallback, callback);
    const cb = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    if (chunk !== undefined && chunk !== null)
      heldChunks.push([chunk, typeof encodingOrCallback === "string" ? encodingOrCallback : undefined]);
    if (cb) process.nextTick(cb);
    return true;
  } as typeof res.write;

  res.end = function (this: ServerResponse, chunk?: unknown, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback) {
    if (typeof chunk === "function") {
      callback = chunk as Callback;
      chunk = undefined;
    }
    if (!heldHead && !this.headersSent && !released && this.statusCode >= 500) this.writeHead(this.statusCode);
    if (!heldHead || released) return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, encodingOrCallback, callback);
    if (chunk !== undefined && chunk !== null)
      heldChunks.push([chunk, typeof encodingOrCallback === "string" ? encodingOrCallback : undefined]);
    const cb = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    void databaseDown()
      .catch(() => false)
      .then((down) => {
        released = true;
        if (down) sendDatabaseDownPage(res, writeHead, end);
        else {
          writeHead.apply(res, heldHead!);
          for (const [held, encoding] of heldChunks)
            (write as (chunk: unknown, encoding?: BufferEncoding) => boolean).call(res, held, encoding);
          (end as () => void).call(res);
        }
        cb?.();
      });
    return this;
  } as typeof res.end;
}

// The page's own headers (its HTML's length, encoding, caching, cookies) describe the 500, not this page.
const PAGE_HEADERS_DROPPED = [
  "content-length",
  "content-encoding",
  "content-type",
  "etag",
  "vary",
  "cache-control",
  "set-cookie",
  "link",
  "x-nextjs-cache",
  "x-nextjs-prerender",
];

function sendDatabaseDownPage(res: ServerResponse, writeHead: WriteHead, end: ServerResponse["end"]): void {
  for (const name of PAGE_HEADERS_DROPPED) res.removeHeader(name);
  const body = DATABASE_DOWN_PAGE;
  writeHead.call(res, 503, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "Retry-After": String(DATABASE_DOWN_RETRY_SECONDS),
  });
  (end as (chunk?: string) => void).call(res, res.req?.method === "HEAD" ? undefined : body);
}

// Self-contained (no scripts, styles or assets from the app) and reloading itself, so it
// recovers when the database returns without anyone pressing a button.
const DATABASE_DOWN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${DATABASE_DOWN_RETRY_SECONDS}">
<title>Keyward is temporarily unavailable</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1f2937}h1{font-size:1.5rem}p{line-height:1.5}</style>
</head>
<body>
<main>
<h1>Keyward cannot reach its database</h1>
<p>The dashboard is temporarily unavailable. Nothing you saved is lost, and API tokens keep their settings.</p>
<p>This page reloads itself every ${DATABASE_DOWN_RETRY_SECONDS} seconds and shows the dashboard again as soon as the database is back. If it stays, tell your Keyward administrator.</p>
</main>
</body>
</html>
`;
