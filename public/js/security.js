// @ts-check
/**
 * The security page: add, rename and delete passkeys, change the password,
 * read the account's activity and delete the account. The actions that need a
 * recent log-in go through `withReauthentication`, which asks for the password
 * (or a passkey) when the server wants it; adding a passkey asks every time
 * (`withProof`).
 */
/** @import { ActivityEvent, Passkey, SessionState } from "./api.js" */
/** @import { MessageArg } from "./i18n.js" */
/** @import { MessageKey } from "./messages.js" */
import * as api from "./api.js";
import { ApiError } from "./api.js";
import { AnswerOrder } from "./answer-order.js";
import { initHeader, showHeaderUser } from "./header.js";
import { setAttributeMessage, setMessage } from "./i18n.js";
import { withProof, withReauthentication } from "./reauth.js";
import {
  byId, clearFieldErrors, clearStatus, create, describeError, isBusy, setBusy, setFieldError, showError, showFieldProblems, showStatus,
} from "./ui.js";
import { describeUserAgent } from "./user-agent.js";
import { createPasskey, passkeysSupported } from "./webauthn.js";

initHeader();

const pageStatus = byId("page-status", HTMLElement);
const pageRetry = byId("page-retry", HTMLButtonElement);
const signedOut = byId("signed-out", HTMLElement);
const security = byId("security", HTMLElement);
const passwordForm = byId("password-form", HTMLFormElement);
const currentInput = byId("password-current", HTMLInputElement);
const newInput = byId("password-new", HTMLInputElement);
const passwordStatus = byId("password-status", HTMLElement);
const activityList = byId("activity-list", HTMLOListElement);
const activityStatus = byId("activity-status", HTMLElement);
const activityRefresh = byId("activity-refresh", HTMLButtonElement);
const deleteStart = byId("delete-start", HTMLButtonElement);
const deleteConfirm = byId("delete-confirm", HTMLElement);
const deleteButton = byId("delete-confirm-button", HTMLButtonElement);
const deleteStatus = byId("delete-status", HTMLElement);
const passkeyList = byId("passkey-list", HTMLUListElement);
const passkeyForm = byId("passkey-form", HTMLFormElement);
const passkeyName = byId("passkey-name", HTMLInputElement);
const passkeysStatus = byId("passkeys-status", HTMLElement);

/** @type {SessionState | undefined} */
let state;
/** Under load, what the page asked for as it loaded can arrive after what it asked for again after a change. */
const sessionAnswers = new AnswerOrder();
const passkeyAnswers = new AnswerOrder();
const activityAnswers = new AnswerOrder();

// ---- Session ---------------------------------------------------------------

/** Asks who is signed in and shows the page for them, or the way to the log-in page. */
/** @param {{ quiet?: boolean }} [options] `quiet` keeps the banner as it is */
async function loadSession({ quiet = false } = {}) {
  if (!quiet) showStatus(pageStatus, "info", { key: "security.loading" });
  try {
    const next = await sessionAnswers.latest(api.getSession);
    if (next === undefined) {
      // A newer answer is shown; only the banner this load put up is left to take down.
      if (!quiet && pageStatus.dataset.i18n === "security.loading") clearStatus(pageStatus);
      return;
    }
    const previous = state;
    state = next;
    pageRetry.hidden = true;
    if (previous?.authenticated && !state.authenticated) showStatus(pageStatus, "error", { key: "session.ended" });
    else if (!quiet) clearStatus(pageStatus);
    showHeaderUser(state);
    signedOut.hidden = state.authenticated;
    security.hidden = !state.authenticated;
    if (state.authenticated) {
      setMessage(byId("delete-confirm-text", HTMLElement), "delete.confirmText", { username: state.user.username });
      if (!previous?.authenticated) {
        void loadActivity();
        void loadPasskeys();
      }
    }
  } catch (error) {
    const { key, args } = describeError(error);
    showStatus(pageStatus, "error", { key: "security.loadFailed", args: { reason: { message: key, args } } });
    pageRetry.hidden = false;
    showHeaderUser("error");
  }
}

/**
 * Shows `error` in `status`, unless it says the session is gone: then the
 * whole page changes to say so.
 * @param {HTMLElement} status @param {unknown} error
 */
async function showActionError(status, error) {
  if (error instanceof ApiError && error.code === "unauthenticated") await loadSession({ quiet: true });
  else showError(status, error);
}

// ---- Passkeys ----------------------------------------------------------------

