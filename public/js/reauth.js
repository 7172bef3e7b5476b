// @ts-check
/**
 * The password prompt for sensitive actions. Signing a device out, signing out
 * everywhere else, changing the password, deleting a passkey and deleting the
 * account need a recent log-in; when the last one is too old the server answers
 * 403 `reauthentication_required`. `withReauthentication` then asks for the
 * password in a modal dialog, or for one of the user's passkeys where the
 * browser can use them, proves it with `POST /api/reauthenticate` and runs the
 * action again, so the user never has to click twice.
 *
 * Adding a passkey asks every time (`withProof`): the proof travels in the
 * request that starts the ceremony, so a copied cookie alone can never add one.
 */
import { ApiError, listPasskeys, passkeyAuthenticationOptions, reauthenticate, reauthenticateWithPasskey } from "./api.js";
import { setMessage, translateTree } from "./i18n.js";
import { byId, clearFieldErrors, clearStatus, isBusy, setBusy, setFieldError, showError } from "./ui.js";
import { getPasskey, passkeysSupported } from "./webauthn.js";

// Built from a constant, never from data; one copy for every page that needs it.
const MARKUP = `
<dialog id="reauth-dialog" class="dialog" aria-labelledby="reauth-title" aria-describedby="reauth-text">
  <form id="reauth-form" class="form" novalidate>
    <h2 id="reauth-title" data-i18n="reauth.title">Confirm it's you</h2>
    <p id="reauth-text" class="dialog__text" data-i18n="reauth.text">This needs a recent log-in. Enter your password to continue.</p>
    <div class="field">
      <label for="reauth-password" data-i18n="reauth.password">Your password</label>
      <input id="reauth-password" name="password" type="password" autocomplete="current-password" required aria-describedby="reauth-password-error">
      <p id="reauth-password-error" class="field__error" hidden></p>
    </div>
    <p id="reauth-passkey-unsupported" class="field__hint" data-i18n="reauth.passkey.unsupported" hidden>This browser can't use your passkeys, so confirm with your password.</p>
    <p id="reauth-status" class="status" role="status" aria-live="polite"></p>
    <div class="dialog__actions">
      <button type="submit" class="button button--primary" data-i18n="reauth.submit">Confirm</button>
      <button type="button" class="button button--secondary" data-action="passkey" data-i18n="reauth.passkey" hidden>Use a passkey</button>
      <button type="button" class="button button--secondary" data-action="cancel" data-i18n="reauth.cancel">Cancel</button>
    </div>
  </form>
</dialog>`;

/** The prompt on screen, if any: a second action that needs it waits for the same answer. */
/** @type {Promise<unknown> | undefined} */
let pending;

/**
 * What the dialog hands on: the password, or the JSON of an assertion of one
 * of the user's passkeys (made for this session's challenge).
 * @typedef {{ password: string } | { passkey: import("@simplewebauthn/browser").AuthenticationResponseJSON }} Proof
 */

/**
 * Runs `action`; if the server wants the password again, asks for it and runs
 * `action` once more. Rejects with the server's `reauthentication_required`
 * error when the prompt is dismissed, so the caller says the action was not done.
 * @template T
 * @param {() => Promise<T>} action
 * @returns {Promise<T>}
 */
export async function withReauthentication(action) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "reauthentication_required")) throw error;
    pending ??= askForProof(error, "reauth.text", confirmIdentity).finally(() => {
      pending = undefined;
    });
    await pending;
    return action();
  }
}

/**
 * Asks for the password, or one of the user's passkeys, and hands the proof to
 * `action`, which sends it with the request it is for. A wrong password keeps
 * the dialog open to try again; `action`'s answer resolves, and dismissing the
 * dialog rejects as the server's `reauthentication_required` would.
 * @template T
 * @param {(proof: Proof) => Promise<T>} action
 * @returns {Promise<T>}
 */
export function withProof(action) {
  const refusal = new ApiError({ code: "reauthentication_required", status: 403, message: "The user did not confirm it was them." });
  return askForProof(refusal, "reauth.text.addPasskey", action);
}

/** The proof of a re-authentication: `POST /api/reauthenticate` with it. @param {Proof} proof */
async function confirmIdentity(proof) {
  await ("password" in proof ? reauthenticate(proof.password) : reauthenticateWithPasskey(proof.passkey));
}

/**
 * Shows the dialog until `use` accepts a proof (resolves with its answer) or
 * the user dismisses it (rejects with `refusal`). A session that ended
 * meanwhile rejects with the server's `unauthenticated`, which pages already
 * handle, and so does a refusal that is no fault of the proof (`invalid_input`).
 * @template T
 * @param {ApiError} refusal
 * @param {"reauth.text" | "reauth.text.addPasskey"} textKey what the dialog says it is for
 * @param {(proof: Proof) => Promise<T>} use
 * @returns {Promise<T>}
 */
