// What the bundles use for the `whatwg-url` package: Node's own URL and URLSearchParams, which
// implement the same WHATWG URL Standard. The driver's connection-string parser
// (mongodb-connection-string-url) is whatwg-url's only user, and whatwg-url with its tr46 tables is
// 290 KB of each database function's 880 KB bundle (issue 11). netlify/build.ts aliases it here.
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
