import { SocketSdk } from "@socketsecurity/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";

import { callApi, insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// Repositories and repository labels through the real Socket client (@socketsecurity/sdk, pinned),
// as a user would drive them; associate/disassociate, which the SDK has no method for, through its
// generic sendApi. Each write is checked in the database and the audit log, not only in the answer.

let server: TestApiServer;
let org: { id: string; slug: string };
let otherOrg: { id: string; slug: string };
let writer: TestToken;
let listOnly: TestToken;
let labeler: TestToken;
let outsider: TestToken;
const sdk = (token: string) => new SocketSdk(token, { baseUrl: `${server.url}/v0/`, retries: 0 });

beforeAll(async () => {
  server = await startApiServer();
  ({ org } = await createTestOrg("repos-sdk"));
  ({ org: otherOrg } = await createTestOrg("repos-sdk-other"));
  writer = await insertToken(org.id, { name: "repo admin", scopes: ["repo", "repo-label"], quotaMax: 5_000 });
  listOnly = await insertToken(org.id, { name: "lister", scopes: ["repo:list", "repo-label:list"], quotaMax: 5_000 });
  labeler = await insertToken(org.id, { name: "labeler", scopes: ["repo-label:update"], quotaMax: 5_000 });
  outsider = await insertToken(otherOrg.id, { name: "outsider", scopes: ["repo", "repo-label"], quotaMax: 5_000 });
});

afterAll(async () => {
  await server.close();
});

/** The org's repository audit events, by name (sorted: two may share a millisecond). */
async function auditActions(orgId: string): Promise<string[]> {
  const rows = await db.auditEvent.findMany({ where: { orgId, action: { startsWith: "repo" } }, select: { action: true } });
  return rows.map((row) => row.action).sort();
}

describe("repositories through the Socket SDK", () => {
  it("creates, views, updates, renames, archives and deletes a repository, audited with the token as actor", async () => {
    const client = sdk(writer.value);
    const created = await client.createRepository(org.slug, "keyward", {
      description: "The token manager",
      homepage: "https://keyward.example",
      visibility: "public",
      default_branch: "trunk",
      workspace: "platform",
    });
    expect(created.success).toBe(true);
    expect(created.data).toMatchObject({
      slug: "keyward",
      name: "keyward",
      description: "The token manager",
      homepage: "https://keyward.example",
      visibility: "public",
      archived: false,
      default_branch: "trunk",
      workspace: "platform",
      head_full_scan_id: null,
      integration_meta: null,
    });
    const id = created.data!.id;

    const viewed = await client.getRepository(org.slug, "keyward");
    expect(viewed).toMatchObject({ success: true, data: { id, slug: "keyward", slig: "keyward", visibility: "public" } });
    // A workspace in the query must match the repository's.
    expect(await client.getRepository(org.slug, "keyward", { workspace: "platform" })).toMatchObject({ success: true });
    expect(await client.getRepository(org.slug, "keyward", { workspace: "elsewhere" })).toMatchObject({ success: false, status: 404 });

    // As the Socket CLI sends it: the same name, its own `orgSlug` field, every other field.
    const updated = await client.updateRepository(org.slug, "keyward", {
      orgSlug: org.slug,
      name: "keyward",
      description: "Tokens, managed",
      homepage: "",
      default_branch: null,
      visibility: "private",
    });
    expect(updated).toMatchObject({
      success: true,
      data: { id, description: "Tokens, managed", homepage: "", default_branch: null, visibility: "private", workspace: "platform" },
    });

    const renamed = await client.updateRepository(org.slug, "keyward", { name: "keyward-app", archived: true });
    expect(renamed).toMatchObject({ success: true, data: { id, slug: "keyward-app", name: "keyward-app", archived: true } });
    expect(await client.getRepository(org.slug, "keyward")).toMatchObject({ success: false, status: 404 });

    const deleted = await client.deleteRepository(org.slug, "keyward-app");
    expect(deleted).toMatchObject({ success: true, data: { status: "ok" } });
    expect(await db.repo.findUnique({ where: { id } })).toBeNull();
    expect(await client.deleteRepository(org.slug, "keyward-app")).toMatchObject({ success: false, status: 404 });

    expect(await auditActions(org.id)).toEqual(["repo.archived", "repo.created", "repo.deleted", "repo.updated"]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "repo.created" } });
    expect(event).toMatchObject({ actorTokenId: writer.tokenId, actorUserId: null, targetId: id });
  });

  it("refuses a second repository with the same name (409), and a rename onto another's name", async () => {
    const client = sdk(writer.value);
    expect(await client.createRepository(org.slug, "dup")).toMatchObject({ success: true });
    expect(await client.createRepository(org.slug, "dup")).toMatchObject({ success: false, status: 409 });
    expect(await client.createRepository(org.slug, "dup-2")).toMatchObject({ success: true });
    expect(await client.updateRepository(org.slug, "dup-2", { name: "dup" })).toMatchObject({ success: false, status: 409 });
    expect(await db.repo.count({ where: { orgId: org.id, slug: { in: ["dup", "dup-2"] } } })).toBe(2);
  });

  it("pages the list with created repositories in it", async () => {
    const client = sdk(writer.value);
    for (const slug of ["page-a", "page-b", "page-c"])
      expect(await client.createRepository(org.slug, slug)).toMatchObject({ success: true });
    const first = await client.listRepositories(org.slug, { sort: "name", direction: "asc", per_page: 2, page: 1 });
    const all: string[] = [];
    let page: number | null | undefined = 1;
    while (page) {
      const result = await client.listRepositories(org.slug, { sort: "name", direction: "asc", per_page: 2, page });
      expect(result.success).toBe(true);
      all.push(...result.data!.results.map((repo) => repo.slug));
      page = result.data!.nextPage;
    }
    expect(first.data?.nextPage).toBe(2);
    expect(all.filter((slug) => slug.startsWith("page-"))).toEqual(["page-a", "page-b", "page-c"]);
    expect(new Set(all).size).toBe(all.length);
  });

  it("answers a repository the same from the list (the store's record, epoch ms) as from a view (Prisma's row, Dates)", async () => {
    const client = sdk(writer.value);
    const created = await client.createRepository(org.slug, "same-both-ways", {
      description: "d",
      homepage: "https://example.com",
      default_branch: "main",
      workspace: "ws",
    });
    expect(created.success).toBe(true);
    const viewed = await client.getRepository(org.slug, "same-both-ways");
    const listed = await client.listRepositories(org.slug, { sort: "created_at", direction: "desc", per_page: 100, page: 1 });
    const { slig, ...view } = viewed.data as Record<string, unknown>;
    expect(slig).toBe("same-both-ways");
    expect(listed.data!.results.find((repo) => repo.slug === "same-both-ways")).toEqual(view);
    expect(view).toEqual(created.data);
  });

  it("answers 400 for a bad body, and changes nothing", async () => {
    const client = sdk(writer.value);
    const before = await db.repo.count({ where: { orgId: org.id } });
    // A wrong type, a value outside the enum, a name no URL path can carry, the reserved "labels".
    expect(await client.createRepository(org.slug, "typed", { archived: "yes" as never })).toMatchObject({ success: false, status: 400 });
    expect(await client.createRepository(org.slug, "vis", { visibility: "secret" as never })).toMatchObject({
      success: false,
      status: 400,
    });
    expect(await client.createRepository(org.slug, "a/b")).toMatchObject({ success: false, status: 400 });
    expect(await client.createRepository(org.slug, "labels")).toMatchObject({ success: false, status: 400 });
    expect(await client.createRepository(org.slug, "home", { homepage: "javascript:alert(1)" })).toMatchObject({
      success: false,
      status: 400,
    });
    expect(await db.repo.count({ where: { orgId: org.id } })).toBe(before);

    // A field the API does not take (the Socket CLI's own `orgSlug` aside) is refused, not ignored.
    const extra = await callApi(server.url, `/v0/orgs/${org.slug}/repos`, {
      token: writer.value,
      method: "POST",
      json: { name: "extra", head_full_scan_id: "forged" },
    });
    expect(extra.status).toBe(400);
    expect(await db.repo.count({ where: { orgId: org.id } })).toBe(before);

    const raw = await callApi(server.url, `/v0/orgs/${org.slug}/repos`, {
      token: writer.value,
      method: "POST",
      json: { description: "no name" },
    });
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ error: { message: expect.any(String) } });
  });

  it("refuses a token without the scope (403), and a list-only token cannot write", async () => {
    await sdk(writer.value).createRepository(org.slug, "guarded");
    const reader = sdk(listOnly.value);
    expect(await reader.getRepository(org.slug, "guarded")).toMatchObject({ success: false, status: 403 });
    expect(await reader.createRepository(org.slug, "sneaky")).toMatchObject({ success: false, status: 403 });
    expect(await reader.updateRepository(org.slug, "guarded", { description: "defaced" })).toMatchObject({ success: false, status: 403 });
    expect(await reader.deleteRepository(org.slug, "guarded")).toMatchObject({ success: false, status: 403 });
    const guarded = await db.repo.findUniqueOrThrow({ where: { orgId_slug: { orgId: org.id, slug: "guarded" } } });
    expect(guarded.description).toBe("");
    expect(await db.repo.count({ where: { orgId: org.id, slug: "sneaky" } })).toBe(0);
  });

  it("never shows or changes another organization's repository: 404, as for one that does not exist", async () => {
    await sdk(writer.value).createRepository(org.slug, "private-plans", { description: "ours" });
    const stranger = sdk(outsider.value);
    // Through its own org's path: the slug names nothing there.
    expect(await stranger.getRepository(otherOrg.slug, "private-plans")).toMatchObject({ success: false, status: 404 });
    expect(await stranger.updateRepository(otherOrg.slug, "private-plans", { description: "x" })).toMatchObject({
      success: false,
      status: 404,
    });
    expect(await stranger.deleteRepository(otherOrg.slug, "private-plans")).toMatchObject({ success: false, status: 404 });
    // Through our org's path: not its org.
    expect(await stranger.getRepository(org.slug, "private-plans")).toMatchObject({ success: false, status: 404 });
    expect(await stranger.deleteRepository(org.slug, "private-plans")).toMatchObject({ success: false, status: 404 });
    expect(await stranger.createRepository(org.slug, "planted")).toMatchObject({ success: false, status: 404 });
    const repo = await db.repo.findUniqueOrThrow({ where: { orgId_slug: { orgId: org.id, slug: "private-plans" } } });
    expect(repo.description).toBe("ours");
    expect(await db.repo.count({ where: { slug: "planted" } })).toBe(0);
    // The same slug may exist in both orgs, each seeing its own.
    expect(await stranger.createRepository(otherOrg.slug, "private-plans", { description: "theirs" })).toMatchObject({ success: true });
    expect(await sdk(writer.value).getRepository(org.slug, "private-plans")).toMatchObject({ data: { description: "ours" } });
  });
});

