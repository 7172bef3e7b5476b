// @ts-check
/**
 * A short, human name for a `User-Agent` header ("Firefox on Windows"), so
 * the devices list reads like a list of devices. Good enough to tell devices
 * apart; the full header stays available as the name's tooltip.
 */
/** @import { MessageArg } from "./i18n.js" */

// Order matters: Edge and Opera also say "Chrome", and Chrome also says "Safari".
const BROWSERS = /** @type {const} */ ([
  [/\bEdg(e|A|iOS)?\//, "Edge"],
  [/\b(OPR|Opera)\//, "Opera"],
  [/\bFirefox\/|\bFxiOS\//, "Firefox"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(Headless)?Chrome\/|\bCriOS\//, "Chrome"],
  [/\bSafari\//, "Safari"],
  [/\bnode\b|undici/i, "Node.js"],
  [/\bcurl\//, "curl"],
]);

const SYSTEMS = /** @type {const} */ ([
  [/\bAndroid\b/, "Android"],
  [/\b(iPhone|iPad|iPod)\b/, "iOS"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
]);

/** The browser and system named in `userAgent`, as message arguments for `device.name`. */
/** @param {string} userAgent @returns {{ browser: MessageArg, os: MessageArg }} */
export function describeUserAgent(userAgent) {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const os = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  return {
    browser: browser ?? { message: "device.unknownBrowser" },
    os: os ?? { message: "device.unknownOs" },
  };
}
