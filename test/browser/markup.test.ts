import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isMessageKey, MESSAGES } from "../../public/js/messages.js";

// What the browser suite can't see at a glance: a misspelt data-i18n key
// renders nothing, and an inline style or handler is silently blocked by the
// Content-Security-Policy. These checks read the files; no browser needed.

// The password prompt is markup too, kept in the one script that shows it on every page.
const PAGES = ["index.html", "cookies.html", "storage.html", "security.html", "js/reauth.js"].map((name) => ({
  name,
  html: readFileSync(new URL(`../../public/${name}`, import.meta.url), "utf8"),
}));

/** Every message key a page names, in content (`data-i18n`) and attributes (`data-i18n-attr`). */
function keysIn(html: string): string[] {
  const content = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((match) => match[1] ?? "");
  const attributes = [...html.matchAll(/data-i18n-attr="([^"]+)"/g)].flatMap((match) =>
    (match[1] ?? "").split(";").map((pair) => pair.split(":")[1]?.trim() ?? ""),
  );
  return [...content, ...attributes];
}

/** The `{placeholders}` of every form of a message, sorted. */
function placeholders(message: string | Record<string, string | undefined>): string[] {
  const text = typeof message === "string" ? message : Object.values(message).join(" ");
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? ""))].sort();
}

describe("the pages' markup", () => {
  it.each(PAGES)("$name names only messages that exist", ({ html }) => {
    const keys = keysIn(html);
    expect(keys.length).toBeGreaterThan(3);
    expect(keys.filter((key) => !isMessageKey(key))).toEqual([]);
  });

  it.each(PAGES)("$name has no inline script, style or event handler for the CSP to block", ({ html }) => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it.each(PAGES)("$name labels every input", ({ html }) => {
    const ids = [...html.matchAll(/<input\b[^>]*\bid="([^"]+)"/g)].map((match) => match[1]);
    for (const id of ids) {
      const labelled = html.includes(`for="${id}"`) || new RegExp(`<label[^>]*>\\s*<input[^>]*id="${id}"`).test(html);
      expect(labelled, `#${id} has no label`).toBe(true);
    }
  });
});

describe("the Spanish messages", () => {
  it("use the same placeholders as the English ones", () => {
    const mismatched = Object.entries(MESSAGES.en).filter(
      ([key, message]) => placeholders(message).join() !== placeholders(MESSAGES.es[key as keyof typeof MESSAGES.es]).join(),
    );
    expect(mismatched.map(([key]) => key)).toEqual([]);
  });
});
