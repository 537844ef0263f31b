import { describe, expect, it } from "vitest";

import { isHomepage, repoSlugProblem } from "./policy";

describe("repoSlugProblem", () => {
  it("accepts names as Git hosts spell them", () => {
    for (const slug of ["keyward", "my-repo", "My_Repo.js", "a", "x".repeat(100), ".github", "labels-ui"]) {
      expect(repoSlugProblem(slug)).toBeNull();
    }
  });

  it("refuses names a URL path cannot carry or the API's routes already use", () => {
    expect(repoSlugProblem("")).toBe("empty");
    expect(repoSlugProblem("x".repeat(101))).toBe("too-long");
    expect(repoSlugProblem("a/b")).toBe("characters");
    expect(repoSlugProblem("a b")).toBe("characters");
    expect(repoSlugProblem("ré")).toBe("characters");
    expect(repoSlugProblem("labels")).toBe("reserved");
    expect(repoSlugProblem("Labels")).toBe("reserved");
    expect(repoSlugProblem("..")).toBe("reserved");
  });
});

describe("isHomepage", () => {
  it("takes http(s) addresses or nothing, never a script or a relative path", () => {
    expect(isHomepage("")).toBe(true);
    expect(isHomepage("https://example.com/x")).toBe(true);
    expect(isHomepage("http://localhost:3000")).toBe(true);
    expect(isHomepage("javascript:alert(1)")).toBe(false);
    expect(isHomepage("/relative")).toBe(false);
    expect(isHomepage("example.com")).toBe(false);
  });
});
