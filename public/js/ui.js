// @ts-check
/**
 * Small DOM helpers every page shares: finding elements, status messages,
 * turning an error into words, field errors and busy buttons.
 */
/** @import { MessageKey } from "./messages.js" */
/** @import { MessageArgs } from "./i18n.js" */
import { ApiError } from "./api.js";
import { clearMessage, setMessage } from "./i18n.js";
import { isMessageKey } from "./messages.js";
import { PasskeyError } from "./webauthn.js";

/** A message and its arguments, ready for `setMessage`. */
/** @typedef {{ key: MessageKey, args?: MessageArgs }} Message */

/**
 * The element with `id`, checked to be a `type`; a missing element is a bug in
 * the page, so it throws at start-up rather than failing later.
 * @template {Element} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
export function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing or is not a ${type.name}.`);
  return element;
}

/** @typedef {"info" | "success" | "error"} Tone */

/**
 * Shows a message in a status element (an `aria-live` region in the markup).
 * @param {HTMLElement} element
 * @param {Tone} tone
 * @param {Message} message
 */
export function showStatus(element, tone, { key, args }) {
  element.dataset.tone = tone;
  setMessage(element, key, args);
}

/** Shows `error` in words in a status element. */
/** @param {HTMLElement} element @param {unknown} error */
export function showError(element, error) {
  showStatus(element, "error", describeError(error));
}

/** Empties a status element. */
/** @param {HTMLElement} element */
export function clearStatus(element) {
  delete element.dataset.tone;
  clearMessage(element);
}

/** What to tell the user about `error`, in their language. */
/** @param {unknown} error @returns {Message} */
export function describeError(error) {
  if (error instanceof PasskeyError) return { key: /** @type {const} */ (`passkey.error.${error.code}`) };
  if (!(error instanceof ApiError)) {
    console.error(error);
    return { key: "error.page" };
  }
  switch (error.code) {
    case "too_many_attempts":
      return error.retryAfterSeconds === undefined
        ? { key: "error.too_many_attempts.noWait" }
        : { key: "error.too_many_attempts", args: { wait: { duration: error.retryAfterSeconds } } };
    case "unexpected_response":
      // A code we don't know still comes with the server's own sentence.
      return error.serverMessage === undefined
        ? { key: "error.unexpected_response", args: { status: error.status } }
        : { key: "error.server", args: { message: error.serverMessage } };
    default:
      return { key: /** @type {const} */ (`error.${error.code}`) };
  }
}

/**
 * Marks `input` invalid and shows `message` in its error element, whose id is
 * the input's id plus `-error` and which the input names in `aria-describedby`.
 * @param {HTMLInputElement} input
 * @param {MessageKey} key
 */
export function setFieldError(input, key) {
  input.setAttribute("aria-invalid", "true");
  const error = byId(`${input.id}-error`, HTMLElement);
  setMessage(error, key);
  error.hidden = false;
}

/**
 * Shows each problem next to its field, a summary in `status`, and moves
 * focus to the first field at fault; returns whether there was any problem.
 * @param {HTMLElement} status
 * @param {Array<[HTMLInputElement, MessageKey]>} problems
 */
export function showFieldProblems(status, problems) {
  for (const [input, key] of problems) setFieldError(input, key);
  if (problems.length === 0) return false;
  showStatus(status, "error", { key: "form.fixErrors" });
  problems[0]?.[0].focus();
  return true;
}

/** Clears every field error in `form`. */
/** @param {HTMLFormElement} form */
export function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const error = document.getElementById(`${input.id}-error`);
    if (error) {
      clearMessage(error);
      error.hidden = true;
    }
  }
}

/**
 * Marks a button busy while a request runs and makes it say `busyKey`; pass
 * `undefined` when done. It stays focusable (disabling it would drop keyboard
 * focus), so click handlers check `isBusy` instead.
 * @param {HTMLButtonElement} button a button whose text comes from `data-i18n`
 * @param {MessageKey | undefined} busyKey
 */
export function setBusy(button, busyKey) {
  const idleKey = button.dataset.idleKey ?? button.dataset.i18n;
  if (busyKey) {
    button.dataset.idleKey = idleKey;
    button.setAttribute("aria-disabled", "true");
    setMessage(button, busyKey);
  } else {
    button.removeAttribute("aria-disabled");
    delete button.dataset.idleKey;
    if (idleKey !== undefined && isMessageKey(idleKey)) setMessage(button, idleKey);
  }
}

/** Whether `button` is waiting for a request started by an earlier click. */
/** @param {HTMLButtonElement} button */
export function isBusy(button) {
  return button.getAttribute("aria-disabled") === "true";
}

/** Creates an element with classes and, optionally, text. */
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function create(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}
