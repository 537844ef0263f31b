import type { IncomingMessage, ServerResponse } from "node:http";

import { JSON_TOO_DEEP_MESSAGE, jsonTextWithinDepth } from "../validations/json-depth";
import { isStorableDeep } from "../validations/text";
import { badRequest, errorBody, payloadTooLarge, type ApiError } from "./errors";

// The HTTP toolkit of everything served under /v0/ (lib/api/handler.ts and the leaked-token
// endpoint): reading a body within a limit, decoding JSON safely, and sending JSON answers.
// Plain functions over Node's request and response, no per-request closures beyond the body
// reader's listeners: they run on the REST hot path (bench/README.md).

const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\b/i;

/** Whether a Content-Type names JSON (`application/json`, `application/problem+json`, …). */
export function isJsonContentType(contentType: string | undefined): contentType is string {
  return contentType !== undefined && JSON_CONTENT_TYPE.test(contentType);
}

/**
 * The request body, refused with 413 as soon as it is known to exceed `maxBytes` (declared by
 * Content-Length, or once that much has arrived). The rest of a refused body is drained, not kept.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(payloadTooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.off("end", onEnd);
        req.resume();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", () => reject(badRequest("The request body could not be read.")));
  });
}

/**
 * Decodes a JSON body, or throws the 400 to answer: nested too deeply (checked on the bytes,
 * before JSON.parse allocates one object per level), not JSON, or holding text the database
 * cannot store (NUL, lone surrogates).
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (!jsonTextWithinDepth(raw)) throw badRequest(JSON_TOO_DEEP_MESSAGE);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  if (!isStorableDeep(json))
    throw badRequest("The request body contains a string that is not valid text (NUL or a lone surrogate escape).");
  return json;
}

/** Sends a JSON value (not cached: answers depend on the caller). Does nothing once headers are out. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendRaw(res, status, JSON.stringify(body), headers);
}

/** Sends JSON text already serialized; `headers` add to or override the defaults. */
export function sendRaw(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  if (res.headersSent) return;
  const all: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  };
  if (headers) Object.assign(all, headers);
  res.writeHead(status, all);
  res.end(text);
}

/** Sends an ApiError as `{ "error": { "message", "details" } }` with its status and headers (e.g. Retry-After). */
export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, errorBody(error), error.headers);
}
