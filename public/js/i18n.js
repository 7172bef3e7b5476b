// @ts-check
/**
 * Translation of the page: picks the language, formats messages and keeps
 * every translated element in step with the chosen language.
 *
 * Elements carry what they say rather than the words: `data-i18n` names the
 * message for the element's content, `data-i18n-args` holds its arguments as
 * JSON, and `data-i18n-attr` (`"aria-label:key;title:key"`) does the same for
 * attributes, with `data-i18n-attr-args`. Switching language re-renders every
 * such element, including the ones scripts created, with no page-specific code.
 */
/** @import { Language, MessageKey, PluralMessage } from "./messages.js" */
import { LANGUAGES, MESSAGES, isMessageKey } from "./messages.js";

/**
 * A value for a `{placeholder}`. Dates and durations stay raw so that they are
 * formatted again, in the right language, whenever the message is rendered.
 * A nested message is rendered as plain text in the current language.
 * @typedef {string | number | { duration: number } | { date: string } | { time: string } | { relative: string }
 *   | { message: MessageKey, args?: MessageArgs }} MessageArg
 */
/** @typedef {Readonly<Record<string, MessageArg>>} MessageArgs */

const STORAGE_KEY = "galleta.lang";

/** @type {Language} */
let current = detectLanguage();
/** @type {Set<(language: Language) => void>} */
const listeners = new Set();

/** The stored choice, else the first of the browser's languages we speak, else English. */
function detectLanguage() {
  const stored = readStoredLanguage();
  if (stored) return stored;
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const match = asLanguage(tag.toLowerCase().split("-")[0] ?? "");
    if (match) return match;
  }
  return LANGUAGES[0];
}

/** @param {string} value @returns {Language | undefined} */
function asLanguage(value) {
  return LANGUAGES.find((language) => language === value);
}

function readStoredLanguage() {
  // localStorage throws when storage is disabled; the browser's language still works.
  try {
    return asLanguage(localStorage.getItem(STORAGE_KEY) ?? "");
  } catch {
    return undefined;
  }
}

/** The language the page is shown in. */
export function language() {
  return current;
}

/** Switches the page to `next`, remembers the choice and re-renders every translated element. */
/** @param {Language} next */
export function setLanguage(next) {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered across visits, but the switch itself still works.
  }
  translatePage();
  for (const listener of listeners) listener(next);
}

/** Calls `listener` after every language switch, for content that is not a message (such as charts). */
/** @param {(language: Language) => void} listener */
export function onLanguageChange(listener) {
  listeners.add(listener);
}

/** Sets `<html lang>` and renders every translated element in the document. */
export function translatePage() {
  document.documentElement.lang = current;
  translateTree(document);
}

/** Renders every translated element under `root`, `root` included when it is an element. */
/** @param {ParentNode} root */
export function translateTree(root) {
  const elements = [...root.querySelectorAll("[data-i18n], [data-i18n-attr]")];
  if (root instanceof Element && root.matches("[data-i18n], [data-i18n-attr]")) elements.unshift(root);
  for (const element of elements) {
    if (element instanceof HTMLElement || element instanceof SVGElement) paint(element);
  }
}

/**
 * Makes `element` say message `key`, now and after every language switch.
 * @param {HTMLElement | SVGElement} element
 * @param {MessageKey} key
 * @param {MessageArgs} [args]
 */
export function setMessage(element, key, args) {
  element.dataset.i18n = key;
  if (args) element.dataset.i18nArgs = JSON.stringify(args);
  else delete element.dataset.i18nArgs;
  paint(element);
}

/**
 * Makes attribute `name` of `element` say message `key`, now and after every language switch.
 * @param {HTMLElement | SVGElement} element
 * @param {string} name
 * @param {MessageKey} key
 * @param {MessageArgs} [args]
 */
export function setAttributeMessage(element, name, key, args) {
  const pairs = parseAttributePairs(element.dataset.i18nAttr ?? "").filter(([attribute]) => attribute !== name);
  pairs.push([name, key]);
  element.dataset.i18nAttr = pairs.map((pair) => pair.join(":")).join(";");
  if (args) element.dataset.i18nAttrArgs = JSON.stringify(args);
  paint(element);
}

/** Empties `element` and stops translating its content. */
/** @param {HTMLElement | SVGElement} element */
export function clearMessage(element) {
  delete element.dataset.i18n;
  delete element.dataset.i18nArgs;
  element.replaceChildren();
}

/** @param {HTMLElement | SVGElement} element */
function paint(element) {
  const key = element.dataset.i18n;
  if (key !== undefined && isMessageKey(key)) {
    element.replaceChildren(...renderNodes(key, readArgs(element.dataset.i18nArgs)));
  }
  const attributes = element.dataset.i18nAttr;
  if (attributes !== undefined) {
    const args = readArgs(element.dataset.i18nAttrArgs);
    for (const [name, attributeKey] of parseAttributePairs(attributes)) {
      if (isMessageKey(attributeKey)) element.setAttribute(name, t(attributeKey, args));
    }
  }
}

