// @ts-check
/**
 * The home page: log in (with the password or a passkey) or register, then the
 * session panel (countdown to expiry, devices, sign out elsewhere, log out),
 * and the visit counter for everyone.
 *
 * The server is the source of truth. The page asks `GET /api/session` when it
 * loads, when it becomes visible again and when the countdown ends; log-in,
 * registration, a passkey log-in and a visit answer with that same session
 * state, so the page renders from their answers without asking again. A visit
 * is also how a device that was signed out elsewhere finds out: its answer
 * then describes a new anonymous session. After log-out the server holds
 * nothing for this browser, so the page shows the signed-out state it knows.
 */
/** @import { Device, SessionState, SignedInState } from "./api.js" */
/** @import { MessageArg } from "./i18n.js" */
/** @import { MessageKey } from "./messages.js" */
import * as api from "./api.js";
import { ApiError } from "./api.js";
import { AnswerOrder } from "./answer-order.js";
import { showHeaderUser, initHeader } from "./header.js";
import { formatNumber, onLanguageChange, setAttributeMessage, setMessage } from "./i18n.js";
import {
  byId, clearFieldErrors, clearStatus, create, describeError, isBusy, setBusy, setFieldError, showError, showFieldProblems, showStatus,
} from "./ui.js";
import { describeUserAgent } from "./user-agent.js";
import { withReauthentication } from "./reauth.js";
import { autofillSupported, getPasskey, PasskeyError, passkeysSupported } from "./webauthn.js";

initHeader();

const pageStatus = byId("page-status", HTMLElement);
const pageRetry = byId("page-retry", HTMLButtonElement);
const auth = byId("auth", HTMLElement);
const loginForm = byId("login-form", HTMLFormElement);
const registerForm = byId("register-form", HTMLFormElement);
const sessionPanel = byId("session-panel", HTMLElement);
const countdown = byId("session-countdown", HTMLElement);
const progress = byId("session-progress", HTMLProgressElement);
const logoutButton = byId("logout-button", HTMLButtonElement);
const sessionStatus = byId("session-status", HTMLElement);
const visitsCount = byId("visits-count", HTMLElement);
const visitsMessage = byId("visits-message", HTMLElement);
const visitButton = byId("visit-button", HTMLButtonElement);
const visitsStatus = byId("visits-status", HTMLElement);
const devicesCard = byId("devices", HTMLElement);
const deviceList = byId("device-list", HTMLUListElement);
const devicesStatus = byId("devices-status", HTMLElement);
const signOutOthers = byId("sign-out-others", HTMLButtonElement);
const rememberInput = byId("login-remember", HTMLInputElement);
const usernameInput = byId("login-username", HTMLInputElement);
const loginStatus = byId("login-status", HTMLElement);
const passkeyLogin = byId("passkey-login", HTMLButtonElement);

/** What the server last said about this browser's session; `undefined` until it has answered. */
/** @type {SessionState | undefined} */
let state;
/** Set while this page logs out, so losing the session then is not reported as a surprise. */
let loggingOut = false;
/** Set while a session request runs, so the countdown asks only once when it reaches zero. */
let loading = false;
/** Under load, the `GET /api/session` sent as the page loaded can arrive after a visit's answer. */
const sessionAnswers = new AnswerOrder();
/** The devices list asked for at log-in can arrive after the one asked for after a revocation. */
const deviceAnswers = new AnswerOrder();

// ---- Session ---------------------------------------------------------------

/** Asks the server for the session and renders it; failures go to the banner with a retry button. */
/** @param {{ quiet?: boolean }} [options] `quiet` keeps the banner as it is while loading */
async function loadSession({ quiet = false } = {}) {
  if (!quiet) showStatus(pageStatus, "info", { key: "home.loading" });
  loading = true;
  try {
    await requestSession(api.getSession);
    // Only the banner this load put up: an answer that came first may have replaced it already.
    if (!quiet && pageStatus.dataset.i18n === "home.loading") clearStatus(pageStatus);
  } catch (error) {
    const { key, args } = describeError(error);
    showStatus(pageStatus, "error", { key: "home.loadFailed", args: { reason: { message: key, args } } });
    pageRetry.hidden = false;
    showHeaderUser("error");
    // Without an answer the forms are the most useful thing to offer.
    if (state === undefined) auth.hidden = false;
  } finally {
    loading = false;
  }
}

