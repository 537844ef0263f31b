import { randomBytes } from "node:crypto";

import { db } from "../../db/client";
import type { Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { invalidFields, notFound } from "../errors";
import { REPORT_ID_PATTERN } from "../schemas";

type E = typeof ENDPOINTS;

const MAX_LISTED_REPORTS = 1_000;
const JSON_MANIFESTS = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "composer.json",
  "composer.lock",
  "Pipfile.lock",
]);

// Keyward keeps the report endpoints so Socket clients work unchanged; it does not analyse
// dependencies, so a report records what was uploaded (file names, repo, branch, commit) with a
// neutral score and no issues.
const NEUTRAL_SCORE = { avgSupplyChainRisk: 1, avgQuality: 1, avgMaintenance: 1, avgVulnerability: 1, avgLicense: 1 };

const reportUrl = (origin: string, id: string) => `${origin}/v0/report/view/${id}`;

export const getReportList: Implementation<E["getReportList"]> = async ({ token, query, origin }) => {
  const reports = await db.report.findMany({
    where: {
      orgId: token.orgId,
      ...(query.from !== undefined ? { createdAt: { gte: new Date(query.from * 1000) } } : {}),
      ...(query.repo !== undefined ? { repo: query.repo } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: MAX_LISTED_REPORTS,
    select: { id: true, repo: true, branch: true, commit: true, owner: true, createdAt: true },
  });
  return {
    body: reports.map((report) => ({
      id: report.id,
      url: reportUrl(origin, report.id),
      repo: report.repo,
      branch: report.branch,
      // Socket's shape is an object; Keyward records no pull requests (nothing writes the column).
      pull_requests: {},
      commit: report.commit,
      owner: report.owner,
      created_at: report.createdAt.toISOString(),
    })),
  };
};

export const getReport: Implementation<E["getReport"]> = async ({ token, params, origin }) => {
  // Ids are 128 random bits: read access needs the id, which only list access or the creator has.
  if (!REPORT_ID_PATTERN.test(params.id)) throw notFound("Report not found.");
  const report = await db.report.findFirst({
    where: { id: params.id, orgId: token.orgId },
    select: { id: true, healthy: true, issues: true, score: true },
  });
  if (!report) throw notFound("Report not found.");
  return {
    body: {
      id: report.id,
      healthy: report.healthy,
      issues: parseJson(report.issues, []),
      score: { ...NEUTRAL_SCORE, ...parseJson(report.score, {}) },
      url: reportUrl(origin, report.id),
    },
  };
};

export const createReport: Implementation<E["createReport"]> = async ({ token, query, body: files, origin }) => {
  for (const file of files) {
    const baseName = file.path.slice(file.path.lastIndexOf("/") + 1);
    if (JSON_MANIFESTS.has(baseName) && !isJson(file.content)) {
      throw invalidFields(`${file.path} is not valid JSON.`, [{ field: `body.${file.path}`, message: "Not valid JSON." }]);
    }
  }
  const id = randomBytes(16).toString("hex");
  await db.report.create({
    data: {
      id,
      orgId: token.orgId,
      createdByTokenId: token.tokenId,
      repo: query.repo ?? "",
      branch: query.branch ?? "",
      commit: query.commit ?? "",
      owner: query.owner ?? "",
      healthy: true,
      score: JSON.stringify(NEUTRAL_SCORE),
      issues: "[]",
      files: JSON.stringify(files.map((file) => ({ path: file.path, size: file.size }))),
    },
  });
  return { body: { id, url: reportUrl(origin, id) } };
};

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
