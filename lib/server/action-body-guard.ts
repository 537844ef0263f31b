import { IncomingMessage, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { getServerActionRequestMetadata } from "next/dist/server/lib/server-action-request-meta";

import { JSON_TOO_DEEP_MESSAGE, jsonTextWithinDepth } from "../validations/json-depth";

// A server action's arguments arrive as JSON that React decodes (decodeReply, decodeAction) with
// a recursive walk, before any code of ours runs: 5,000 levels overflow the stack and the request
// ends in a 500 and a stack trace. So the body of every request Next.js would decode as an action
// is read here first (within Next's own size limit) and refused with a 400 when any JSON in it
// nests deeper than MAX_JSON_DEPTH. To check exactly the text React will parse, the body is split
// the way Next.js splits it: its own request classifier, its own multipart parser (busboy) for
// fetch calls, and the platform's FormData parser for form posts without JavaScript.

/**
 * Next.js's server action body limit: its default, as next.config.ts sets no
 * serverActions.bodySizeLimit (a test holds the two together). Larger bodies are refused with 413.
 */
export const SERVER_ACTION_BODY_LIMIT = 1024 * 1024;

/** How Next.js decodes a request's body as server action input. */
export type ActionBodyKind = "reply" | "multipart-reply" | "form";

/** How Next.js will decode this request's body as a server action (as it decides), or null when it won't read the body as one. */
export function actionBodyKind(req: IncomingMessage): ActionBodyKind | null {
  const { isFetchAction, isMultipartAction, isURLEncodedAction } = getServerActionRequestMetadata(req);
  // Next.js turns URL-encoded posts away unread.
  if (isURLEncodedAction) return null;
  if (isMultipartAction) return isFetchAction ? "multipart-reply" : "form";
  return isFetchAction ? "reply" : null;
}

/**
 * Whether every piece of the body that React may parse as JSON nests at most MAX_JSON_DEPTH deep.
 * Those pieces are JSON, for which the string-aware scan is exact. A multipart text field that is
 * not JSON is scanned too: one with 33 unclosed brackets is refused, which no Keyward form sends.
 * Uploaded files are not scanned, as React never parses them.
 */
export async function actionBodyWithinDepth(kind: ActionBodyKind, body: Buffer, headers: IncomingHttpHeaders): Promise<boolean> {
  if (kind === "reply") return jsonTextWithinDepth(body);
  const fields = kind === "multipart-reply" ? await busboyFields(body, headers) : await formDataFields(body, headers["content-type"]);
  return fields.every((field) => jsonTextWithinDepth(Buffer.from(field, "utf8")));
}

/**
 * Reads a server action's body and, when it is within the size limit and nesting depth, returns a
 * request carrying the same bytes for Next.js to read; otherwise answers 413 or 400 itself and
 * returns null.
 */
export async function checkedActionRequest(
  req: IncomingMessage,
  res: ServerResponse,
  kind: ActionBodyKind,
): Promise<IncomingMessage | null> {
  const body = await readBodyWithin(req, SERVER_ACTION_BODY_LIMIT);
  if (body === "aborted") return null;
  if (body === "too-large") {
    refuse(res, 413, `Server action bodies are limited to ${SERVER_ACTION_BODY_LIMIT / 1024 / 1024} MiB.`);
    return null;
  }
  if (!(await actionBodyWithinDepth(kind, body, req.headers))) {
    refuse(res, 400, JSON_TOO_DEEP_MESSAGE);
    return null;
  }
  return requestWithBody(req, body);
}

function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  if (Number(req.headers["content-length"]) > limit) return Promise.resolve("too-large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      resolve("too-large");
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => resolve("aborted"));
    // A client gone mid-body may end the stream with only "close"; after "end" this changes nothing.
    req.once("close", () => resolve("aborted"));
  });
}

function refuse(res: ServerResponse, status: 400 | 413, message: string): void {
  const body = JSON.stringify({ error: { message, details: null } });
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    // The rest of an oversized body is not worth reading.
    ...(status === 413 ? { Connection: "close" } : {}),
  });
  res.end(body);
}

/**
 * The request again, its body already read into memory: Next.js reads it as a stream like any
 * other, and sees the client's very bytes. Everything else (headers, URL, socket) is the original's.
 */
function requestWithBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(req.socket);
  replay.method = req.method;
  replay.url = req.url;
  replay.httpVersion = req.httpVersion;
  replay.httpVersionMajor = req.httpVersionMajor;
  replay.httpVersionMinor = req.httpVersionMinor;
  replay.headers = req.headers;
  replay.rawHeaders = req.rawHeaders;
  replay.trailers = req.trailers;
  replay.rawTrailers = req.rawTrailers;
  replay.complete = true;
  // The body is all here; the socket has nothing more of this request to give.
  replay._read = () => {};
  replay.push(body);
  replay.push(null);
  return replay;
}

type Busboy = NodeJS.WritableStream & {
  on(event: "field", listener: (name: string, value: string) => void): Busboy;
  on(event: "file", listener: (name: string, stream: NodeJS.ReadableStream) => void): Busboy;
  on(event: "close" | "error", listener: () => void): Busboy;
};

/**
 * The text fields of a fetch call's multipart body, as Next.js's own busboy (same options) hands
 * them to React, so part boundaries and charsets are read the same way. A body it cannot parse
 * gives the fields before the fault, as it would to React.
 */
async function busboyFields(body: Buffer, headers: IncomingHttpHeaders): Promise<string[]> {
  // Next.js ships it untyped, as a CommonJS module.
  const createBusboy = createRequire(import.meta.url)("next/dist/compiled/busboy") as (options: object) => Busboy;
  const fields: string[] = [];
  let busboy: Busboy;
  try {
    busboy = createBusboy({ defParamCharset: "utf8", headers, limits: { fieldSize: SERVER_ACTION_BODY_LIMIT } });
  } catch {
    return fields; // no usable boundary: Next.js's busboy throws the same before React sees anything
  }
  return new Promise((resolve) => {
    busboy.on("field", (_name, value) => void fields.push(value));
    busboy.on("file", (_name, stream) => void stream.resume());
    busboy.on("close", () => resolve(fields));
    busboy.on("error", () => resolve(fields));
    busboy.end(body);
  });
}

/** The text fields of a form post without JavaScript, parsed as Next.js parses them for React's decodeAction (the platform's Request.formData). */
async function formDataFields(body: Buffer, contentType: string | undefined): Promise<string[]> {
  let form: FormData;
  try {
    form = await new Request("http://keyward.invalid/", {
      method: "POST",
      headers: { "content-type": contentType ?? "" },
      body: new Uint8Array(body),
    }).formData();
  } catch {
    return []; // Next.js's parse fails the same way, before React sees anything
  }
  return [...form.values()].filter((value): value is string => typeof value === "string");
}
