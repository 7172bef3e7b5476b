// @ts-check
/**
 * The cookie playground: set a cookie through the API, see how the server
 * sorted what it received (plain, signed and valid, signed but tampered),
 * delete one, or tamper with a signed one in the browser and watch the server
 * reject it. Its cookies are all named `play.…`, and the server lists no other.
 */
/** @import { ReceivedCookies } from "./api.js" */
/** @import { MessageKey } from "./messages.js" */
import * as api from "./api.js";
import { ApiError } from "./api.js";
import { AnswerOrder } from "./answer-order.js";
import { initHeader, loadHeaderUser } from "./header.js";
import { setAttributeMessage, setMessage } from "./i18n.js";
import {
  byId, clearFieldErrors, clearStatus, create, isBusy, setBusy, setFieldError, showError, showFieldProblems, showStatus,
} from "./ui.js";

initHeader();
void loadHeaderUser();

const form = byId("cookie-form", HTMLFormElement);
const nameInput = byId("cookie-name", HTMLInputElement);
const valueInput = byId("cookie-value", HTMLInputElement);
const maxAgeInput = byId("cookie-max-age", HTMLInputElement);
const signedInput = byId("cookie-signed", HTMLInputElement);
const httpOnlyInput = byId("cookie-http-only", HTMLInputElement);
const formStatus = byId("cookie-form-status", HTMLElement);
const submit = byId("cookie-submit", HTMLButtonElement);
const cookiesStatus = byId("cookies-status", HTMLElement);
const lists = {
  plain: byId("list-plain", HTMLUListElement),
  signed: byId("list-signed", HTMLUListElement),
  tampered: byId("list-tampered", HTMLUListElement),
};
const documentCookie = byId("document-cookie", HTMLElement);

// The rules of POST /api/cookies, checked here first for a quicker answer. The field holds the
// name after the playground's namespace, which the page puts in front.
const PREFIX = "play.";
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_VALUE_LENGTH = 1024;

// ---- What the server received ------------------------------------------------

/** The cookies read as the page loaded come back empty; under load they can arrive after those read after setting one. */
const cookieAnswers = new AnswerOrder();

async function loadCookies() {
  for (const list of Object.values(lists)) list.setAttribute("aria-busy", "true");
  try {
    const received = await cookieAnswers.latest(api.getCookies);
    if (received !== undefined) render(received);
  } catch (error) {
    showError(cookiesStatus, error);
  } finally {
    if (!cookieAnswers.waiting) for (const list of Object.values(lists)) list.setAttribute("aria-busy", "false");
    renderDocumentCookie();
  }
}

/** @param {ReceivedCookies} received */
function render(received) {
  fillList(lists.plain, "cookies.plain.empty", Object.entries(received.cookies).map(([name, value]) => cookieItem(name, value, "plain")));
  fillList(lists.signed, "cookies.signed.empty", Object.entries(received.signedCookies).map(([name, value]) => cookieItem(name, value, "signed")));
  fillList(lists.tampered, "cookies.tampered.empty", received.invalidSignedCookies.map((name) => cookieItem(name, undefined, "tampered")));
}

/** @param {HTMLUListElement} list @param {MessageKey} emptyKey @param {HTMLLIElement[]} items */
function fillList(list, emptyKey, items) {
  if (items.length > 0) {
    list.replaceChildren(...items);
    return;
  }
  const empty = create("li", "cookie-list__empty");
  setMessage(empty, emptyKey);
  list.replaceChildren(empty);
}

/**
 * @param {string} name
 * @param {string | undefined} value `undefined` for a tampered cookie, whose value the server won't vouch for
 * @param {"plain" | "signed" | "tampered"} kind
 */
function cookieItem(name, value, kind) {
  const item = create("li", `cookie cookie--${kind}`);
  item.dataset.cookie = name;
  const text = create("p", "cookie__text");
  text.append(create("code", "cookie__name", name));
  if (value === undefined) {
    const rejected = create("span", "cookie__rejected");
    setMessage(rejected, "cookies.tampered.value");
    text.append(rejected);
  } else if (value === "") {
    const empty = create("span", "cookie__value cookie__value--empty");
    setMessage(empty, "common.emptyValue");
    text.append(empty);
  } else {
    text.append(create("code", "cookie__value", value));
  }
  item.append(text);
  const actions = create("div", "cookie__actions");
  if (kind === "signed" && readRawCookie(name) === undefined) {
    const note = create("p", "cookie__note");
    setMessage(note, "cookies.httpOnlyNote");
    item.append(note);
  } else if (kind === "signed") {
    actions.append(actionButton("cookies.tamper", "cookies.tamperLabel", name, () => void tamper(name)));
  }
  actions.append(actionButton("cookies.delete", "cookies.deleteLabel", name, (button) => void remove(name, button)));
  item.append(actions);
  return item;
}

/**
 * @param {MessageKey} key
 * @param {MessageKey} labelKey
 * @param {string} name
 * @param {(button: HTMLButtonElement) => void} onClick
 */
