// @ts-check
/**
 * The security page: change the password, read the account's activity and
 * delete the account. The three actions that need a recent log-in go through
 * `withReauthentication`, which asks for the password when the server wants it.
 */
/** @import { ActivityEvent, SessionState } from "./api.js" */
/** @import { MessageArg } from "./i18n.js" */
/** @import { MessageKey } from "./messages.js" */
import * as api from "./api.js";
import { ApiError } from "./api.js";
import { initHeader, showHeaderUser } from "./header.js";
import { setMessage } from "./i18n.js";
import { withReauthentication } from "./reauth.js";
import {
  byId, clearFieldErrors, clearStatus, create, describeError, isBusy, setBusy, setFieldError, showError, showFieldProblems, showStatus,
} from "./ui.js";
import { describeUserAgent } from "./user-agent.js";

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

/** @type {SessionState | undefined} */
let state;

// ---- Session ---------------------------------------------------------------

/** Asks who is signed in and shows the page for them, or the way to the log-in page. */
/** @param {{ quiet?: boolean }} [options] `quiet` keeps the banner as it is */
async function loadSession({ quiet = false } = {}) {
  if (!quiet) showStatus(pageStatus, "info", { key: "security.loading" });
  try {
    const previous = state;
    state = await api.getSession();
    pageRetry.hidden = true;
    if (previous?.authenticated && !state.authenticated) showStatus(pageStatus, "error", { key: "session.ended" });
    else if (!quiet) clearStatus(pageStatus);
    showHeaderUser(state);
    signedOut.hidden = state.authenticated;
    security.hidden = !state.authenticated;
    if (state.authenticated) {
      setMessage(byId("delete-confirm-text", HTMLElement), "delete.confirmText", { username: state.user.username });
      if (!previous?.authenticated) void loadActivity();
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
  if (isBusy(activityRefresh)) return;
  setBusy(activityRefresh, "common.loading");
  try {
    renderActivity(await api.listActivity());
    clearStatus(activityStatus);
  } catch (error) {
    await showActionError(activityStatus, error);
  } finally {
    setBusy(activityRefresh, undefined);
  }
}

/** @param {ActivityEvent[]} events newest first, as the server sends them */
function renderActivity(events) {
  if (events.length === 0) {
    const empty = create("li", "activity-list__empty");
    setMessage(empty, "activity.empty");
    activityList.replaceChildren(empty);
    return;
  }
  activityList.replaceChildren(...events.map(activityItem));
}

/** Events worth a second look: someone tried passwords, or the cap pushed a device out. */
const WARNINGS = new Set(["login_failed", "session_evicted"]);

/** @param {ActivityEvent} event */
function activityItem(event) {
  const item = create("li", WARNINGS.has(event.type) ? "activity activity--warning" : "activity");
  item.dataset.type = event.type;
  const what = create("p", "activity__what");
  setMessage(what, `activity.${event.type}`, { count: event.count ?? 1 });
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

activityRefresh.addEventListener("click", () => void loadActivity());

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

pageRetry.addEventListener("click", () => void loadSession());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state !== undefined) void loadSession({ quiet: true });
});
void loadSession();
