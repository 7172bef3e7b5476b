// @ts-check
/**
 * The header every page shares: translates the page, runs the language
 * switch and shows who is signed in.
 */
/** @import { SessionState } from "./api.js" */
import { getSession } from "./api.js";
import { language, setLanguage, setMessage, translatePage } from "./i18n.js";
import { LANGUAGES } from "./messages.js";
import { byId } from "./ui.js";

/** Translates the page and wires the language switch; call it first on every page. */
export function initHeader() {
  translatePage();
  const buttons = [...document.querySelectorAll("[data-lang]")].filter((button) => button instanceof HTMLButtonElement);
  const markCurrent = () => {
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.lang === language()));
  };
  for (const button of buttons) {
    button.addEventListener("click", () => {
      const chosen = LANGUAGES.find((candidate) => candidate === button.dataset.lang);
      if (chosen && chosen !== language()) {
        setLanguage(chosen);
        markCurrent();
      }
    });
  }
  markCurrent();
}

/** Shows who is signed in, or that we couldn't tell. */
/** @param {SessionState | "error"} state */
export function showHeaderUser(state) {
  const element = byId("header-user", HTMLElement);
  element.dataset.state = state === "error" ? "error" : state.authenticated ? "signed-in" : "anonymous";
  if (state === "error") setMessage(element, "header.user.error");
  else if (state.authenticated) setMessage(element, "header.user.signedIn", { username: state.user.username });
  else setMessage(element, "header.user.anonymous");
}

/** Asks the server who is signed in and shows it, for pages that need nothing else from the session. */
export async function loadHeaderUser() {
  try {
    showHeaderUser(await getSession());
  } catch {
    showHeaderUser("error");
  }
}
