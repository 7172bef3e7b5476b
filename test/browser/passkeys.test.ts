import { describe, expect, it } from "vitest";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { chromiumAvailable } from "../support/browser.ts";
import {
  countSessionReads, expectScreenshotsFit, holdNextAnswer, makeLogInOld, PASSWORD, register, TEST_TIMEOUT_MS, uniqueUsername, useBrowserSite,
  waitForText,
} from "./site.ts";

// Issue 16's passkeys in Chromium, through the real site: Chrome's virtual
// authenticator (the DevTools WebAuthn domain) stands in for a phone or a
// security key. It holds discoverable credentials, verifies the user and, with
// automatic presence simulation, answers every request at once, with no one to
// touch it: a passkey offered in autofill is picked as soon as it is offered.
// A test makes a log-in older than the recent-log-in window to see the prompt (makeLogInOld).
// Each flow makes many requests of a busy netlify dev: they get twice or three times TEST_TIMEOUT_MS.

/** A virtual platform authenticator, attached to one page for its whole life. */
interface Authenticator {
  /** How many passkeys it holds. */
  count(): Promise<number>;
  /** Turns answering on its own on or off; with it off, a request waits. */
  answerAlone(enabled: boolean): Promise<void>;
}

async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    count: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials.length,
    answerAlone: async (enabled) => {
      await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });
    },
  };
}

/** A browser that says it can't offer passkeys in autofill, so only the button signs in with one. */
async function withoutAutofill(_page: Page, context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
}

/** What the steps of adding a passkey are called in one of the page's languages. */
interface AddingWords {
  name: string;
  add: string;
  dialog: string;
  password: string;
  confirm: string;
  added: RegExp;
}

const ENGLISH: AddingWords = { name: "Name (optional)", add: "Add a passkey", dialog: "Confirm it's you", password: "Your password", confirm: "Confirm", added: /^Passkey .+ added\./ };
const SPANISH: AddingWords = {
  name: "Nombre (opcional)", add: "Añadir una llave de acceso", dialog: "Confirma que eres tú", password: "Tu contraseña", confirm: "Confirmar", added: /^Llave de acceso .+ añadida\./,
};

/** Adds a passkey on the security page, giving the password the prompt asks for every time, and waits until it is listed. */
async function addPasskey(page: Page, name?: string, words: AddingWords = ENGLISH): Promise<void> {
  if (name !== undefined) await page.getByLabel(words.name).fill(name);
  await page.getByRole("button", { name: words.add }).click();
  const dialog = page.getByRole("dialog", { name: words.dialog });
  await dialog.getByLabel(words.password).fill(PASSWORD);
  await dialog.getByRole("button", { name: words.confirm, exact: true }).click();
  await page.locator("#passkeys-status").filter({ hasText: words.added }).waitFor();
  await page.locator("#passkey-list > li.passkey").first().waitFor();
}

/**
 * Logs out on the home page. It does not wait for "You have logged out": where the autofill may
 * sign straight back in, that can be gone before anyone reads it; each caller waits for what it expects.
 */
async function logOut(page: Page, button = "Log out"): Promise<void> {
  if (new URL(page.url()).pathname !== "/") await page.goto("/");
  await page.getByRole("button", { name: button }).click();
}

/** Logs out where no autofill signs back in, and waits for the log-in form. */
async function logOutAndWait(page: Page): Promise<void> {
  await logOut(page);
  await waitForText(page.locator("#page-status"), "You have logged out.");
}