/**
 * Sends a request that answers with the session state, and renders that answer unless the answer to
 * a request sent after it is already shown; resolves with it, or `undefined` if it was not shown.
 * @template {SessionState} State
 * @param {() => Promise<State>} request
 * @returns {Promise<State | undefined>}
 */
async function requestSession(request) {
  const next = await sessionAnswers.latest(request);
  if (next !== undefined) showSession(next);
  return next;
}

/**
 * Renders what the server last said of the session, from `GET /api/session` or an action's answer;
 * a signed-in session that is gone, unless this page logged it out, is reported as ended.
 * @param {SessionState} next
 */
function showSession(next) {
  const previous = state;
  state = next;
  pageRetry.hidden = true;
  if (previous?.authenticated && !next.authenticated && !loggingOut) showStatus(pageStatus, "error", { key: "session.ended" });
  render(previous);
}

/** @param {SessionState | undefined} previous */
function render(previous) {
  if (!state) return;
  showHeaderUser(state);
  auth.hidden = state.authenticated;
  sessionPanel.hidden = !state.authenticated;
  devicesCard.hidden = !state.authenticated;
  renderVisits();
  if (!state.authenticated) {
    void offerPasskeyAutofill();
    return;
  }
  stopPasskeyAutofill();
  const { user, session } = state;
  byId("session-user", HTMLElement).textContent = user.username;
  setMessage(byId("session-started", HTMLElement), "common.date", { date: { date: session.createdAt } });
  setMessage(byId("session-absolute", HTMLElement), "common.date", { date: { date: session.absoluteExpiresAt } });
  // Sessions created before remember-me existed have no flag, and they are remembered.
  setMessage(byId("session-kept", HTMLElement), session.remember === false ? "session.kept.browser" : "session.kept.remembered");
  tick();
  const sameUser = previous?.authenticated && previous.user.id === user.id;
  if (sameUser) return;
  // The last session's devices (another user's, after a log-out and a log-in) must not show while this session's load.
  deviceList.replaceChildren();
  signOutOthers.hidden = true;
  clearStatus(devicesStatus);
  void loadDevices();
}

/** When the session ends if nothing happens: the idle expiry, capped by the absolute one. */
function sessionEnd() {
  if (!state?.authenticated) return undefined;
  const { expiresAt, absoluteExpiresAt, lastSeenAt } = state.session;
  const end = Math.min(Date.parse(expiresAt), Date.parse(absoluteExpiresAt));
  return { end, idleSpan: Date.parse(expiresAt) - Date.parse(lastSeenAt) };
}

/** Updates the countdown; at zero, asks the server, which then says the session is gone. */
function tick() {
  const times = sessionEnd();
  if (!times) return;
  const remaining = Math.max(0, times.end - Date.now());
  countdown.textContent = formatClock(remaining / 1000);
  progress.max = Math.max(1, times.idleSpan);
  progress.value = Math.min(remaining, progress.max);
  if (remaining === 0 && !loading) void loadSession({ quiet: true });
}

