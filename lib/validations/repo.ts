import { z } from "zod";

import {
  isHomepage,
  REPO_LABEL_NAME_MAX,
  REPO_SLUG_MESSAGES,
  REPO_TEXT_MAX,
  REPO_VISIBILITIES,
  repoSlugProblem,
} from "../domain/repos/policy";

// Repository and label input, for the REST API's bodies (Socket's snake_case fields) and the
// dashboard's forms (camelCase FormData). The field rules are shared; the rules themselves live
// in lib/domain/repos/policy.ts.

export const repoSlugSchema = z.string().superRefine((slug, ctx) => {
  const problem = repoSlugProblem(slug);
  if (problem) ctx.addIssue({ code: "custom", message: REPO_SLUG_MESSAGES[problem] });
});

const text = (max: number, what: string) => z.string().max(max, `${what} is at most ${max} characters.`);

const homepage = text(REPO_TEXT_MAX.homepage, "The homepage").refine(isHomepage, "Enter an http:// or https:// address.");

// What `git check-ref-format` refuses that a person might type: spaces and the ref syntax characters.
const branch = text(REPO_TEXT_MAX.defaultBranch, "The default branch").refine(
  (value) => !/[\s~^:?*[\\]|\.\./.test(value),
  "Enter a branch name without spaces or the characters ~ ^ : ? * [ \\.",
);

const description = text(REPO_TEXT_MAX.description, "The description");
const workspace = text(REPO_TEXT_MAX.workspace, "The workspace");
const visibility = z.enum(REPO_VISIBILITIES, { message: "Choose public or private." });

/** Socket sends null for "none"; stored as "". */
const orNone = <S extends z.ZodType<string>>(schema: S) => schema.nullable().transform((value) => value ?? "");

/** What a repository holds besides its name; every field optional (a patch), already in storage form. */
export type RepoFields = {
  description?: string;
  homepage?: string;
  visibility?: (typeof REPO_VISIBILITIES)[number];
  archived?: boolean;
  defaultBranch?: string;
  workspace?: string;
};

// Unknown fields are refused (400), except `orgSlug`, which the Socket CLI adds to these bodies:
// accepted and ignored, since the path names the organization.
const apiRepoFields = {
  orgSlug: z.string().max(200).optional().describe("Sent by the Socket CLI; ignored (the path names the organization)"),
  description: orNone(description).optional(),
  homepage: orNone(homepage).optional(),
  visibility: visibility.optional(),
  archived: z.boolean().optional(),
  default_branch: orNone(branch).optional(),
  workspace: workspace.optional(),
};

export const apiRepoCreateBody = z.object({ name: repoSlugSchema, ...apiRepoFields }).strict();
export const apiRepoUpdateBody = z.object({ name: repoSlugSchema.optional(), ...apiRepoFields }).strict();

export function repoFieldsFromApi(body: z.output<typeof apiRepoUpdateBody>): RepoFields {
  const fields: RepoFields = {
    description: body.description,
    homepage: body.homepage,
    visibility: body.visibility,
    archived: body.archived,
    defaultBranch: body.default_branch,
    workspace: body.workspace,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as RepoFields;
}

export const repoLabelNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a label name.")
  .max(REPO_LABEL_NAME_MAX, `Label names are under ${REPO_LABEL_NAME_MAX + 1} characters.`);

export const apiRepoLabelBody = z.object({ name: repoLabelNameSchema }).strict();
export const apiRepoLabelLinkBody = z.object({ repository_id: z.string().min(1).max(100) }).strict();

// Dashboard forms. A checkbox is sent as "on" when ticked and not at all when not.
const checkbox = z
  .enum(["on", "true"])
  .optional()
  .transform((value) => value !== undefined);

export const repoFormSchema = z.object({
  name: repoSlugSchema,
  description: description.default(""),
  homepage: homepage.default(""),
  visibility: visibility.default("private"),
  defaultBranch: branch.default("main"),
  workspace: workspace.default(""),
  archived: checkbox,
});

export const createRepoSchema = repoFormSchema;
export const updateRepoSchema = repoFormSchema.extend({ repoId: z.string().min(1).max(100) });
export const repoIdSchema = z.object({ repoId: z.string().min(1).max(100) });
export const setRepoArchivedSchema = repoIdSchema.extend({ archived: z.enum(["true", "false"]).transform((value) => value === "true") });

export const createRepoLabelSchema = z.object({ name: repoLabelNameSchema });
export const labelIdSchema = z.object({ labelId: z.string().min(1).max(100) });
export const updateRepoLabelSchema = createRepoLabelSchema.extend({ labelId: z.string().min(1).max(100) });
export const repoLabelLinkSchema = z.object({ labelId: z.string().min(1).max(100), repoId: z.string().min(1).max(100) });
