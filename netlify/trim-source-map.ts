// Keeps a source map's mappings into galleta's own sources and drops those into node_modules, for
// netlify/build.ts. A database function's map is 690 KB, nearly all of it the driver's, and adds
// 230 KB to a zip whose budget is 650 KB (issue 11); galleta's own mappings are a few KB. A stack
// frame inside a package then shows the bundle's line and column, and a frame in functions/ or
// lib/ its TypeScript line. Dropped segments become "unmapped" ones (Source Map v3: a segment of
// one field), so no position inside a package is ever attributed to the galleta line before it.

/** The fields of Source Map v3 that this reads and writes. */
export interface SourceMap {
  version: 3;
  sources: string[];
  names: string[];
  mappings: string;
  [other: string]: unknown;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

/** Base64 VLQ: five data bits per digit, a continuation bit, the sign in the lowest bit. */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`Not a base64 VLQ digit in a source map: ${JSON.stringify(char)}.`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if ((digit & 32) === 0) {
      values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeValue(value: number): string {
  let rest = value < 0 ? -value * 2 + 1 : value * 2;
  let out = "";
  do {
    const digit = rest % 32;
    rest = Math.floor(rest / 32);
    out += BASE64[rest > 0 ? digit | 32 : digit];
  } while (rest > 0);
  return out;
}

/** The map with only the mappings whose source `keep` accepts, and only the sources and names they use. */
export function trimSourceMap(map: SourceMap, keep: (source: string) => boolean): SourceMap {
  const sources = new Map<number, number>();
  const names = new Map<number, number>();
  // Absolute values carried across the whole mappings string, in and out (the format is relative).
  const input = { source: 0, line: 0, column: 0, name: 0 };
  const output = { source: 0, line: 0, column: 0, name: 0 };
  let lastUnmapped = false;
  const lines = map.mappings.split(";").map((line) => {
    let column = 0;
    let written = 0;
    let unmapped = false;
    const segments: string[] = [];
    for (const text of line === "" ? [] : line.split(",")) {
      const [columnDelta = 0, ...fields] = decodeSegment(text);
      column += columnDelta;
      const [source, lineDelta, columnInSource, name] = fields;
      if (source !== undefined && lineDelta !== undefined && columnInSource !== undefined) {
        input.source += source;
        input.line += lineDelta;
        input.column += columnInSource;
      }
      if (name !== undefined) input.name += name;
      const kept = source !== undefined && keep(map.sources[input.source] ?? "");
      if (!kept) {
        // One unmapped segment ends whatever mapping precedes it (on this line or an earlier one:
        // Node looks a position up among all of them); a run of them needs only the first.
        if (!unmapped) {
          segments.push(encodeValue(column - written));
          written = column;
          lastUnmapped = true;
        }
        unmapped = true;
        continue;
      }
      unmapped = false;
      const sourceOut = sources.get(input.source) ?? sources.size;
      sources.set(input.source, sourceOut);
      let out = encodeValue(column - written) + encodeValue(sourceOut - output.source);
      out += encodeValue(input.line - output.line) + encodeValue(input.column - output.column);
      output.source = sourceOut;
      output.line = input.line;
      output.column = input.column;
      if (name !== undefined) {
        const nameOut = names.get(input.name) ?? names.size;
        names.set(input.name, nameOut);
        out += encodeValue(nameOut - output.name);
        output.name = nameOut;
      }
      segments.push(out);
      written = column;
      lastUnmapped = false;
    }
    return segments.join(",");
  });
  const pick = (all: readonly string[], used: Map<number, number>) => {
    const picked: string[] = [];
    for (const [index, position] of used) picked[position] = all[index] ?? "";
    return picked;
  };
  let mappings = lines.join(";");
  // Node's parser (lib/internal/source_map/source_map.js) reads a one-field segment at the very end
  // of the mappings as a full one, with the previous source: an empty line after it ends it properly.
  if (lastUnmapped) mappings += ";";
  return { ...map, sources: pick(map.sources, sources), names: pick(map.names, names), mappings };
}