function askForProof(refusal, textKey, use) {
  const dialog = dialogElement();
  const form = byId("reauth-form", HTMLFormElement);
  const input = byId("reauth-password", HTMLInputElement);
  const status = byId("reauth-status", HTMLElement);
  const submit = form.querySelector("button[type=submit]");
  const cancel = form.querySelector("[data-action=cancel]");
  const passkey = form.querySelector("[data-action=passkey]");
  if (!(submit instanceof HTMLButtonElement) || !(cancel instanceof HTMLButtonElement) || !(passkey instanceof HTMLButtonElement)) {
    throw new Error("#reauth-form is incomplete.");
  }
  // The element to give focus back to; showModal() would otherwise leave it on <body> in some browsers.
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;

  return new Promise((resolve, reject) => {
    /** @type {{ done: true, value: T } | { done: false, error: unknown }} */
    let outcome = { done: false, error: refusal };
    /** Hands `proof` to `use`; on success closes the dialog with its answer. @param {Proof} proof */
    const prove = async (proof) => {
      outcome = { done: true, value: await use(proof) };
      dialog.close();
    };
    /** Whether `error` ends the dialog rather than letting the user try again. @param {unknown} error */
    const ends = (error) => error instanceof ApiError && (error.code === "unauthenticated" || error.code === "invalid_input");
    const onSubmit = async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      if (isBusy(submit)) return;
      clearFieldErrors(form);
      clearStatus(status);
      if (input.value === "") {
        setFieldError(input, "field.password.required");
        input.focus();
        return;
      }
      setBusy(submit, "reauth.busy");
      try {
        await prove({ password: input.value });
      } catch (error) {
        if (error instanceof ApiError && error.code === "invalid_credentials") {
          setFieldError(input, "reauth.wrong");
          input.select();
        } else if (ends(error)) {
          outcome = { done: false, error };
          dialog.close();
        } else {
          showError(status, error);
        }
      } finally {
        setBusy(submit, undefined);
      }
    };
    const onPasskey = async () => {
      if (isBusy(passkey) || isBusy(submit)) return;
      clearFieldErrors(form);
      clearStatus(status);
      setBusy(passkey, "reauth.passkey.busy");
      try {
        await prove({ passkey: await getPasskey(await passkeyAuthenticationOptions()) });
      } catch (error) {
        if (ends(error)) {
          outcome = { done: false, error };
          dialog.close();
        } else {
          showError(status, error);
        }
      } finally {
        setBusy(passkey, undefined);
      }
    };
    const onCancel = () => dialog.close();
    // Escape fires `cancel` and closes the dialog natively, so every way out ends here.
    const onClose = () => {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      passkey.removeEventListener("click", onPasskey);
      form.reset();
      clearFieldErrors(form);
      clearStatus(status);
      if (opener?.isConnected) opener.focus();
      if (outcome.done) resolve(outcome.value);
      else reject(outcome.error);
    };
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    passkey.addEventListener("click", onPasskey);
    dialog.addEventListener("close", onClose, { once: true });
    showPasskeyChoice(dialog, passkey, textKey);
    dialog.showModal();
    input.focus();
  });
}

/**
 * Offers "Use a passkey" when the user has one and the browser can use it, or
 * says why not when it can't. The dialog opens at once with the password alone;
 * the choice appears when the list arrives, and a failed list leaves the password.
 * @param {HTMLDialogElement} dialog @param {HTMLButtonElement} button
 * @param {"reauth.text" | "reauth.text.addPasskey"} textKey
 */
function showPasskeyChoice(dialog, button, textKey) {
  const unsupported = byId("reauth-passkey-unsupported", HTMLElement);
  const text = byId("reauth-text", HTMLElement);
  button.hidden = true;
  unsupported.hidden = true;
  setMessage(text, textKey);
  listPasskeys().then((passkeys) => {
    if (passkeys.length === 0 || !dialog.open) return;
    const supported = passkeysSupported();
    button.hidden = !supported;
    unsupported.hidden = supported;
    if (supported) setMessage(text, textKey === "reauth.text" ? "reauth.text.passkey" : "reauth.text.addPasskey.passkey");
  }, () => undefined);
}

/** The dialog, added to the page the first time it is needed. */
function dialogElement() {
  const existing = document.getElementById("reauth-dialog");
  if (existing instanceof HTMLDialogElement) return existing;
  const template = document.createElement("template");
  template.innerHTML = MARKUP.trim();
  document.body.append(template.content);
  const dialog = byId("reauth-dialog", HTMLDialogElement);
  translateTree(dialog);
  return dialog;
}
