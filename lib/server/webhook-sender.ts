import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";

import type { AttemptResult } from "../db/webhooks/deliveries";
import {
  DELIVERY_HEADER,
  DELIVERY_TIMEOUT_MS,
  EVENT_HEADER,
  isDeliveredStatus,
  SIGNATURE_HEADER,
  signPayload,
  TIMESTAMP_HEADER,
} from "../domain/webhooks/delivery";
import { isNonPublicAddress } from "../domain/webhooks/url";

// One signed POST. The host name is resolved here and every address it resolves to is checked at
// connect time (lib/domain/webhooks/url.ts), so a name that points — or later re-points — at a
// private address is refused. Redirects are not followed (a 3xx is a failure), the response body
// is not read beyond a little, and a slow receiver is cut off after DELIVERY_TIMEOUT_MS.

export type WebhookRequest = {
  url: string;
  body: string;
  secret: string;
  eventType: string;
  deliveryId: string;
  headers: Record<string, string> | null;
  timestampSeconds: number;
};

export type SendWebhook = (request: WebhookRequest) => Promise<AttemptResult>;

const USER_AGENT = "Keyward-Webhooks/1";

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const list = addresses as unknown as LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((entry) => isNonPublicAddress(entry.address));
      if (refused) {
        return callback(
          Object.assign(new Error(`refused: ${hostname} resolves to a non-public address`), { code: "EWEBHOOKPRIVATE" }),
          "",
          0,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export function createWebhookSender(options: { allowPrivate: boolean; timeoutMs?: number }): SendWebhook {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return (webhook) =>
    new Promise<AttemptResult>((resolve) => {
      const started = performance.now();
      const done = (statusCode: number | null, error: string | null) =>
        resolve({
          statusCode,
          error,
          durationMs: performance.now() - started,
          delivered: statusCode !== null && isDeliveredStatus(statusCode),
        });
      let url: URL;
      try {
        url = new URL(webhook.url);
      } catch {
        return done(null, "invalid URL");
      }
      const send = url.protocol === "https:" ? httpsRequest : url.protocol === "http:" ? httpRequest : null;
      if (!send) return done(null, "unsupported URL scheme");
      const body = Buffer.from(webhook.body);
      const request = send(url, {
        method: "POST",
        lookup: guardedLookup(options.allowPrivate),
        // IP literals skip lookup: check them here.
        timeout: timeoutMs,
        headers: {
          ...webhook.headers,
          "user-agent": USER_AGENT,
          "content-type": "application/json",
          "content-length": String(body.length),
          [EVENT_HEADER]: webhook.eventType,
          [DELIVERY_HEADER]: webhook.deliveryId,
          [TIMESTAMP_HEADER]: String(webhook.timestampSeconds),
          [SIGNATURE_HEADER]: signPayload(webhook.secret, webhook.timestampSeconds, webhook.body),
        },
      });
      request.on("timeout", () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
      request.on("error", (error) => done(null, error.message));
      request.on("response", (response) => {
        response.resume();
        response.on("end", () => done(response.statusCode ?? null, null));
        response.on("error", () => done(response.statusCode ?? null, null));
      });
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      if (!options.allowPrivate && /^[\d.]+$|:/.test(host) && isNonPublicAddress(host)) {
        request.destroy(new Error(`refused: ${host} is a non-public address`));
        return;
      }
      request.end(body);
    });
}