/** The longest name the server keeps for a passkey. */
const PASSKEY_NAME_MAX = 64;

async function loadPasskeys() {
  try {
    const passkeys = await passkeyAnswers.latest(api.listPasskeys);
    if (passkeys !== undefined) renderPasskeys(passkeys);
  } catch (error) {
    await showActionError(passkeysStatus, error);
  }
}

/** @param {Passkey[]} passkeys */
function renderPasskeys(passkeys) {
  if (passkeys.length === 0) {
    const empty = create("li", "passkey-list__empty");
    setMessage(empty, "passkeys.empty");
    passkeyList.replaceChildren(empty);
    return;
  }
  passkeyList.replaceChildren(...passkeys.toSorted((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).map(passkeyItem));
}

/** @param {Passkey} passkey */
function passkeyItem(passkey) {
  const item = create("li", "passkey");
  item.dataset.passkeyId = passkey.id;
  const info = create("div", "passkey__info");
  const name = create("p", "passkey__name");
  name.append(create("span", "passkey__label", passkey.name));
  if (passkey.backedUp) {
    const badge = create("span", "badge");
    setMessage(badge, "passkeys.synced");
    name.append(" ", badge);
  }
  const added = create("p", "passkey__meta");
  setMessage(added, "passkeys.addedAt", { createdAt: { date: passkey.createdAt } });
  const used = create("p", "passkey__meta");
  if (passkey.lastUsedAt === null) setMessage(used, "passkeys.unused");
  else setMessage(used, "passkeys.lastUsed", { lastUsedAt: { relative: passkey.lastUsedAt } });
  info.append(name, added, used);

  const actions = create("div", "passkey__actions");
  const rename = create("button", "button button--secondary button--small");
  rename.type = "button";
  setMessage(rename, "passkeys.rename");
  setAttributeMessage(rename, "aria-label", "passkeys.renameLabel", { name: passkey.name });
  rename.addEventListener("click", () => startRename(item, passkey));
  const remove = create("button", "button button--danger button--small");
  remove.type = "button";
  setMessage(remove, "passkeys.delete");
  setAttributeMessage(remove, "aria-label", "passkeys.deleteLabel", { name: passkey.name });
  remove.addEventListener("click", () => void deletePasskey(passkey, remove));
  actions.append(rename, remove);
  item.append(info, actions);
  return item;
}

/** A number for each rename form's ids, which must be unique in the page. */
let renameForms = 0;

/** Swaps the passkey's row for a small form with its name, focused and selected. */
/** @param {HTMLLIElement} item @param {Passkey} passkey */
function startRename(item, passkey) {
  clearStatus(passkeysStatus);
  const id = `passkey-rename-${++renameForms}`;
  const form = create("form", "form passkey__rename");
  form.noValidate = true;
  const field = create("div", "field");
  const label = create("label");
  label.htmlFor = id;
  setMessage(label, "passkeys.rename.field");
  const input = create("input");
  Object.assign(input, { id, name: "name", type: "text", value: passkey.name, maxLength: PASSKEY_NAME_MAX, required: true, autocomplete: "off" });
  input.setAttribute("aria-describedby", `${id}-error`);
  const error = create("p", "field__error");
  error.id = `${id}-error`;
  error.hidden = true;
  field.append(label, input, error);
  const buttons = create("div", "actions");
  const save = create("button", "button button--primary button--small");
  save.type = "submit";
  setMessage(save, "passkeys.rename.save");
  const cancel = create("button", "button button--secondary button--small");
  cancel.type = "button";
  setMessage(cancel, "passkeys.rename.cancel");
  buttons.append(save, cancel);
  form.append(field, buttons);

  const finish = (/** @type {Passkey} */ shown) => {
    const next = passkeyItem(shown);
    item.replaceWith(next);
    next.querySelector("button")?.focus();
  };
  cancel.addEventListener("click", () => finish(passkey));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") finish(passkey);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (isBusy(save)) return;
    clearFieldErrors(form);
    const name = input.value.trim();
    if (name === "" || name.length > PASSKEY_NAME_MAX) {
      setFieldError(input, "field.passkeyName.invalid");
      input.focus();
      return;
    }
    setBusy(save, "passkeys.rename.saving");
    try {
      const renamed = await api.renamePasskey(passkey.id, name);
      finish(renamed);
      showStatus(passkeysStatus, "success", { key: "passkeys.renamed", args: { name: renamed.name } });
      void loadActivity();
    } catch (failure) {
      setBusy(save, undefined);
      if (failure instanceof ApiError && failure.code === "invalid_input") {
        setFieldError(input, "field.passkeyName.invalid");
        input.focus();
      } else if (failure instanceof ApiError && failure.code === "passkey_not_found") {
        showStatus(passkeysStatus, "info", { key: "passkeys.gone" });
        await loadPasskeys();
      } else {
        await showActionError(passkeysStatus, failure);
      }
    }
  });
  item.replaceChildren(form);
  input.focus();
  input.select();
}

