import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import nextConfig from "../../next.config";
import { JSON_TOO_DEEP_MESSAGE } from "../validations/json-depth";
import {
  actionBodyKind,
  actionBodyWithinDepth,
  checkedActionRequest,
  SERVER_ACTION_BODY_LIMIT,
  type ActionBodyKind,
} from "./action-body-guard";

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const actionInput = (tokenId: string) => `["$undefined",{"orgSlug":"acme","tokenId":${tokenId}}]`;
const TOO_DEEP = { error: { message: JSON_TOO_DEEP_MESSAGE, details: null } };

/** A multipart body as a browser (or React's encodeReply) would send it. */
async function multipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const response = new Response(form);
  return { body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get("content-type")! };
}

function fields(entries: [string, string | Blob][]): FormData {
  const form = new FormData();
  for (const [name, value] of entries) form.append(name, value);
  return form;
}

async function withinDepth(kind: ActionBodyKind, form: FormData) {
  const { body, contentType } = await multipart(form);
  return actionBodyWithinDepth(kind, body, { "content-type": contentType });
}

describe("actionBodyKind: the requests Next.js decodes as server actions", () => {
  const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as IncomingMessage;

  it("names fetch calls, multipart fetch calls and form posts; leaves everything else alone", () => {
    expect(actionBodyKind(request("POST", { "next-action": "7f00", "content-type": "text/plain;charset=UTF-8" }))).toBe("reply");
    expect(actionBodyKind(request("POST", { "next-action": "7f00", "content-type": "multipart/form-data; boundary=x" }))).toBe(
      "multipart-reply",
    );
    expect(actionBodyKind(request("POST", { "content-type": "multipart/form-data; boundary=x" }))).toBe("form");
    expect(actionBodyKind(request("POST", { "next-action": "7f00", "content-type": "application/x-www-form-urlencoded" }))).toBeNull();
    expect(actionBodyKind(request("POST", { "content-type": "application/json" }))).toBeNull();
    expect(actionBodyKind(request("GET", { "next-action": "7f00" }))).toBeNull();
  });
});

describe("actionBodyWithinDepth", () => {
  it("a fetch call's JSON body: takes 32 levels, refuses 33 and 20,000, and does not count brackets inside strings", async () => {
    const reply = (text: string) => actionBodyWithinDepth("reply", Buffer.from(text), {});
    // The input object and the argument list are two levels.
    expect(await reply(actionInput(nested(30)))).toBe(true);
    expect(await reply(actionInput(nested(31)))).toBe(false);
    expect(await reply(actionInput(nested(20_000)))).toBe(false);
    expect(await reply(actionInput(JSON.stringify("[{".repeat(100))))).toBe(true);
  });

  it("a multipart fetch call: refuses JSON nested too deeply in any part, not just the first", async () => {
    expect(
      await withinDepth(
        "multipart-reply",
        fields([
          ["0", '["$undefined","$1"]'],
          ["1", `{"orgSlug":"acme","tokenId":"t"}`],
        ]),
      ),
    ).toBe(true);
    expect(
      await withinDepth(
        "multipart-reply",
        fields([
          ["0", '["$undefined","$1"]'],
          ["1", `{"orgSlug":"acme","tokenId":${nested(20_000)}}`],
        ]),
      ),
    ).toBe(false);
    expect(await withinDepth("multipart-reply", fields([["0", actionInput(JSON.stringify("[".repeat(100)))]]))).toBe(true);
  });

  it("a multipart fetch call: reads each part in the charset it declares, as React receives it", async () => {
    // In UTF-16 "∀" is the bytes 00 22: a scan of the raw bytes would see a quote there and take
    // the nesting after it for a string. Next.js's parser decodes the part, and so does the check.
    const hidden = Buffer.from(`["∀",${nested(100)}]`, "utf16le");
    const body = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="0"\r\nContent-Type: text/plain; charset=utf-16le\r\n\r\n'),
      hidden,
      Buffer.from("\r\n--b--\r\n"),
    ]);
    expect(await actionBodyWithinDepth("multipart-reply", body, { "content-type": "multipart/form-data; boundary=b" })).toBe(false);
  });

  it("does not scan uploaded files, which React never parses", async () => {
    const upload = new File([nested(100)], "nested.json", { type: "application/json" });
    expect(
      await withinDepth(
        "multipart-reply",
        fields([
          ["0", '["$undefined","$K1"]'],
          ["1_file", upload],
        ]),
      ),
    ).toBe(true);
    expect(
      await withinDepth(
        "form",
        fields([
          ["$ACTION_ID_7f00", ""],
          ["file", upload],
        ]),
      ),
    ).toBe(true);
  });

  it("a form posted without JavaScript: refuses deep JSON among a bound action's arguments", async () => {
    const bound = (argument: string) =>
      fields([
        ["$ACTION_REF_1", ""],
        ["$ACTION_1:0", '{"id":"7f00","bound":"$@1"}'],
        ["$ACTION_1:1", argument],
        ["name", "CI"],
      ]);
    expect(await withinDepth("form", bound('["$undefined",{"orgSlug":"acme"}]'))).toBe(true);
    expect(await withinDepth("form", bound(actionInput(nested(20_000))))).toBe(false);
  });

  it("refuses a plain text field with 33 unclosed brackets (no Keyward form sends one)", async () => {
    expect(
      await withinDepth(
        "form",
        fields([
          ["$ACTION_ID_7f00", ""],
          ["name", "[".repeat(33)],
        ]),
      ),
    ).toBe(false);
    expect(
      await withinDepth(
        "form",
        fields([
          ["$ACTION_ID_7f00", ""],
          ["name", "[".repeat(32)],
        ]),
      ),
    ).toBe(true);
  });

  it("lets unparseable multipart through to Next.js, which refuses it the same way before React decodes anything", async () => {
    expect(await actionBodyWithinDepth("multipart-reply", Buffer.from(nested(100)), { "content-type": "multipart/form-data" })).toBe(true);
    expect(await actionBodyWithinDepth("form", Buffer.from(nested(100)), { "content-type": "multipart/form-data; boundary=b" })).toBe(true);
  });
});

