// What a repository and a repository label may be called. One home for the rules: the REST API
// (lib/validations/repo.ts parses its bodies with them), the dashboard's forms and the mutations
// (lib/db/repo-mutations.ts) all ask here.

/** A slug is the repository's name as it appears in a URL path: Git hosts' own character set. */
export const REPO_SLUG_PATTERN = /^[A-Za-z0-9._-]+$/;
export const REPO_SLUG_MAX = 100;

/**
 * Path segments a repository cannot be named, because the API's routes under /repos/ give them
 * another meaning (`/repos/labels` is the label list): a repository so named could never be read,
 * changed or deleted. "." and ".." are refused because URL normalization rewrites them.
 */
export const RESERVED_REPO_SLUGS: ReadonlySet<string> = new Set(["labels", ".", ".."]);

export type RepoSlugProblem = "empty" | "too-long" | "characters" | "reserved";

export function repoSlugProblem(slug: string): RepoSlugProblem | null {
  if (slug.length === 0) return "empty";
  if (slug.length > REPO_SLUG_MAX) return "too-long";
  if (!REPO_SLUG_PATTERN.test(slug)) return "characters";
  if (RESERVED_REPO_SLUGS.has(slug.toLowerCase())) return "reserved";
  return null;
}

export const REPO_SLUG_MESSAGES: Record<RepoSlugProblem, string> = {
  empty: "Enter a repository name.",
  "too-long": `Repository names are at most ${REPO_SLUG_MAX} characters.`,
  characters: "Use letters, digits, '.', '-' and '_' only.",
  reserved: "This name is reserved by the API's paths; choose another.",
};

/** Socket's rule for label names: non-empty, under 1000 characters. */
export const REPO_LABEL_NAME_MAX = 999;

export const REPO_VISIBILITIES = ["private", "public"] as const;
export type RepoVisibility = (typeof REPO_VISIBILITIES)[number];

/** Stored text is never null; Socket's null and "" both mean "none" for these fields. */
export const REPO_TEXT_MAX = { description: 1000, homepage: 2048, defaultBranch: 255, workspace: 200 } as const;

/** A homepage is a web address (or none): anything else would be a link the dashboard renders. */
export function isHomepage(value: string): boolean {
  if (value === "") return true;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
