import { describe, expect, it } from "vitest";

import { allowPrivateFromEnv, checkWebhookUrl, isNonPublicAddress } from "./url";

const strict = { allowPrivate: false };

describe("checkWebhookUrl", () => {
  it.each([
    "http://127.0.0.1/hook",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.1.2.3/",
    "http://192.168.0.10/",
    "http://172.31.255.255/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://2130706433/", // 127.0.0.1 as one number
    "http://0x7f.1/",
    "http://0.0.0.0/",
  ])("refuses %s by default", (url) => {
    expect(checkWebhookUrl(url, strict)).toMatchObject({ ok: false });
  });

  it.each(["ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "not a url", "https://user:pw@example.com/"])(
    "refuses %s whatever the setting",
    (url) => {
      expect(checkWebhookUrl(url, { allowPrivate: true })).toMatchObject({ ok: false });
    },
  );

  it("accepts public http(s) URLs", () => {
    expect(checkWebhookUrl("https://hooks.example.com/keyward?x=1", strict)).toEqual({
      ok: true,
      url: "https://hooks.example.com/keyward?x=1",
    });
    expect(checkWebhookUrl("http://93.184.216.34:8080/", strict)).toMatchObject({ ok: true });
  });

  it("accepts private addresses only when allowed", () => {
    expect(checkWebhookUrl("http://127.0.0.1:4000/hook", { allowPrivate: true })).toMatchObject({ ok: true });
  });
});

describe("isNonPublicAddress", () => {
  it("knows loopback, private, link-local and mapped addresses, and lets public ones through", () => {
    for (const ip of ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:10.0.0.1", "fe80::1", "100.64.0.1", "garbage"]) {
      expect(isNonPublicAddress(ip), ip).toBe(true);
    }
    for (const ip of ["8.8.8.8", "93.184.216.34", "2606:4700::1111"]) expect(isNonPublicAddress(ip), ip).toBe(false);
  });
});

describe("allowPrivateFromEnv", () => {
  it("is off unless set to 1 or true", () => {
    expect(allowPrivateFromEnv({})).toBe(false);
    expect(allowPrivateFromEnv({ KEYWARD_WEBHOOK_ALLOW_PRIVATE: "0" })).toBe(false);
    expect(allowPrivateFromEnv({ KEYWARD_WEBHOOK_ALLOW_PRIVATE: "1" })).toBe(true);
  });
});
