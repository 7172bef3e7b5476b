import { describe, expect, it } from "vitest";
import config from "../vitest.config.ts";

type Project = { test?: { name?: string; retry?: number } };

describe("vitest's configuration", () => {
  it("never retries a failed test, in any project, so a test that fails at random shows up red", () => {
    const projects = (config.test?.projects ?? []) as Project[];
    expect(projects.length).toBeGreaterThan(0);
    expect(config.test?.retry).toBe(0);
    expect(Object.fromEntries(projects.map((project) => [project.test?.name, project.test?.retry]))).toEqual(
      Object.fromEntries(projects.map((project) => [project.test?.name, 0])),
    );
  });
});