/** "29:05", or "1:02:03" past an hour; digits read the same in every language. */
/** @param {number} seconds */
function formatClock(seconds) {
  const total = Math.ceil(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

// ---- Visits ----------------------------------------------------------------

function renderVisits() {
  const visits = state?.visits ?? 0;
  visitsCount.textContent = formatNumber(visits);
  if (visits === 0) setMessage(visitsMessage, "visits.none");
  else if (visits === 1) setMessage(visitsMessage, "visits.first");
  else setMessage(visitsMessage, "visits.count", { count: visits });
}

visitButton.addEventListener("click", async () => {
  if (isBusy(visitButton)) return;
  clearStatus(visitsStatus);
  setBusy(visitButton, "visits.button");
  try {
    // The answer carries the idle expiry the visit moved, and shows a session revoked meanwhile as a new anonymous one.
    await requestSession(api.countVisit);
  } catch (error) {
    showError(visitsStatus, error);
  } finally {
    setBusy(visitButton, undefined);
  }
});

// ---- Log in and register ---------------------------------------------------

const USERNAME = /^[a-z0-9_.-]{3,32}$/i;

/**
 * Checks a form before it is sent; the server checks again.
 * @param {HTMLFormElement} form
 * @param {boolean} strict whether to apply the registration rules, not just "filled in"
 * @returns {Array<[HTMLInputElement, MessageKey]>}
 */
function validateCredentials(form, strict) {
  const { username, password } = credentialInputs(form);
  /** @type {Array<[HTMLInputElement, MessageKey]>} */
  const problems = [];
  const name = username.value.trim();
  if (name === "") problems.push([username, "field.username.required"]);
  else if (strict && !USERNAME.test(name)) problems.push([username, "field.username.invalid"]);
  if (password.value === "") problems.push([password, "field.password.required"]);
  else if (strict && (password.value.length < 8 || password.value.length > 256)) problems.push([password, "field.password.length"]);
  return problems;
}

/** @param {HTMLFormElement} form */
function credentialInputs(form) {
  const username = form.elements.namedItem("username");
  const password = form.elements.namedItem("password");
  if (!(username instanceof HTMLInputElement) || !(password instanceof HTMLInputElement)) {
    throw new Error(`#${form.id} needs username and password inputs.`);
  }
  return { username, password };
}

/**
 * Shows a failed log-in or registration where it belongs: next to the field
 * at fault, or in the form's status.
 * @param {HTMLFormElement} form
 * @param {HTMLElement} status
 * @param {unknown} error
 */
function showAuthError(form, status, error) {
  const { username, password } = credentialInputs(form);
  if (error instanceof ApiError && error.code === "username_taken") {
    setFieldError(username, "error.username_taken");
    username.focus();
  } else if (error instanceof ApiError && error.code === "invalid_input" && (error.field === "username" || error.field === "password")) {
    const input = error.field === "username" ? username : password;
    setFieldError(input, error.field === "username" ? "field.username.invalid" : "field.password.length");
    input.focus();
  } else {
    showError(status, error);
  }
}

/**
 * Wires a credentials form: validate, send, then show the new session from the answer.
 * @param {HTMLFormElement} form
 * @param {{ strict: boolean, busyKey: MessageKey, successKey: MessageKey,
 *   send: (username: string, password: string) => Promise<SignedInState> }} options
 */
function wireCredentialsForm(form, { strict, busyKey, successKey, send }) {
  const status = byId(`${form.id.replace(/-form$/, "")}-status`, HTMLElement);
  const submit = form.querySelector("button[type=submit]");
  if (!(submit instanceof HTMLButtonElement)) throw new Error(`#${form.id} needs a submit button.`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (isBusy(submit)) return;
    clearFieldErrors(form);
    clearStatus(status);
    if (showFieldProblems(status, validateCredentials(form, strict))) return;
    const { username, password } = credentialInputs(form);
    setBusy(submit, busyKey);
    try {
      const signedIn = await requestSession(() => send(username.value.trim(), password.value));
      form.reset();
      if (signedIn === undefined) return;
      showStatus(pageStatus, "success", { key: successKey, args: { username: signedIn.user.username } });
      byId("session-title", HTMLElement).focus();
    } catch (error) {
      showAuthError(form, status, error);
    } finally {
      setBusy(submit, undefined);
    }
  });
}

wireCredentialsForm(loginForm, {
  strict: false, busyKey: "login.busy", successKey: "auth.loggedIn",
  send: (username, password) => api.login(username, password, rememberInput.checked),
});
wireCredentialsForm(registerForm, { strict: true, busyKey: "register.busy", successKey: "auth.registered", send: api.register });

// ---- Log in with a passkey ---------------------------------------------------

/** The pending autofill request, if any: a page may have only one WebAuthn request at a time. */
/** @type {AbortController | undefined} */
let autofill;

/** The signed-in page after a passkey log-in, as after the password form. */
/** @param {import("@simplewebauthn/browser").AuthenticationResponseJSON} response */
async function logInWith(response) {
  const signedIn = await requestSession(() => api.logInWithPasskey(response, rememberInput.checked));
  loginForm.reset();
  if (signedIn === undefined) return;
  showStatus(pageStatus, "success", { key: "auth.loggedIn", args: { username: signedIn.user.username } });
  byId("session-title", HTMLElement).focus();
}

/**
 * Offers the user's passkeys in the username field's autofill (conditional
 * mediation), where the browser can: the request waits in the background until
 * the user picks a passkey there, or the page stops it.
 */
async function offerPasskeyAutofill() {
  // While the button's prompt is open, new options would replace the challenge it is answering.
  if (autofill || isBusy(passkeyLogin) || !(await autofillSupported())) return;
  // Checked again: the session or the button may have changed while the browser answered.
  if (autofill || isBusy(passkeyLogin) || state?.authenticated !== false) return;
  const controller = new AbortController();
  autofill = controller;
  try {
    const options = await api.passkeyAuthenticationOptions();
    if (controller.signal.aborted) return;
    // Says the request is waiting; the browser suite waits for it before it clicks.
    usernameInput.dataset.passkeyAutofill = "waiting";
    const response = await getPasskey(options, { autofill: true, signal: controller.signal });
    clearStatus(loginStatus);
    // From here on the user has picked a passkey, so a refusal is theirs to read.
    await logInWith(response).catch((error) => showError(loginStatus, error));
  } catch {
    // Nobody asked for this request: a failure to set it up, a cancelled or a stopped one says nothing.
  } finally {
    if (autofill === controller) autofill = undefined;
    delete usernameInput.dataset.passkeyAutofill;
  }
}

function stopPasskeyAutofill() {
  autofill?.abort();
  autofill = undefined;
}

passkeyLogin.addEventListener("click", async () => {
  if (isBusy(passkeyLogin)) return;
  clearFieldErrors(loginForm);
  clearStatus(loginStatus);
  setBusy(passkeyLogin, "login.passkey.busy");
  // Only one WebAuthn request may be pending: the autofill one must go before the prompt can open.
  stopPasskeyAutofill();
  let signedIn = false;
  try {
    const response = await getPasskey(await api.passkeyAuthenticationOptions());
    await logInWith(response);
    signedIn = true;
  } catch (error) {
    if (!(error instanceof PasskeyError && error.code === "aborted")) showError(loginStatus, error);
  } finally {
    setBusy(passkeyLogin, undefined);
  }
  // Still signed out: the autofill goes back to offering passkeys.
  if (!signedIn) void offerPasskeyAutofill();
});

/** Without WebAuthn the button could only fail: it goes, and a sentence says why. */
function showPasskeySupport() {
  const supported = passkeysSupported();
  passkeyLogin.hidden = !supported;
  byId("passkey-login-hint", HTMLElement).hidden = !supported;
  byId("passkey-login-or", HTMLElement).hidden = !supported;
  byId("passkey-login-unsupported", HTMLElement).hidden = supported;
}

// ---- Log out ---------------------------------------------------------------

logoutButton.addEventListener("click", async () => {
  if (isBusy(logoutButton)) return;
  clearStatus(sessionStatus);
  setBusy(logoutButton, "session.loggingOut");
  loggingOut = true;
  try {
    const signedOut = await requestSession(async () => {
      await api.logout();
      // The server deleted the session, its visit counter with it, and cleared the cookie: what
      // `GET /api/session` would now answer is known without asking.
      return { authenticated: false, visits: 0 };
    });
    if (signedOut === undefined) return;
    showStatus(pageStatus, "success", { key: "session.loggedOut" });
    byId("login-title", HTMLElement).focus();
  } catch (error) {
    showError(sessionStatus, error);
  } finally {
    loggingOut = false;
    setBusy(logoutButton, undefined);
  }
});

// ---- Devices ---------------------------------------------------------------

async function loadDevices() {
  try {
    const devices = await deviceAnswers.latest(api.listDevices);
    if (devices !== undefined) renderDevices(devices);
  } catch (error) {
    if (error instanceof ApiError && error.code === "unauthenticated") await loadSession({ quiet: true });
    else showError(devicesStatus, error);
  }
}

/** @param {Device[]} devices */
function renderDevices(devices) {
  const sorted = devices.toSorted((a, b) => Number(b.current) - Number(a.current) || Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt));
  signOutOthers.hidden = !sorted.some((device) => !device.current);
  if (sorted.length === 0) {
    const empty = create("li", "device-list__empty");
    setMessage(empty, "devices.empty");
    deviceList.replaceChildren(empty);
    return;
  }
  deviceList.replaceChildren(...sorted.map(deviceItem));
}

