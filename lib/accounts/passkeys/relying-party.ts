import { siteOrigin } from "../../http/same-origin.ts";
import type { WebAuthnSettings } from "../../runtime/config.ts";

/** The relying party a ceremony is for: the RP ID passkeys are scoped to, and the origins allowed to use them. */
export interface RelyingParty {
  /** A host name: a passkey made for it works on it and its subdomains, nowhere else. */
  id: string;
  origins: string[];
  /** What the browser shows the user when it creates the passkey. */
  name: string;
}

/** The site's name in the browser's passkey dialogs. */
const RP_NAME = "galleta";

/**
 * The relying party for a request: by default the request's own host and origin (siteOrigin, which
 * honours x-forwarded-proto behind Netlify's proxy), so `netlify dev`, every deploy preview and
 * production each work on their own host; WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS override them, e.g.
 * to share passkeys between example.com and www.example.com.
 */
export function relyingParty(request: Request, settings: WebAuthnSettings): RelyingParty {
  const origin = siteOrigin(request);
  return { id: settings.rpId ?? new URL(origin).hostname, origins: [...(settings.origins ?? [origin])], name: RP_NAME };
}