/** @param {string} value @returns {Array<[string, string]>} */
function parseAttributePairs(value) {
  /** @type {Array<[string, string]>} */
  const pairs = [];
  for (const pair of value.split(";")) {
    const [name, key] = pair.split(":");
    if (name && key) pairs.push([name.trim(), key.trim()]);
  }
  return pairs;
}

/** @param {string | undefined} json @returns {MessageArgs} */
function readArgs(json) {
  if (!json) return {};
  // Only this module writes these attributes, so the shape is ours.
  return /** @type {MessageArgs} */ (JSON.parse(json));
}

/** Message `key` as plain text, for attributes and anything that can't hold markup. */
/** @param {MessageKey} key @param {MessageArgs} [args] @returns {string} */
export function t(key, args = {}) {
  return segments(template(key, args))
    .map((segment) => fill(segment.text, args))
    .join("");
}

/** Message `key` as DOM nodes: `**x**` becomes `<strong>`, `` `x` `` becomes `<code>`. */
/** @param {MessageKey} key @param {MessageArgs} args @returns {Node[]} */
function renderNodes(key, args) {
  return segments(template(key, args)).map(({ text, tag }) => {
    const filled = fill(text, args);
    if (!tag) return document.createTextNode(filled);
    const node = document.createElement(tag);
    node.textContent = filled;
    return node;
  });
}

/** @param {MessageKey} key @param {MessageArgs} args */
function template(key, args) {
  /** @type {string | PluralMessage} */
  const message = MESSAGES[current][key];
  if (typeof message === "string") return message;
  const count = Number(args.count ?? 0);
  const category = new Intl.PluralRules(current).select(count);
  return (category === "one" || category === "many" ? message[category] : undefined) ?? message.other;
}

/** @typedef {{ text: string, tag: "" | "strong" | "code" }} Segment */

/**
 * Splits markup first and fills placeholders afterwards, so an argument (a
 * cookie value, say) can never turn into markup.
 * @param {string} text
 * @returns {Segment[]}
 */
function segments(text) {
  /** @type {Segment[]} */
  const out = [];
  let last = 0;
  for (const match of text.matchAll(/`([^`]*)`|\*\*(.+?)\*\*/g)) {
    if (match.index > last) out.push({ text: text.slice(last, match.index), tag: "" });
    if (match[1] !== undefined) out.push({ text: match[1], tag: "code" });
    else out.push({ text: match[2] ?? "", tag: "strong" });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), tag: "" });
  return out;
}

/** @param {string} text @param {MessageArgs} args @returns {string} */
function fill(text, args) {
  return text.replace(/\{(\w+)\}/g, (placeholder, name) => {
    const value = args[name];
    return value === undefined ? placeholder : formatArg(value);
  });
}

/** @param {MessageArg} value @returns {string} */
function formatArg(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatNumber(value);
  if ("duration" in value) return formatDuration(value.duration);
  if ("date" in value) return formatDate(value.date);
  if ("time" in value) return formatTime(value.time);
  if ("relative" in value) return formatRelative(value.relative);
  return t(value.message, value.args);
}

/** `n` with the current language's digit grouping. */
/** @param {number} n @param {Intl.NumberFormatOptions} [options] */
export function formatNumber(n, options) {
  return new Intl.NumberFormat(current, options).format(n);
}

const DURATION_UNITS = /** @type {const} */ ([
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
]);

/** A duration in words, to two units at most: "2 minutes and 5 seconds", "2 minutos y 5 segundos". */
/** @param {number} seconds */
export function formatDuration(seconds) {
  let rest = Math.max(0, Math.round(seconds));
  /** @type {string[]} */
  const parts = [];
  for (const [unit, size] of DURATION_UNITS) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    // Two adjacent units say enough; "1 hour and 3 seconds" would mislead.
    if (parts.length === 1 && amount === 0) break;
    if (amount > 0) parts.push(formatNumber(amount, { style: "unit", unit, unitDisplay: "long" }));
    if (parts.length === 2) break;
  }
  if (parts.length === 0) parts.push(formatNumber(0, { style: "unit", unit: "second", unitDisplay: "long" }));
  return new Intl.ListFormat(current, { type: "conjunction" }).format(parts);
}

/** @param {string} iso */
function formatDate(iso) {
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** @param {string} iso */
function formatTime(iso) {
  return new Intl.DateTimeFormat(current, { timeStyle: "medium" }).format(new Date(iso));
}

/** "3 minutes ago", "hace 3 minutos"; "now" for the last few seconds. */
/** @param {string} iso */
function formatRelative(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(current, { numeric: "auto" });
  const size = Math.abs(seconds);
  if (size < 10) return format.format(0, "second");
  if (size < 60) return format.format(Math.round(seconds), "second");
  if (size < 3_600) return format.format(Math.round(seconds / 60), "minute");
  if (size < 86_400) return format.format(Math.round(seconds / 3_600), "hour");
  return format.format(Math.round(seconds / 86_400), "day");
}
