// Every change to an org's repositories and repository labels, for the dashboard (a person, whose
// repos:manage permission is re-checked inside the transaction) and the REST API (a token, whose
// scope the API checked). Each change and its audit event commit together; every statement names
// the org, so an id from another org matches nothing.
import type { RepoFields } from "../validations/repo";
import { recordAudit, type AuditActor } from "./audit";
import { db, type Db } from "./client";
import { inPermittedTransaction } from "./org-lock";

type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$use" | "$extends" | "$transaction">;

export type RepoActor =
  | { kind: "user"; userId: string; label: string; ip: string | null; userAgent: string | null }
  | { kind: "token"; tokenId: string; label: string; ip: string | null; userAgent: string | null };

/** A repository as Prisma reads it (REPO_SELECT); the API's stores read the same with epoch-ms times (RepoRecord, lib/api/store.ts). */
export type RepoRow = {
  id: string;
  slug: string;
  name: string;
  description: string;
  homepage: string;
  visibility: string;
  archived: boolean;
  defaultBranch: string;
  headFullScanId: string | null;
  workspace: string;
  createdAt: Date;
  updatedAt: Date;
};

export type RepoLabelRow = { id: string; name: string; repositoryIds: string[] };

export type RepoChangeResult = { ok: true; repo: RepoRow } | { ok: false; reason: "not_found" | "slug_taken" };
export type RepoLabelChangeResult = { ok: true; label: RepoLabelRow } | { ok: false; reason: "not_found" | "name_taken" };
export type RemovalResult = { ok: true } | { ok: false; reason: "not_found" };

export const REPO_SELECT = {
  id: true,
  slug: true,
  name: true,
  description: true,
  homepage: true,
  visibility: true,
  archived: true,
  defaultBranch: true,
  headFullScanId: true,
  workspace: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Record<keyof RepoRow, true>;

export const LABEL_SELECT = { id: true, name: true, repos: { select: { repoId: true }, orderBy: { createdAt: "asc" } } } as const;

export function labelRowOf(label: { id: string; name: string; repos: { repoId: string }[] }): RepoLabelRow {
  return { id: label.id, name: label.name, repositoryIds: label.repos.map((link) => link.repoId) };
}

function auditActor(actor: RepoActor): AuditActor {
  return actor.kind === "user"
    ? { type: "user", userId: actor.userId, label: actor.label }
    : { type: "token", tokenId: actor.tokenId, label: actor.label };
}

/** A person's change re-checks repos:manage under the org's membership lock; a token's was authorized by its scope. */
function changing<T>(actor: RepoActor, orgId: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  if (actor.kind === "user") return inPermittedTransaction(actor, orgId, "repos:manage", change);
  return db.$transaction((tx) => change(tx));
}

async function audit(tx: Tx, actor: RepoActor, orgId: string, action: string, target: { type: string; id: string }, metadata: object) {
  await recordAudit(tx, {
    orgId,
    actor: auditActor(actor),
    action,
    target,
    metadata: metadata as Record<string, unknown>,
    ip: actor.ip,
    userAgent: actor.userAgent,
  });
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002";
}

/** Two concurrent creates can both pass the check; the unique index then refuses one, as a conflict. */
async function orConflict<T>(run: () => Promise<T>, conflict: T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUniqueViolation(error)) return conflict;
    throw error;
  }
}

export function createRepo(actor: RepoActor, orgId: string, slug: string, fields: RepoFields): Promise<RepoChangeResult> {
  return orConflict(
    () =>
      changing(actor, orgId, async (tx): Promise<RepoChangeResult> => {
        if (await tx.repo.findUnique({ where: { orgId_slug: { orgId, slug } }, select: { id: true } })) {
          return { ok: false, reason: "slug_taken" };
        }
        const repo = await tx.repo.create({ data: { orgId, slug, name: slug, ...fields }, select: REPO_SELECT });
        await audit(tx, actor, orgId, "repo.created", { type: "repo", id: repo.id }, { slug, ...fields });
        return { ok: true, repo };
      }),
    { ok: false, reason: "slug_taken" },
  );
}

/** Finds the repository by id (dashboard) or by slug (API), in this org only; `workspace`, when given, must match too. */
export type RepoKey = { id: string } | { slug: string; workspace?: string };

function repoWhere(orgId: string, key: RepoKey) {
  return "id" in key
    ? { orgId, id: key.id }
    : { orgId, slug: key.slug, ...(key.workspace !== undefined ? { workspace: key.workspace } : {}) };
}

/** Changes the given fields; a new `slug` renames the repository (its name follows). */
export function updateRepo(
  actor: RepoActor,
  orgId: string,
  key: RepoKey,
  patch: RepoFields & { slug?: string },
): Promise<RepoChangeResult> {
  return orConflict(
    () =>
      changing(actor, orgId, async (tx): Promise<RepoChangeResult> => {
        const before = await tx.repo.findFirst({ where: repoWhere(orgId, key), select: REPO_SELECT });
        if (!before) return { ok: false, reason: "not_found" };
        const { slug, ...fields } = patch;
        const renamed = slug !== undefined && slug !== before.slug;
        if (renamed && (await tx.repo.findUnique({ where: { orgId_slug: { orgId, slug } }, select: { id: true } }))) {
          return { ok: false, reason: "slug_taken" };
        }
        const data = { ...fields, ...(renamed ? { slug, name: slug } : {}) };
        const changes = Object.fromEntries(
          Object.entries(data).filter(([field, value]) => before[field as keyof RepoRow] !== value),
        ) as Partial<RepoRow>;
        if (Object.keys(changes).length === 0) return { ok: true, repo: before };
        // The org in the where clause too: the row read above cannot be swapped for another org's.
        await tx.repo.updateMany({ where: { id: before.id, orgId }, data: changes });
        const repo = await tx.repo.findFirstOrThrow({ where: { id: before.id, orgId }, select: REPO_SELECT });
        const action = changes.archived === true ? "repo.archived" : changes.archived === false ? "repo.unarchived" : "repo.updated";
        const changed = Object.fromEntries(
          Object.keys(changes).map((field) => [field, { before: before[field as keyof RepoRow], after: repo[field as keyof RepoRow] }]),
        );
        await audit(tx, actor, orgId, action, { type: "repo", id: repo.id }, { slug: repo.slug, changes: changed });
        return { ok: true, repo };
      }),
    { ok: false, reason: "slug_taken" },
  );
}

