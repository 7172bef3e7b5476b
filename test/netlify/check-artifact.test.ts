import { describe, expect, it } from "vitest";
import { problems, type ShippedZip } from "../../netlify/check-artifact.ts";

const NETLIFY = ["___netlify-bootstrap.mjs", "___netlify-entry-point.mjs", "___netlify-metadata.json", "___netlify-telemetry.mjs"];

function zip(name: string, change: Partial<ShippedZip> = {}): ShippedZip {
  return {
    name,
    bytes: 300 * 1024,
    files: [`${name}.mjs`, `${name}.bundle.mjs`, `${name}.bundle.mjs.map`, ...NETLIFY],
    bundle: "export{a as default};",
    routes: [`/api/${name}`],
    ...change,
  };
}

describe("the CI check of what netlify build ships", () => {
  it.each([["session"], ["cookies"]])("accepts %s as netlify/build.ts ships it", (name) => {
    expect(problems(zip(name))).toEqual([]);
  });

  it("accepts adding a passkey at 700 KB: it carries the X.509 stack that verifies attestation statements", () => {
    expect(problems(zip("passkey-registration", { bytes: 700 * 1024 }))).toEqual([]);
  });

  it("accepts not-found without a route: the redirect in netlify.toml reaches it", () => {
    expect(problems(zip("not-found", { routes: [] }))).toEqual([]);
  });

  it.each<[string, ShippedZip, RegExp]>([
    ["a zip without its source map", zip("session", { files: ["session.mjs", "session.bundle.mjs", ...NETLIFY] }), /expected/],
    ["a traced file from node_modules", zip("session", { files: [...zip("session").files, "node_modules/mongodb/lib/index.js"] }), /node_modules/],
    ["a file from the stand-in", zip("session", { files: [...zip("session").files, "netlify/mongo-standin/server.ts"] }), /netlify\//],
    ["stand-in code inside the bundle", zip("session", { bundle: "import './mongo-standin/server.ts'" }), /mongo-standin/],
    ["the driver in a function without the database", zip("cookies", { bundle: "class MongoServerSelectionError{}" }), /driver/],
    ["a routed function whose routes were not read", zip("session", { routes: [] }), /no route/],
    ["a database function over 650 KB", zip("session", { bytes: 651 * 1024 }), /over its budget of 650 KB/],
    ["a function without the database over 400 KB", zip("cookies", { bytes: 401 * 1024 }), /over its budget of 400 KB/],
    ["a passkey log-in over the database budget: only adding a passkey verifies attestations", zip("passkey-authentication", { bytes: 651 * 1024 }), /over its budget of 650 KB/],
    ["adding a passkey over 720 KB", zip("passkey-registration", { bytes: 721 * 1024 }), /over its budget of 720 KB/],
  ])("refuses %s", (_case, shipped, reason) => {
    expect(problems(shipped).join("; ")).toMatch(reason);
  });
});