/** @param {Passkey} passkey @param {HTMLButtonElement} button */
async function deletePasskey(passkey, button) {
  if (isBusy(button)) return;
  clearStatus(passkeysStatus);
  setBusy(button, "passkeys.deleting");
  try {
    await withReauthentication(() => api.deletePasskey(passkey.id));
    showStatus(passkeysStatus, "success", { key: "passkeys.deleted", args: { name: passkey.name } });
  } catch (error) {
    setBusy(button, undefined);
    if (!(error instanceof ApiError && error.code === "passkey_not_found")) return showActionError(passkeysStatus, error);
    showStatus(passkeysStatus, "info", { key: "passkeys.gone" });
  }
  await Promise.all([loadPasskeys(), loadActivity()]);
  // The button is gone with its row; keep keyboard focus in the card.
  byId("passkeys-title", HTMLElement).focus();
}

passkeyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = passkeyForm.querySelector("button[type=submit]");
  if (!(submit instanceof HTMLButtonElement) || isBusy(submit)) return;
  clearFieldErrors(passkeyForm);
  clearStatus(passkeysStatus);
  const name = passkeyName.value.trim();
  if (name.length > PASSKEY_NAME_MAX) {
    setFieldError(passkeyName, "field.passkeyName.invalid");
    passkeyName.focus();
    return;
  }
  setBusy(submit, "passkeys.adding");
  try {
    // The options are given only with the password or a passkey in the same request, so the prompt comes first, every time.
    const options = await withProof(api.passkeyRegistrationOptions);
    const passkey = await api.addPasskey(await createPasskey(options), name || undefined);
    passkeyForm.reset();
    showStatus(passkeysStatus, "success", { key: "passkeys.added", args: { name: passkey.name } });
    await Promise.all([loadPasskeys(), loadActivity()]);
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_input" && error.field === "name") {
      setFieldError(passkeyName, "field.passkeyName.invalid");
      passkeyName.focus();
    } else if (error instanceof ApiError && error.code === "invalid_input" && error.field === undefined) {
      // The one refusal of the ceremony that names no field: the account holds as many passkeys as it may.
      showStatus(passkeysStatus, "error", { key: "passkeys.tooMany" });
    } else {
      await showActionError(passkeysStatus, error);
    }
  } finally {
    setBusy(submit, undefined);
  }
});

/** Without WebAuthn no passkey can be added here: the form goes, and a sentence says why. */
function showPasskeySupport() {
  const supported = passkeysSupported();
  passkeyForm.hidden = !supported;
  byId("passkeys-unsupported", HTMLElement).hidden = supported;
}

// ---- Password ----------------------------------------------------------------

/** @returns {Array<[HTMLInputElement, MessageKey]>} */
function validatePasswords() {
  /** @type {Array<[HTMLInputElement, MessageKey]>} */
  const problems = [];
  if (currentInput.value === "") problems.push([currentInput, "field.password.required"]);
  if (newInput.value === "") problems.push([newInput, "field.password.required"]);
  else if (newInput.value.length < 8 || newInput.value.length > 256) problems.push([newInput, "field.password.length"]);
  return problems;
}

passwordForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = passwordForm.querySelector("button[type=submit]");
  if (!(submit instanceof HTMLButtonElement) || isBusy(submit)) return;
  clearFieldErrors(passwordForm);
  clearStatus(passwordStatus);
  if (showFieldProblems(passwordStatus, validatePasswords())) return;
  setBusy(submit, "password.busy");
  try {
    const { revoked } = await withReauthentication(() => api.changePassword(currentInput.value, newInput.value));
    passwordForm.reset();
    if (revoked === 0) showStatus(passwordStatus, "success", { key: "password.changedAlone" });
    else showStatus(passwordStatus, "success", { key: "password.changed", args: { count: revoked } });
    void loadActivity();
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_credentials") {
      setFieldError(currentInput, "password.wrongCurrent");
      currentInput.focus();
    } else if (error instanceof ApiError && error.code === "invalid_input" && error.field === "newPassword") {
      setFieldError(newInput, "field.password.length");
      newInput.focus();
    } else {
      await showActionError(passwordStatus, error);
    }
  } finally {
    setBusy(submit, undefined);
  }
});