export function deleteRepo(actor: RepoActor, orgId: string, key: RepoKey): Promise<RemovalResult> {
  return changing(actor, orgId, async (tx): Promise<RemovalResult> => {
    const repo = await tx.repo.findFirst({ where: repoWhere(orgId, key), select: { id: true, slug: true } });
    if (!repo) return { ok: false, reason: "not_found" };
    // Its label links go with it (ON DELETE CASCADE).
    await tx.repo.deleteMany({ where: { id: repo.id, orgId } });
    await audit(tx, actor, orgId, "repo.deleted", { type: "repo", id: repo.id }, { slug: repo.slug });
    return { ok: true };
  });
}

export function createRepoLabel(actor: RepoActor, orgId: string, name: string): Promise<RepoLabelChangeResult> {
  return orConflict(
    () =>
      changing(actor, orgId, async (tx): Promise<RepoLabelChangeResult> => {
        if (await tx.repoLabel.findUnique({ where: { orgId_name: { orgId, name } }, select: { id: true } })) {
          return { ok: false, reason: "name_taken" };
        }
        const label = await tx.repoLabel.create({ data: { orgId, name }, select: LABEL_SELECT });
        await audit(tx, actor, orgId, "repo_label.created", { type: "repo_label", id: label.id }, { name });
        return { ok: true, label: labelRowOf(label) };
      }),
    { ok: false, reason: "name_taken" },
  );
}

export function renameRepoLabel(actor: RepoActor, orgId: string, labelId: string, name: string): Promise<RepoLabelChangeResult> {
  return orConflict(
    () =>
      changing(actor, orgId, async (tx): Promise<RepoLabelChangeResult> => {
        const before = await tx.repoLabel.findFirst({ where: { id: labelId, orgId }, select: LABEL_SELECT });
        if (!before) return { ok: false, reason: "not_found" };
        if (before.name === name) return { ok: true, label: labelRowOf(before) };
        if (await tx.repoLabel.findUnique({ where: { orgId_name: { orgId, name } }, select: { id: true } })) {
          return { ok: false, reason: "name_taken" };
        }
        await tx.repoLabel.updateMany({ where: { id: labelId, orgId }, data: { name } });
        await audit(tx, actor, orgId, "repo_label.renamed", { type: "repo_label", id: labelId }, { before: before.name, after: name });
        return { ok: true, label: { ...labelRowOf(before), name } };
      }),
    { ok: false, reason: "name_taken" },
  );
}

export function deleteRepoLabel(actor: RepoActor, orgId: string, labelId: string): Promise<RemovalResult> {
  return changing(actor, orgId, async (tx): Promise<RemovalResult> => {
    const label = await tx.repoLabel.findFirst({ where: { id: labelId, orgId }, select: { id: true, name: true } });
    if (!label) return { ok: false, reason: "not_found" };
    await tx.repoLabel.deleteMany({ where: { id: labelId, orgId } });
    await audit(tx, actor, orgId, "repo_label.deleted", { type: "repo_label", id: labelId }, { name: label.name });
    return { ok: true };
  });
}

export type LabelLinkResult = { ok: true } | { ok: false; reason: "label_not_found" | "repo_not_found" };

/** Attaches (or detaches) a label to one of the org's repositories; both must be this org's. Idempotent. */
export function setRepoLabelLink(
  actor: RepoActor,
  orgId: string,
  labelId: string,
  repoId: string,
  attached: boolean,
): Promise<LabelLinkResult> {
  // Two concurrent attaches both find no link; the primary key refuses the second: attached all the same.
  return orConflict(() => linking(actor, orgId, labelId, repoId, attached), { ok: true });
}

function linking(actor: RepoActor, orgId: string, labelId: string, repoId: string, attached: boolean): Promise<LabelLinkResult> {
  return changing(actor, orgId, async (tx): Promise<LabelLinkResult> => {
    const label = await tx.repoLabel.findFirst({ where: { id: labelId, orgId }, select: { id: true, name: true } });
    if (!label) return { ok: false, reason: "label_not_found" };
    const repo = await tx.repo.findFirst({ where: { id: repoId, orgId }, select: { id: true, slug: true } });
    if (!repo) return { ok: false, reason: "repo_not_found" };
    const existing = await tx.repoLabelLink.findFirst({ where: { labelId, repoId, orgId }, select: { labelId: true } });
    if (attached === (existing !== null)) return { ok: true };
    if (attached) await tx.repoLabelLink.create({ data: { labelId, repoId, orgId } });
    else await tx.repoLabelLink.deleteMany({ where: { labelId, repoId, orgId } });
    await audit(
      tx,
      actor,
      orgId,
      attached ? "repo_label.attached" : "repo_label.detached",
      { type: "repo", id: repo.id },
      {
        label: label.name,
        labelId,
        slug: repo.slug,
      },
    );
    return { ok: true };
  });
}
