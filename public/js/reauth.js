// @ts-check
/**
 * The password prompt for sensitive actions. Signing out everywhere else,
 * changing the password and deleting the account need a recent log-in; when
 * the last one is too old the server answers 403 `reauthentication_required`.
 * `withReauthentication` then asks for the password in a modal dialog, or for
 * one of the user's passkeys where the browser can use them, proves it with
 * `POST /api/reauthenticate` and runs the action again, so the user never has
 * to click twice.
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
/** @type {Promise<void> | undefined} */
let pending;

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
    pending ??= askForPassword(error).finally(() => {
      pending = undefined;
    });
    await pending;
    return action();
  }
}

/**
 * Shows the dialog until the server accepts the password (resolves) or the
 * user dismisses it (rejects with `refusal`). A session that ended meanwhile
 * rejects with the server's `unauthenticated`, which pages already handle.
 * @param {ApiError} refusal
 * @returns {Promise<void>}
 */
function askForPassword(refusal) {
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
    /** @type {unknown} */
    let outcome = refusal;
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
        await reauthenticate(input.value);
        outcome = undefined;
        dialog.close();
      } catch (error) {
        if (error instanceof ApiError && error.code === "invalid_credentials") {
          setFieldError(input, "reauth.wrong");
          input.select();
        } else if (error instanceof ApiError && error.code === "unauthenticated") {
          outcome = error;
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
        await reauthenticateWithPasskey(await getPasskey(await passkeyAuthenticationOptions()));
        outcome = undefined;
        dialog.close();
      } catch (error) {
        if (error instanceof ApiError && error.code === "unauthenticated") {
          outcome = error;
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
      if (outcome === undefined) resolve();
      else reject(outcome);
    };
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    passkey.addEventListener("click", onPasskey);
    dialog.addEventListener("close", onClose, { once: true });
    showPasskeyChoice(dialog, passkey);
    dialog.showModal();
    input.focus();
  });
}

/**
 * Offers "Use a passkey" when the user has one and the browser can use it, or
 * says why not when it can't. The dialog opens at once with the password alone;
 * the choice appears when the list arrives, and a failed list leaves the password.
 * @param {HTMLDialogElement} dialog @param {HTMLButtonElement} button
 */
function showPasskeyChoice(dialog, button) {
  const unsupported = byId("reauth-passkey-unsupported", HTMLElement);
  const text = byId("reauth-text", HTMLElement);
  button.hidden = true;
  unsupported.hidden = true;
  setMessage(text, "reauth.text");
  listPasskeys().then((passkeys) => {
    if (passkeys.length === 0 || !dialog.open) return;
    const supported = passkeysSupported();
    button.hidden = !supported;
    unsupported.hidden = supported;
    if (supported) setMessage(text, "reauth.text.passkey");
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