// ---- Activity ----------------------------------------------------------------

async function loadActivity() {
  setBusy(activityRefresh, "common.loading");
  try {
    const events = await activityAnswers.latest(api.listActivity);
    if (events === undefined) return;
    renderActivity(events);
    clearStatus(activityStatus);
  } catch (error) {
    await showActionError(activityStatus, error);
  } finally {
    if (!activityAnswers.waiting) setBusy(activityRefresh, undefined);
  }
}

/** @param {ActivityEvent[]} events newest first, as the server sends them */
function renderActivity(events) {
  // The server records `passkey_used` beside the log-in or re-authentication that used the passkey,
  // which names it already: shown, it would say the same thing twice.
  const shown = events.filter((event) => event.type !== "passkey_used");
  if (shown.length === 0) {
    const empty = create("li", "activity-list__empty");
    setMessage(empty, "activity.empty");
    activityList.replaceChildren(empty);
    return;
  }
  activityList.replaceChildren(...shown.map(activityItem));
}

/** Events worth a second look: someone tried passwords, the cap pushed a device out, or a passkey may have been copied. */
const WARNINGS = new Set(["login_failed", "session_evicted", "passkey_clone_suspected"]);

/**
 * The message for an event: a log-in or re-authentication says so when it used a passkey.
 * @param {ActivityEvent} event @returns {MessageKey}
 */
function activityKey(event) {
  if (event.method === "passkey" && (event.type === "logged_in" || event.type === "reauthenticated")) return `activity.${event.type}.passkey`;
  return `activity.${event.type}`;
}

/** @param {ActivityEvent} event */
function activityItem(event) {
  const item = create("li", WARNINGS.has(event.type) ? "activity activity--warning" : "activity");
  item.dataset.type = event.type;
  const what = create("p", "activity__what");
  const unnamed = { message: /** @type {const} */ ("passkeys.unnamed") };
  setMessage(what, activityKey(event), { count: event.count ?? 1, name: event.passkeyName ?? unnamed, previous: event.previousName ?? unnamed });
  const meta = create("p", "activity__meta");
  if (event.userAgent) meta.title = event.userAgent;
  /** @type {MessageArg} */
  const network = event.network ? { message: "activity.network", args: { network: event.network } } : { message: "activity.unknownNetwork" };
  setMessage(meta, "activity.meta", {
    date: { date: event.at },
    device: { message: "device.name", args: describeUserAgent(event.userAgent ?? "") },
    network,
  });
  item.append(what, meta);
  return item;
}

activityRefresh.addEventListener("click", () => {
  if (!isBusy(activityRefresh)) void loadActivity();
});

// ---- Delete the account ------------------------------------------------------

/** Shows or hides the confirmation; focus goes to its question, then back to the first button. */
/** @param {boolean} open */
function showDeleteConfirmation(open) {
  deleteConfirm.hidden = !open;
  deleteStart.hidden = open;
  deleteStart.setAttribute("aria-expanded", String(open));
  if (open) byId("delete-confirm-text", HTMLElement).focus();
  else deleteStart.focus();
}

deleteStart.addEventListener("click", () => {
  clearStatus(deleteStatus);
  showDeleteConfirmation(true);
});
byId("delete-cancel", HTMLButtonElement).addEventListener("click", () => showDeleteConfirmation(false));

deleteButton.addEventListener("click", async () => {
  if (isBusy(deleteButton)) return;
  clearStatus(deleteStatus);
  setBusy(deleteButton, "delete.busy");
  try {
    await withReauthentication(api.deleteAccount);
    deleteConfirm.hidden = true;
    deleteStart.hidden = false;
    deleteStart.setAttribute("aria-expanded", "false");
    // No session any more: the page turns into the signed-out one, and says why.
    state = undefined;
    await loadSession({ quiet: true });
    showStatus(pageStatus, "success", { key: "delete.done" });
    byId("signed-out-title", HTMLElement).focus();
  } catch (error) {
    await showActionError(deleteStatus, error);
  } finally {
    setBusy(deleteButton, undefined);
  }
});

// ---- Start -------------------------------------------------------------------

showPasskeySupport();
pageRetry.addEventListener("click", () => void loadSession());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state !== undefined) void loadSession({ quiet: true });
});
void loadSession();