describe("checkedActionRequest over HTTP", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Stands in for Next.js: answers with the body it reads from the request it is handed.
    server = createServer((req, res) => {
      const kind = actionBodyKind(req);
      if (!kind) return void res.writeHead(204).end();
      void checkedActionRequest(req, res, kind).then(async (checked) => {
        if (!checked) return;
        const chunks: Buffer[] = [];
        for await (const chunk of checked) chunks.push(chunk as Buffer);
        res
          .writeHead(200, { "content-type": "application/octet-stream", "x-seen-action": String(checked.headers["next-action"]) })
          .end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/acme/tokens`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (body: BodyInit, headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers: { "next-action": "7f00", ...headers }, body });

  it("hands on the very bytes it read, text or multipart", async () => {
    const text = actionInput('"tok_1 ✓"');
    const asText = await send(text, { "content-type": "text/plain;charset=UTF-8" });
    expect(asText.status).toBe(200);
    expect(asText.headers.get("x-seen-action")).toBe("7f00");
    expect(await asText.text()).toBe(text);

    const { body, contentType } = await multipart(
      fields([
        ["0", '["$undefined","$1"]'],
        ["1", text],
        ["file", new File([new Uint8Array([0, 255, 13, 10, 45, 45])], "x.bin")],
      ]),
    );
    const asMultipart = await send(new Uint8Array(body), { "content-type": contentType });
    expect(asMultipart.status).toBe(200);
    expect(Buffer.from(await asMultipart.arrayBuffer()).equals(body)).toBe(true);
  });

  it("answers 400 with the API's error body to JSON nested 20,000 deep, as text or multipart", async () => {
    const deep = actionInput(nested(20_000));
    const asText = await send(deep, { "content-type": "text/plain;charset=UTF-8" });
    expect(asText.status).toBe(400);
    expect(asText.headers.get("content-type")).toBe("application/json");
    expect(await asText.json()).toEqual(TOO_DEEP);

    const asMultipart = await send(fields([["0", deep]]), {});
    expect(asMultipart.status).toBe(400);
    expect(await asMultipart.json()).toEqual(TOO_DEEP);
  });

  it("takes a body at the size limit and refuses one byte more with 413, declared or streamed", async () => {
    const atLimit = `"${"a".repeat(SERVER_ACTION_BODY_LIMIT - 2)}"`;
    expect((await send(atLimit, { "content-type": "text/plain" })).status).toBe(200);
    expect((await send(`${atLimit} `, { "content-type": "text/plain" })).status).toBe(413);

    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(atLimit));
        controller.enqueue(new TextEncoder().encode(" "));
        controller.close();
      },
    });
    const chunked = await fetch(url, {
      method: "POST",
      headers: { "next-action": "7f00", "content-type": "text/plain" },
      body: streamed,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("stays within the server action body limit Next.js applies (next.config.ts sets none, so its default 1 MB)", () => {
    expect(nextConfig.experimental?.serverActions?.bodySizeLimit).toBeUndefined();
    expect(SERVER_ACTION_BODY_LIMIT).toBe(1024 * 1024);
  });
});
