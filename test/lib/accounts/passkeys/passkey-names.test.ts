import { describe, expect, it } from "vitest";
import { passkeyName } from "../../../../lib/accounts/passkeys/passkey-names.ts";

const ZERO = "00000000-0000-0000-0000-000000000000";
const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const EDGE_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

describe("passkeyName", () => {
  it.each([
    ["a well-known provider's AAGUID", "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", CHROME_MAC, "iCloud Keychain"],
    ["an AAGUID in upper case", "EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4", null, "Google Password Manager"],
    ["Windows Hello", "08987058-cadc-4b81-b6e1-30de50dcbe96", EDGE_WINDOWS, "Windows Hello"],
    ["no AAGUID, Chrome on a Mac", ZERO, CHROME_MAC, "Chrome on macOS"],
    ["no AAGUID, Safari on an iPhone", ZERO, SAFARI_IPHONE, "Safari on iPhone"],
    ["no AAGUID, Edge on Windows (whose User-Agent also says Chrome)", ZERO, EDGE_WINDOWS, "Edge on Windows"],
    ["no AAGUID, Firefox on Linux", ZERO, FIREFOX_LINUX, "Firefox on Linux"],
    ["no AAGUID, Chrome on Android (whose User-Agent also says Linux)", ZERO, CHROME_ANDROID, "Chrome on Android"],
    ["an unknown AAGUID and no User-Agent", "01234567-89ab-cdef-0123-456789abcdef", null, "Passkey"],
    ["a User-Agent that names nothing known", ZERO, "curl/8.5.0", "Passkey"],
  ])("names a passkey from %s", (_case, aaguid, userAgent, name) => {
    expect(passkeyName(aaguid, userAgent)).toBe(name);
  });
});