function actionButton(key, labelKey, name, onClick) {
  const button = create("button", key === "cookies.delete" ? "button button--small button--danger" : "button button--small button--secondary");
  button.type = "button";
  button.dataset.action = key === "cookies.delete" ? "delete" : "tamper";
  setMessage(button, key);
  setAttributeMessage(button, "aria-label", labelKey, { name });
  button.addEventListener("click", () => onClick(button));
  return button;
}

/** What `document.cookie` shows, one cookie a line: HttpOnly cookies are simply absent. */
function renderDocumentCookie() {
  const visible = document.cookie.split(";").map((part) => part.trim()).filter(Boolean);
  if (visible.length === 0) {
    setMessage(documentCookie, "cookies.js.empty");
    documentCookie.dataset.empty = "true";
  } else {
    delete documentCookie.dataset.i18n;
    delete documentCookie.dataset.empty;
    documentCookie.textContent = visible.join("\n");
  }
}

/** The raw (still URL-encoded) value of cookie `name` as JavaScript sees it, or `undefined` when hidden or absent. */
/** @param {string} name */
function readRawCookie(name) {
  for (const part of document.cookie.split(";")) {
    const separator = part.indexOf("=");
    if (separator !== -1 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

// ---- Delete and tamper ---------------------------------------------------------

/** @param {string} name @param {HTMLButtonElement} button */
async function remove(name, button) {
  if (isBusy(button)) return;
  clearStatus(cookiesStatus);
  button.setAttribute("aria-disabled", "true");
  try {
    await api.deleteCookie(name);
    showStatus(cookiesStatus, "success", { key: "cookies.deleted", args: { name } });
  } catch (error) {
    button.removeAttribute("aria-disabled");
    return showError(cookiesStatus, error);
  }
  await loadCookies();
  // The row, and the button with it, is gone: keep keyboard focus nearby.
  byId("received-title", HTMLElement).focus();
}

/**
 * Rewrites a signed cookie's value in the browser and keeps its signature, as
 * an attacker editing their own cookie would. `s:value.signature` is the
 * format cookie-parser reads (`cookie-signature` appends `.signature`).
 * @param {string} name
 */
async function tamper(name) {
  clearStatus(cookiesStatus);
  const raw = readRawCookie(name);
  if (raw === undefined) return showStatus(cookiesStatus, "error", { key: "cookies.tamperUnavailable", args: { name } });
  const signed = safeDecode(raw);
  const dot = signed.lastIndexOf(".");
  if (!signed.startsWith("s:") || dot === -1) return showStatus(cookiesStatus, "error", { key: "cookies.tamperUnavailable", args: { name } });
  const value = signed.slice(2, dot);
  // The classic attack: promote yourself.
  const forged = value === "admin" ? "root" : "admin";
  document.cookie = `${name}=${encodeURIComponent(`s:${forged}${signed.slice(dot)}`)}; path=/; samesite=lax`;
  showStatus(cookiesStatus, "info", { key: "cookies.tamperDone", args: { name, value: forged } });
  await loadCookies();
}

/** @param {string} value */
function safeDecode(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

byId("cookies-refresh", HTMLButtonElement).addEventListener("click", () => {
  clearStatus(cookiesStatus);
  void loadCookies();
});

// ---- Set a cookie --------------------------------------------------------------

/** @returns {Array<[HTMLInputElement, MessageKey]>} */
function validate() {
  /** @type {Array<[HTMLInputElement, MessageKey]>} */
  const problems = [];
  if (!COOKIE_NAME.test(nameInput.value)) problems.push([nameInput, "field.cookieName.invalid"]);
  if (valueInput.value.length > MAX_VALUE_LENGTH) problems.push([valueInput, "field.cookieValue.invalid"]);
  const maxAge = maxAgeInput.value.trim();
  if (maxAge !== "" && !(/^\d+$/.test(maxAge) && Number.isSafeInteger(Number(maxAge)))) problems.push([maxAgeInput, "field.maxAge.invalid"]);
  return problems;
}

/** The input a server-side `invalid_input` points at, by the API's field name. */
const FIELD_INPUTS = /** @type {const} */ ({
  name: [nameInput, "field.cookieName.invalid"],
  value: [valueInput, "field.cookieValue.invalid"],
  maxAge: [maxAgeInput, "field.maxAge.invalid"],
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (isBusy(submit)) return;
  clearFieldErrors(form);
  clearStatus(formStatus);
  if (showFieldProblems(formStatus, validate())) return;
  const maxAge = maxAgeInput.value.trim();
  setBusy(submit, "cookies.form.busy");
  try {
    const { cookie } = await api.setCookie({
      name: PREFIX + nameInput.value,
      value: valueInput.value,
      ...(maxAge === "" ? {} : { maxAge: Number(maxAge) }),
      signed: signedInput.checked,
      httpOnly: httpOnlyInput.checked,
    });
    showStatus(formStatus, "success", { key: "cookies.set", args: { name: cookie.name } });
    await loadCookies();
  } catch (error) {
    const field = error instanceof ApiError && error.code === "invalid_input" ? error.field : undefined;
    if (field === "name" || field === "value" || field === "maxAge") {
      const [input, key] = FIELD_INPUTS[field];
      setFieldError(input, key);
      input.focus();
    } else {
      showError(formStatus, error);
    }
  } finally {
    setBusy(submit, undefined);
  }
});

void loadCookies();