/** @param {Device} device @returns {MessageArg} */
function deviceName(device) {
  return { message: "device.name", args: describeUserAgent(device.userAgent) };
}

/** @param {Device} device */
function deviceItem(device) {
  const item = create("li", device.current ? "device device--current" : "device");
  item.dataset.sessionId = device.id;
  const info = create("div", "device__info");
  const name = create("p", "device__name");
  const label = create("span");
  label.title = device.userAgent;
  setMessage(label, "device.name", describeUserAgent(device.userAgent));
  name.append(label);
  if (device.current) {
    const badge = create("span", "badge");
    setMessage(badge, "devices.current");
    name.append(" ", badge);
  }
  const meta = create("p", "device__meta");
  setMessage(meta, "devices.meta", { createdAt: { date: device.createdAt }, lastSeenAt: { relative: device.lastSeenAt } });
  info.append(name, meta);
  item.append(info);
  if (!device.current) {
    const revoke = create("button", "button button--danger");
    revoke.type = "button";
    setMessage(revoke, "devices.revoke");
    setAttributeMessage(revoke, "aria-label", "devices.revokeLabel", { device: deviceName(device), lastSeenAt: { relative: device.lastSeenAt } });
    revoke.addEventListener("click", () => void revokeDevice(device, revoke));
    item.append(revoke);
  }
  return item;
}

