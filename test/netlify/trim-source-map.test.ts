import { SourceMap as NodeSourceMap } from "node:module";
import { describe, expect, it } from "vitest";
import { trimSourceMap, type SourceMap } from "../../netlify/trim-source-map.ts";

// A generated file of one line: columns 0-9 come from lib/a.ts, 10-19 from node_modules/pkg/index.js,
// 20-29 from lib/b.ts (with a name), 30-39 from the package again. Node's own SourceMap reads the
// results, as it does a bundle's map when it prints a stack trace.
const MAP = {
  version: 3,
  sources: ["lib/a.ts", "node_modules/pkg/index.js", "lib/b.ts"],
  names: ["unused", "named"],
  // [col 0 → a.ts 0:0], [col 10 → pkg 4:2 name 0], [col 20 → b.ts 6:4 name 1], [col 30 → pkg 9:0]
  mappings: "AAAA,UCIEA,UCEEC,UDKJ",
  file: "bundle.mjs",
  sourceRoot: "",
  sourcesContent: [],
} satisfies SourceMap;

const keepOwn = (source: string) => !source.includes("node_modules/");

describe("trimSourceMap", () => {
  it("reads the fixture as described (so the cases below test something)", () => {
    const node = new NodeSourceMap(MAP);
    expect(node.findEntry(0, 15)).toMatchObject({ originalSource: "node_modules/pkg/index.js", originalLine: 4, originalColumn: 2 });
    expect(node.findEntry(0, 25)).toMatchObject({ originalSource: "lib/b.ts", originalLine: 6, originalColumn: 4, name: "named" });
  });

  it.each([
    [5, { originalSource: "lib/a.ts", originalLine: 0, originalColumn: 0 }],
    [25, { originalSource: "lib/b.ts", originalLine: 6, originalColumn: 4, name: "named" }],
  ])("still maps column %i to galleta's own source", (column, expected) => {
    expect(new NodeSourceMap({ ...MAP, ...trimSourceMap(MAP, keepOwn) }).findEntry(0, column)).toMatchObject(expected);
  });

  it.each([15, 35])("maps column %i, inside a package, to nothing rather than to the galleta line before it", (column) => {
    expect(new NodeSourceMap({ ...MAP, ...trimSourceMap(MAP, keepOwn) }).findEntry(0, column)).toMatchObject({ originalSource: undefined, originalLine: undefined });
  });

  it("keeps only the sources and names the kept mappings use", () => {
    const trimmed = trimSourceMap(MAP, keepOwn);
    expect(trimmed.sources).toEqual(["lib/a.ts", "lib/b.ts"]);
    expect(trimmed.names).toEqual(["named"]);
  });
});