describe("the /repos/labels path", () => {
  it("is the label list, never a repository named labels: DELETE is 405, not a deletion", async () => {
    const response = await callApi(server.url, `/v0/orgs/${org.slug}/repos/labels`, { token: writer.value, method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "POST"]);
  });
});

describe("repository labels through the Socket SDK", () => {
  it("creates, lists, views, renames and deletes a label, and attaches it to repositories", async () => {
    const client = sdk(writer.value);
    const repo = await client.createRepository(org.slug, "labelled");
    const repoId = repo.data!.id;

    const created = await client.createRepositoryLabel(org.slug, { name: "production" });
    expect(created).toMatchObject({
      success: true,
      data: { name: "production", repository_ids: [], has_security_policy: false, has_license_policy: false },
    });
    const labelId = created.data!.id;

    const attach = await client.sendApi(`orgs/${org.slug}/repos/labels/${labelId}/associate`, {
      method: "POST",
      body: { repository_id: repoId },
      throws: false,
    });
    expect(attach).toMatchObject({ success: true, data: { status: "ok" } });
    expect(await client.getRepositoryLabel(org.slug, labelId)).toMatchObject({ success: true, data: { repository_ids: [repoId] } });
    // Attaching twice changes nothing.
    await client.sendApi(`orgs/${org.slug}/repos/labels/${labelId}/associate`, {
      method: "POST",
      body: { repository_id: repoId },
      throws: false,
    });
    expect(await db.repoLabelLink.count({ where: { labelId } })).toBe(1);

    const renamed = await client.updateRepositoryLabel(org.slug, labelId, { name: "prod" });
    expect(renamed).toMatchObject({ success: true, data: { id: labelId, name: "prod", repository_ids: [repoId] } });

    const listed = await sdk(listOnly.value).listRepositoryLabels(org.slug);
    expect(listed.success).toBe(true);
    expect(listed.data?.results.find((label) => label.id === labelId)).toMatchObject({ name: "prod", repository_ids: [repoId] });

    const detach = await client.sendApi(`orgs/${org.slug}/repos/labels/${labelId}/disassociate`, {
      method: "POST",
      body: { repository_id: repoId },
      throws: false,
    });
    expect(detach).toMatchObject({ success: true });
    expect(await client.getRepositoryLabel(org.slug, labelId)).toMatchObject({ data: { repository_ids: [] } });

    expect(await client.deleteRepositoryLabel(org.slug, labelId)).toMatchObject({ success: true, data: { status: "ok" } });
    expect(await client.getRepositoryLabel(org.slug, labelId)).toMatchObject({ success: false, status: 404 });

    const actions = (await auditActions(org.id)).filter((action) => action.startsWith("repo_label."));
    expect(actions).toEqual([
      "repo_label.attached",
      "repo_label.created",
      "repo_label.deleted",
      "repo_label.detached",
      "repo_label.renamed",
    ]);
  });

  it("deleting a repository or a label removes their attachments", async () => {
    const client = sdk(writer.value);
    const repo = await client.createRepository(org.slug, "short-lived");
    const label = await client.createRepositoryLabel(org.slug, { name: "temporary" });
    await client.sendApi(`orgs/${org.slug}/repos/labels/${label.data!.id}/associate`, {
      method: "POST",
      body: { repository_id: repo.data!.id },
      throws: false,
    });
    await client.deleteRepository(org.slug, "short-lived");
    expect(await client.getRepositoryLabel(org.slug, label.data!.id)).toMatchObject({ data: { repository_ids: [] } });
    expect(await db.repoLabelLink.count({ where: { labelId: label.data!.id } })).toBe(0);
  });

  it("pages the label list", async () => {
    const client = sdk(writer.value);
    for (const name of ["page-1", "page-2", "page-3"]) await client.createRepositoryLabel(org.slug, { name });
    const names: string[] = [];
    let page: number | null = 1;
    while (page) {
      const result = await client.listRepositoryLabels(org.slug, { per_page: 2, page });
      expect(result.success).toBe(true);
      expect(result.data!.results.length).toBeLessThanOrEqual(2);
      names.push(...result.data!.results.map((label) => label.name));
      page = result.data!.nextPage ?? null;
    }
    expect(names.filter((name) => name.startsWith("page-"))).toEqual(["page-1", "page-2", "page-3"]);
  });

  it("refuses a duplicate name (409) and a bad body (400)", async () => {
    const client = sdk(writer.value);
    expect(await client.createRepositoryLabel(org.slug, { name: "unique" })).toMatchObject({ success: true });
    expect(await client.createRepositoryLabel(org.slug, { name: "unique" })).toMatchObject({ success: false, status: 409 });
    const other = await client.createRepositoryLabel(org.slug, { name: "other" });
    expect(await client.updateRepositoryLabel(org.slug, other.data!.id, { name: "unique" })).toMatchObject({ success: false, status: 409 });
    expect(await client.createRepositoryLabel(org.slug, {})).toMatchObject({ success: false, status: 400 });
    expect(await client.createRepositoryLabel(org.slug, { name: "   " })).toMatchObject({ success: false, status: 400 });
    expect(await client.createRepositoryLabel(org.slug, { name: "x".repeat(1000) })).toMatchObject({ success: false, status: 400 });
    expect(await client.updateRepositoryLabel(org.slug, other.data!.id, { name: 7 })).toMatchObject({ success: false, status: 400 });
    const attach = await client.sendApi(`orgs/${org.slug}/repos/labels/${other.data!.id}/associate`, {
      method: "POST",
      body: {},
      throws: false,
    });
    expect(attach).toMatchObject({ success: false, status: 400 });
  });

  it("checks each label scope: list cannot write, update cannot create or delete", async () => {
    const label = await sdk(writer.value).createRepositoryLabel(org.slug, { name: "scoped" });
    const labelId = label.data!.id;
    const lister = sdk(listOnly.value);
    expect(await lister.getRepositoryLabel(org.slug, labelId)).toMatchObject({ success: true });
    expect(await lister.createRepositoryLabel(org.slug, { name: "nope" })).toMatchObject({ success: false, status: 403 });
    expect(await lister.updateRepositoryLabel(org.slug, labelId, { name: "nope" })).toMatchObject({ success: false, status: 403 });
    expect(await lister.deleteRepositoryLabel(org.slug, labelId)).toMatchObject({ success: false, status: 403 });
    const updater = sdk(labeler.value);
    expect(await updater.updateRepositoryLabel(org.slug, labelId, { name: "rescoped" })).toMatchObject({ success: true });
    expect(await updater.createRepositoryLabel(org.slug, { name: "nope" })).toMatchObject({ success: false, status: 403 });
    expect(await updater.deleteRepositoryLabel(org.slug, labelId)).toMatchObject({ success: false, status: 403 });
    expect(await updater.listRepositoryLabels(org.slug)).toMatchObject({ success: false, status: 403 });
    expect(await db.repoLabel.count({ where: { orgId: org.id, name: "nope" } })).toBe(0);
  });

  it("never reaches another organization's labels or repositories: 404", async () => {
    const client = sdk(writer.value);
    const ours = await client.createRepositoryLabel(org.slug, { name: "ours-only" });
    const ourRepo = await client.createRepository(org.slug, "ours-repo");
    const stranger = sdk(outsider.value);
    const theirs = await stranger.createRepositoryLabel(otherOrg.slug, { name: "theirs" });
    const theirRepo = await stranger.createRepository(otherOrg.slug, "their-repo");

    // Our label's id through their org's path: it is not there.
    expect(await stranger.getRepositoryLabel(otherOrg.slug, ours.data!.id)).toMatchObject({ success: false, status: 404 });
    expect(await stranger.updateRepositoryLabel(otherOrg.slug, ours.data!.id, { name: "stolen" })).toMatchObject({
      success: false,
      status: 404,
    });
    expect(await stranger.deleteRepositoryLabel(otherOrg.slug, ours.data!.id)).toMatchObject({ success: false, status: 404 });
    expect(await stranger.listRepositoryLabels(org.slug)).toMatchObject({ success: false, status: 404 });
    // Attaching their label to our repository, or our label to their repository: neither is found.
    const cross1 = await stranger.sendApi(`orgs/${otherOrg.slug}/repos/labels/${theirs.data!.id}/associate`, {
      method: "POST",
      body: { repository_id: ourRepo.data!.id },
      throws: false,
    });
    expect(cross1).toMatchObject({ success: false, status: 404 });
    const cross2 = await client.sendApi(`orgs/${org.slug}/repos/labels/${ours.data!.id}/associate`, {
      method: "POST",
      body: { repository_id: theirRepo.data!.id },
      throws: false,
    });
    expect(cross2).toMatchObject({ success: false, status: 404 });
    expect(await db.repoLabelLink.count({ where: { OR: [{ labelId: theirs.data!.id }, { labelId: ours.data!.id }] } })).toBe(0);
    expect((await db.repoLabel.findUniqueOrThrow({ where: { id: ours.data!.id } })).name).toBe("ours-only");
  });
});