/** @param {Device} device @param {HTMLButtonElement} button */
async function revokeDevice(device, button) {
  if (isBusy(button)) return;
  clearStatus(devicesStatus);
  button.setAttribute("aria-disabled", "true");
  try {
    // Signing another device out needs a recent log-in, as signing out every other one does.
    await withReauthentication(() => api.revokeDevice(device.id));
    showStatus(devicesStatus, "success", { key: "devices.revoked", args: { device: deviceName(device) } });
  } catch (error) {
    button.removeAttribute("aria-disabled");
    if (error instanceof ApiError && error.code === "unauthenticated") return loadSession({ quiet: true });
    if (!(error instanceof ApiError && error.code === "not_found")) return showError(devicesStatus, error);
    showStatus(devicesStatus, "info", { key: "devices.gone" });
  }
  await loadDevices();
  // The button is gone with its row; keep keyboard focus in the card.
  byId("devices-title", HTMLElement).focus();
}

signOutOthers.addEventListener("click", async () => {
  if (isBusy(signOutOthers)) return;
  clearStatus(devicesStatus);
  setBusy(signOutOthers, "devices.signingOutOthers");
  try {
    const count = await withReauthentication(api.signOutOthers);
    if (count === 0) showStatus(devicesStatus, "success", { key: "devices.signedOutNone" });
    else showStatus(devicesStatus, "success", { key: "devices.signedOutOthers", args: { count } });
    await loadDevices();
  } catch (error) {
    if (error instanceof ApiError && error.code === "unauthenticated") await loadSession({ quiet: true });
    else showError(devicesStatus, error);
  } finally {
    setBusy(signOutOthers, undefined);
  }
  // The button hides with the other devices gone; keep keyboard focus in the card.
  if (signOutOthers.hidden && !devicesCard.hidden) byId("devices-title", HTMLElement).focus();
});

byId("devices-refresh", HTMLButtonElement).addEventListener("click", () => {
  clearStatus(devicesStatus);
  void loadDevices();
});

// ---- Start -----------------------------------------------------------------

showPasskeySupport();
pageRetry.addEventListener("click", () => void loadSession());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state !== undefined) void loadSession({ quiet: true });
});
onLanguageChange(renderVisits);
setInterval(tick, 1000);
void loadSession();
