// A local stand-in for GitHub's OAuth web flow and the few REST endpoints Keyward calls, so
// the whole "sign in with GitHub" flow runs for real without the internet. It behaves like
// GitHub where Keyward depends on it: the authorize page redirects back with a single-use code
// and the state, the token endpoint checks the client secret, redirect URI and PKCE verifier,
// and the API answers /user, /user/emails, /user/orgs and /orgs/{org}/members/{login} for the
// token's owner only (401 for a bad token; 204/404/302 for membership, as GitHub does).
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeGithubUser = {
  id: number;
  login: string;
  name?: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
  /** GitHub organizations (logins) the user belongs to. */
  orgs?: string[];
};

export type FakeGithubOptions = { clientId: string; clientSecret: string; users?: FakeGithubUser[] };

/** Where the REST API is mounted, like GitHub Enterprise's /api/v3: proves the web and API URLs are configured separately. */
export const FAKE_GITHUB_API_PATH = "/api/v3";

type PendingCode = { login: string; clientId: string; redirectUri: string; codeChallenge: string | null; expiresAt: number };

export function createFakeGithub(options: FakeGithubOptions) {
  const users = new Map<string, FakeGithubUser>();
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, string>(); // access token → login
  const apiCalls: string[] = [];
  const addUser = (user: FakeGithubUser) => users.set(user.login.toLowerCase(), user);
  for (const user of options.users ?? []) addUser(user);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-github.local");
    if (url.pathname === "/login/oauth/authorize") return authorize(req, res, url);
    if (url.pathname === "/login/oauth/access_token" && req.method === "POST") return accessToken(req, res);
    if (url.pathname.startsWith(`${FAKE_GITHUB_API_PATH}/`)) return api(req, res, url.pathname.slice(FAKE_GITHUB_API_PATH.length));
    send(res, 404, { message: "Not Found" });
  }

  async function authorize(req: IncomingMessage, res: ServerResponse, url: URL) {
    const params = req.method === "POST" ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const clientId = params.get("client_id");
    const redirectUri = params.get("redirect_uri");
    if (clientId !== options.clientId || !redirectUri) return sendHtml(res, 404, "<h1>Unknown OAuth application</h1>");
    if (req.method !== "POST") {
      // GitHub's consent screen, reduced to "who are you": the test types the account it signs in as.
      const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join("");
      return sendHtml(
        res,
        200,
        `<h1>Authorize Keyward</h1><form method="post" action="/login/oauth/authorize">${hidden}
         <label>GitHub login <input name="login" autocomplete="off"></label>
         <button type="submit">Authorize</button></form>`,
      );
    }
    const user = users.get((params.get("login") ?? "").toLowerCase());
    if (!user) return sendHtml(res, 200, "<h1>Incorrect username or password.</h1>");
    const code = randomBytes(10).toString("hex");
    const method = params.get("code_challenge_method");
    codes.set(code, {
      login: user.login,
      clientId,
      redirectUri,
      codeChallenge: params.get("code_challenge") && method === "S256" ? params.get("code_challenge") : null,
      expiresAt: Date.now() + 10 * 60_000,
    });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    if (params.get("state")) back.searchParams.set("state", params.get("state")!);
    res.writeHead(302, { Location: back.toString() }).end();
  }

  async function accessToken(req: IncomingMessage, res: ServerResponse) {
    const body = new URLSearchParams(await readBody(req));
    let clientId = body.get("client_id");
    let clientSecret = body.get("client_secret");
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], "base64").toString().split(":").map(decodeURIComponent);
      clientId = id;
      clientSecret = secret;
    }
    // GitHub answers token errors with 200 and an "error" field.
    if (clientId !== options.clientId || clientSecret !== options.clientSecret)
      return send(res, 200, { error: "incorrect_client_credentials" });
    const code = codes.get(body.get("code") ?? "");
    codes.delete(body.get("code") ?? "");
    if (!code || code.expiresAt < Date.now() || code.clientId !== clientId) return send(res, 200, { error: "bad_verification_code" });
    if (body.get("redirect_uri") && body.get("redirect_uri") !== code.redirectUri)
      return send(res, 200, { error: "redirect_uri_mismatch" });
    if (code.codeChallenge) {
      const verifier = body.get("code_verifier") ?? "";
      if (createHash("sha256").update(verifier).digest("base64url") !== code.codeChallenge) {
        return send(res, 200, { error: "bad_verification_code", error_description: "PKCE verification failed" });
      }
    }
    const token = `gho_${randomBytes(18).toString("hex")}`;
    tokens.set(token, code.login.toLowerCase());
    send(res, 200, { access_token: token, token_type: "bearer", scope: "read:org,read:user,user:email" });
  }

  function api(req: IncomingMessage, res: ServerResponse, path: string): void {
    apiCalls.push(`${req.method} ${path}`);
    const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const login = token ? tokens.get(token) : undefined;
    const me = login ? users.get(login) : undefined;
    if (!me) return send(res, 401, { message: "Bad credentials" });
    if (path === "/user") {
      const publicEmail = null; // Keyward must not depend on a public profile email.
      return send(res, 200, { id: me.id, login: me.login, name: me.name ?? null, email: publicEmail, avatar_url: "" });
    }
    if (path === "/user/emails") return send(res, 200, me.emails);
    if (path === "/user/orgs")
      return send(
        res,
        200,
        (me.orgs ?? []).map((org, i) => ({ login: org, id: 1000 + i })),
      );
    const membership = /^\/orgs\/([^/]+)\/members\/([^/]+)$/.exec(path);
    if (membership) {
      const org = decodeURIComponent(membership[1]).toLowerCase();
      const target = users.get(decodeURIComponent(membership[2]).toLowerCase());
      const inOrg = (u: FakeGithubUser | undefined) => Boolean(u?.orgs?.some((o) => o.toLowerCase() === org));
      // A requester outside the org is redirected to the public-members check, like GitHub does.
      if (!inOrg(me)) {
        res.writeHead(302, { Location: `${FAKE_GITHUB_API_PATH}/orgs/${org}/public_members/${membership[2]}` }).end();
      } else if (inOrg(target)) {
        res.writeHead(204).end();
      } else {
        send(res, 404, { message: "Not Found" });
      }
      return;
    }
    send(res, 404, { message: "Not Found" });
  }

  return { handle, addUser, users, apiCalls };
}

export type FakeGithub = ReturnType<typeof createFakeGithub> & {
  url: string;
  apiUrl: string;
  port: number;
  close(): Promise<void>;
};

export async function startFakeGithub(options: FakeGithubOptions & { port?: number; host?: string }): Promise<FakeGithub> {
  const fake = createFakeGithub(options);
  const server = createServer((req, res) => {
    fake.handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    ...fake,
    url,
    apiUrl: `${url}${FAKE_GITHUB_API_PATH}`,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Signs in at the fake's authorize page the way a browser would and returns the redirect back to the app. */
export async function authorizeAs(authorizeUrl: string, login: string): Promise<URL> {
  const url = new URL(authorizeUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set("login", login);
  const response = await fetch(`${url.origin}${url.pathname}`, { method: "POST", body: form, redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`fake GitHub did not redirect back (status ${response.status})`);
  return new URL(location);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><html><body>${body}</body></html>`);
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
