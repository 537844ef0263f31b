"use server";

import { revalidatePath } from "next/cache";

import { orgAction, type ActionContext, type ActionState } from "@/lib/auth/action";
import {
  createRepo,
  createRepoLabel,
  deleteRepo,
  deleteRepoLabel,
  renameRepoLabel,
  setRepoLabelLink,
  updateRepo,
  type RepoActor,
} from "@/lib/db/repo-mutations";
import {
  createRepoLabelSchema,
  createRepoSchema,
  labelIdSchema,
  repoIdSchema,
  repoLabelLinkSchema,
  setRepoArchivedSchema,
  updateRepoLabelSchema,
  updateRepoSchema,
} from "@/lib/validations/repo";

// The Repositories page's writes. Each declares repos:manage (orgAction) and re-checks it inside
// its transaction (lib/db/repo-mutations.ts); the REST API makes the same changes with a token.

const REPO_GONE: ActionState<never> = { ok: false, code: "NOT_FOUND", message: "That repository no longer exists." };
const LABEL_GONE: ActionState<never> = { ok: false, code: "NOT_FOUND", message: "That label no longer exists." };
const SLUG_TAKEN: ActionState<never> = {
  ok: false,
  code: "CONFLICT",
  errors: { name: ["A repository with this name already exists."] },
  message: "Please correct the highlighted fields.",
};
const LABEL_TAKEN: ActionState<never> = {
  ok: false,
  code: "CONFLICT",
  errors: { name: ["A label with this name already exists."] },
  message: "Please correct the highlighted fields.",
};

function actorOf(ctx: ActionContext): RepoActor {
  return { kind: "user", userId: ctx.user.id, label: ctx.user.email, ip: ctx.ip, userAgent: ctx.userAgent };
}

function refresh(ctx: ActionContext) {
  revalidatePath(`/${ctx.org.slug}/repos`);
}

export const createRepoAction = orgAction("repos:manage", createRepoSchema, async (input, ctx): Promise<ActionState> => {
  const { name, ...fields } = input;
  const result = await createRepo(actorOf(ctx), ctx.org.id, name, fields);
  if (!result.ok) return SLUG_TAKEN;
  refresh(ctx);
  return { ok: true, message: `Created ${result.repo.slug}.` };
});

export const updateRepoAction = orgAction("repos:manage", updateRepoSchema, async (input, ctx): Promise<ActionState> => {
  const { repoId, name, ...fields } = input;
  const result = await updateRepo(actorOf(ctx), ctx.org.id, { id: repoId }, { ...fields, slug: name });
  if (!result.ok) return result.reason === "not_found" ? REPO_GONE : SLUG_TAKEN;
  refresh(ctx);
  return { ok: true, message: `Saved ${result.repo.slug}.` };
});

export const setRepoArchivedAction = orgAction("repos:manage", setRepoArchivedSchema, async (input, ctx): Promise<ActionState> => {
  const result = await updateRepo(actorOf(ctx), ctx.org.id, { id: input.repoId }, { archived: input.archived });
  if (!result.ok) return REPO_GONE;
  refresh(ctx);
  return { ok: true, message: `${input.archived ? "Archived" : "Unarchived"} ${result.repo.slug}.` };
});

export const deleteRepoAction = orgAction("repos:manage", repoIdSchema, async (input, ctx): Promise<ActionState> => {
  const result = await deleteRepo(actorOf(ctx), ctx.org.id, { id: input.repoId });
  if (!result.ok) return REPO_GONE;
  refresh(ctx);
  return { ok: true, message: "Repository deleted." };
});

export const createRepoLabelAction = orgAction("repos:manage", createRepoLabelSchema, async (input, ctx): Promise<ActionState> => {
  const result = await createRepoLabel(actorOf(ctx), ctx.org.id, input.name);
  if (!result.ok) return LABEL_TAKEN;
  refresh(ctx);
  return { ok: true, message: `Created the label ${result.label.name}.` };
});

export const renameRepoLabelAction = orgAction("repos:manage", updateRepoLabelSchema, async (input, ctx): Promise<ActionState> => {
  const result = await renameRepoLabel(actorOf(ctx), ctx.org.id, input.labelId, input.name);
  if (!result.ok) return result.reason === "not_found" ? LABEL_GONE : LABEL_TAKEN;
  refresh(ctx);
  return { ok: true, message: `Renamed the label to ${result.label.name}.` };
});

export const deleteRepoLabelAction = orgAction("repos:manage", labelIdSchema, async (input, ctx): Promise<ActionState> => {
  const result = await deleteRepoLabel(actorOf(ctx), ctx.org.id, input.labelId);
  if (!result.ok) return LABEL_GONE;
  refresh(ctx);
  return { ok: true, message: "Label deleted." };
});

export const attachRepoLabelAction = orgAction("repos:manage", repoLabelLinkSchema, async (input, ctx): Promise<ActionState> => {
  const result = await setRepoLabelLink(actorOf(ctx), ctx.org.id, input.labelId, input.repoId, true);
  if (!result.ok) return result.reason === "label_not_found" ? LABEL_GONE : REPO_GONE;
  refresh(ctx);
  return { ok: true, message: "Label attached." };
});

export const detachRepoLabelAction = orgAction("repos:manage", repoLabelLinkSchema, async (input, ctx): Promise<ActionState> => {
  const result = await setRepoLabelLink(actorOf(ctx), ctx.org.id, input.labelId, input.repoId, false);
  if (!result.ok) return result.reason === "label_not_found" ? LABEL_GONE : REPO_GONE;
  refresh(ctx);
  return { ok: true, message: "Label detached." };
});