describe.skipIf(!chromiumAvailable())("passkeys in Chromium", () => {
  const browserSite = useBrowserSite();
  const { openPage } = browserSite;

  it("adds a passkey behind the password prompt, renames it, signs in with it without a username, confirms with it, and refuses it once deleted", async () => {
    const username = uniqueUsername("pia");
    let authenticator: Authenticator | undefined;
    const { page, errors } = await openPage("/", "en-US", async (opened, context) => {
      await withoutAutofill(opened, context);
      authenticator = await addAuthenticator(opened);
    });
    await register(page, username);
    await page.getByRole("link", { name: "Security" }).click();
    const list = page.locator("#passkey-list");
    await waitForText(list, "No passkeys yet.");

    // Adding one needs the password in the request that starts it, however recent the log-in: the
    // prompt asks for it (the only way: no passkey yet), then goes on.
    await page.getByLabel("Name (optional)").fill("Test laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await dialog.waitFor();
    await waitForText(page.locator("#reauth-text"), "Adding a passkey needs your password, every time: a copy of your session alone can't add one.");
    await dialog.getByLabel("Your password").fill(PASSWORD);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.waitFor({ state: "hidden" });
    await waitForText(page.locator("#passkeys-status"), "Passkey Test laptop added. You can sign in with it now.");
    const row = list.locator("li.passkey");
    await waitForText(row.locator(".passkey__name"), "Test laptop");
    expect(await row.locator(".passkey__meta").allTextContents()).toEqual([expect.stringMatching(/^Added \w+ \d+, \d{4}/), "Never used yet"]);
    expect(await authenticator?.count()).toBe(1);
    await waitForText(page.locator("#activity-list > li").first(), "Passkey added: Test laptop");

    // Renaming, by keyboard: the field comes focused with the old name.
    await page.getByRole("button", { name: "Rename the passkey Test laptop" }).click();
    const rename = page.getByLabel("New name");
    expect(await rename.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await rename.inputValue()).toBe("Test laptop");
    await rename.fill("Work laptop");
    await rename.press("Enter");
    await waitForText(page.locator("#passkeys-status"), "Renamed it Work laptop.");
    await page.getByRole("button", { name: "Delete the passkey Work laptop" }).waitFor();
    await waitForText(page.locator("#activity-list > li").first(), "Passkey renamed from Test laptop to Work laptop");
    await expectScreenshotsFit(page, "security-passkeys");

    // Signing in with it: no username typed, and the button reached from the log-in button with Tab.
    await logOutAndWait(page);
    expect(await page.locator("#login-form").getByLabel("Username").inputValue()).toBe("");
    await page.locator("#login-form").getByRole("button", { name: "Log in" }).focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("passkey-login");
    await expectScreenshotsFit(page, "home-passkey-button");
    await page.keyboard.press("Enter");
    await waitForText(page.locator("#page-status"), `Welcome back, ${username}.`);
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);

    // Once its log-in is old, deleting the passkey asks again, and the passkey itself answers.
    await page.goto("/security.html");
    await waitForText(row.locator(".passkey__meta"), /^Last used /);
    await waitForText(page.locator("#activity-list > li").first(), "Logged in with the passkey Work laptop");
    await makeLogInOld(browserSite.site, page);
    await page.getByRole("button", { name: "Delete the passkey Work laptop" }).click();
    await dialog.waitFor();
    const usePasskey = dialog.getByRole("button", { name: "Use a passkey" });
    await usePasskey.waitFor();
    await waitForText(page.locator("#reauth-text"), "Enter your password or use one of your passkeys to continue.");
    await expectScreenshotsFit(page, "reauth-dialog-passkey");
    await usePasskey.click();
    await dialog.waitFor({ state: "hidden" });
    await waitForText(page.locator("#passkeys-status"), "Deleted the passkey Work laptop: it can't sign you in any more.");
    await waitForText(list, "No passkeys yet.");
    await waitForText(page.locator("#activity-list > li").first(), "Passkey deleted: Work laptop");
    await waitForText(page.locator("#activity-list > li").nth(1), "Identity confirmed with the passkey Work laptop");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("passkeys-title");

    // The authenticator still holds it, but the site no longer knows it.
    expect(await authenticator?.count()).toBe(1);
    await logOutAndWait(page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await waitForText(page.locator("#login-status"), "That passkey was not accepted");
    expect(await page.locator("#login-status").getAttribute("data-tone")).toBe("error");
    await waitForText(page.locator("#header-user"), "Not signed in");
    expect(await page.locator("#session-panel").isHidden()).toBe(true);
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS * 3);

  it("offers the passkey in the username field's autofill, and stops that request when the button is pressed", async () => {
    const username = uniqueUsername("quim");
    let authenticator: Authenticator | undefined;
    const { page, errors } = await openPage("/", "en-US", async (opened) => {
      authenticator = await addAuthenticator(opened);
    });
    expect(await page.locator("#login-form").getByLabel("Username").getAttribute("autocomplete")).toBe("username webauthn");
    await register(page, username);
    // The page's first read of the list, made before the passkey was added, arrives after the one that follows adding it.
    const firstRead = await holdNextAnswer(page, "/api/passkeys");
    await page.goto("/security.html");
    // Added in Spanish: the prompt asks for the password there too. Then the page at both widths.
    await page.getByRole("button", { name: "Español" }).click();
    await addPasskey(page, undefined, SPANISH);
    await firstRead.deliver();
    expect(await page.locator("#passkey-list > li.passkey").count()).toBe(1);
    await waitForText(page.locator("#passkey-list .passkey__meta"), "Aún sin usar");
    await expectScreenshotsFit(page, "security-passkeys-spanish");
    await page.getByRole("button", { name: "English" }).click();

    // Logged out, the page offers the passkey in the autofill, and the authenticator, which needs nobody, picks it.
    // From the home page's load on, it renders every sign-in and log-out from their answers.
    // Each sign-in loads the user's devices; a log-out that overtook that request would make the
    // page ask who is signed in, rightly, so the test lets each list arrive first.
    const devicesListed = () => page.waitForResponse((response) => new URL(response.url()).pathname === "/api/sessions");
    let listed = devicesListed();
    await page.goto("/");
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
    await listed;
    const session = countSessionReads(page);
    listed = devicesListed();
    await logOut(page);
    await waitForText(page.locator("#page-status"), `Welcome back, ${username}.`);
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
    await listed;

    // With nobody to answer, the autofill request waits; the button must stop it, since a page may have only one.
    await authenticator?.answerAlone(false);
    await logOutAndWait(page);
    await page.locator('#login-username[data-passkey-autofill="waiting"]').waitFor();
    await authenticator?.answerAlone(true);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await waitForText(page.locator("#page-status"), `Welcome back, ${username}.`);
    expect(await page.locator("#login-status").textContent()).toBe("");
    expect(session.reads(), "GET /api/session after the home page loaded").toBe(0);
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS * 2);

  it("keeps a password log-in made while the autofill's passkey options are still on their way", async () => {
    const username = uniqueUsername("olga");
    const setup = await openPage("/");
    await register(setup.page, username);
    // A signed-out page asks for passkey options as it loads, and a visitor without a session gets an
    // anonymous one with them. Held here until after the log-in, that answer's cookie used to replace
    // the log-in's, and the new session was lost on the next request.
    let releaseOptions: () => void = () => undefined;
    const optionsHeld = new Promise<void>((resolve) => {
      releaseOptions = resolve;
    });
    let optionsAsked = false;
    const { page, errors } = await openPage("/", "en-US", async (opened) => {
      await opened.route("**/api/passkeys/authentication/options", async (route) => {
        // Answered by the server at once (as it would be, without cookies), handed to the page later.
        const answer = await route.fetch();
        optionsAsked = true;
        await optionsHeld;
        await route.fulfill({ response: answer });
      });
    });
    await expect.poll(() => optionsAsked, { timeout: 30_000 }).toBe(true);
    const form = page.locator("#login-form");
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(PASSWORD);
    const loggedIn = page.waitForResponse((response) => response.url().endsWith("/api/login"));
    await form.getByRole("button", { name: "Log in" }).click();
    // The log-in waits for the options' answer, so release it once the log-in has been asked for.
    await page.waitForTimeout(500);
    releaseOptions();
    expect((await loggedIn).status()).toBe(200);
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
    await page.reload();
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
    const devices = await page.evaluate(async () => (await fetch("/api/sessions")).status);
    expect(devices).toBe(200);
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("falls back on the bundled @simplewebauthn/browser where the browser lacks WebAuthn's JSON helpers", async () => {
    const username = uniqueUsername("rut");
    const { page, errors } = await openPage("/", "en-US", async (opened, context) => {
      await withoutAutofill(opened, context);
      await addAuthenticator(opened);
      await context.addInitScript(() => {
        const platform: Partial<Pick<typeof PublicKeyCredential, "parseCreationOptionsFromJSON" | "parseRequestOptionsFromJSON">> = PublicKeyCredential;
        delete platform.parseCreationOptionsFromJSON;
        delete platform.parseRequestOptionsFromJSON;
        const prototype: Partial<Pick<PublicKeyCredential, "toJSON">> = PublicKeyCredential.prototype;
        delete prototype.toJSON;
      });
    });
    const fallback: number[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/vendor/simplewebauthn-browser.js") fallback.push(response.status());
    });
    await register(page, username);
    await page.goto("/security.html");
    await addPasskey(page, "Old browser");
    expect(fallback).toEqual([200]);

    await logOutAndWait(page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await waitForText(page.locator("#page-status"), `Welcome back, ${username}.`);
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS * 2);

  it("hides the passkey buttons in a browser without WebAuthn and says why, in English and Spanish", async () => {
    const username = uniqueUsername("sol");
    const { page, errors } = await openPage("/", "en-US", async (_opened, context) => {
      await context.addInitScript(() => {
        const scope: { PublicKeyCredential?: unknown } = window;
        delete scope.PublicKeyCredential;
      });
    });
    expect(await page.evaluate(() => "PublicKeyCredential" in window)).toBe(false);
    await waitForText(page.locator("#passkey-login-unsupported"), "This browser can't use passkeys, so sign in with your password.");
    expect(await page.getByRole("button", { name: "Sign in with a passkey" }).count()).toBe(0);
    await expectScreenshotsFit(page, "home-no-webauthn");

    await register(page, username);
    await page.goto("/security.html");
    await waitForText(page.locator("#passkeys-unsupported"), "This browser can't create passkeys, so there is no button to add one.");
    await waitForText(page.locator("#passkey-list"), "No passkeys yet.");
    expect(await page.getByRole("button", { name: "Add a passkey" }).count()).toBe(0);
    expect(await page.getByLabel("Name (optional)").isHidden()).toBe(true);

    await page.getByRole("button", { name: "Español" }).click();
    await waitForText(page.locator("#passkeys-unsupported"), "Este navegador no puede crear llaves de acceso");
    await expectScreenshotsFit(page, "security-no-webauthn-spanish");
    await logOut(page, "Cerrar sesión");
    await waitForText(page.locator("#page-status"), "Has cerrado la sesión.");
    await waitForText(page.locator("#passkey-login-unsupported"), "Este navegador no puede usar llaves de acceso");
    expect(await page.getByRole("button", { name: "Entrar con llave de acceso" }).count()).toBe(0);
    await expectScreenshotsFit(page, "home-no-webauthn-spanish");
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS * 2);
});
