import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";

/** Authenticator data flags (WebAuthn §6.1): user present, user verified, backup eligible, backed up, attested credential data. */
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

/** How the software authenticator behaves. */
export interface AuthenticatorOptions {
  /** Verify the user (the UV flag). Default true. */
  userVerification?: boolean;
  /** How much the signature counter moves per use; 0 for an authenticator that always reports 0. Default 1. */
  counterStep?: number;
  /** A synced passkey (backup eligible and backed up). Default true. */
  synced?: boolean;
  /** The AAGUID it reports (all zeros by default, as many platform authenticators send). */
  aaguid?: string;
}

/** Where a ceremony runs: the page's origin and the RP ID the authenticator hashes (default: the origin's host). */
export interface CeremonyPlace {
  origin: string;
  rpId?: string;
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

/**
 * A software passkey authenticator for the tests, built on node:crypto: one ES256 (P-256) key pair
 * per credential, "none" attestation, authenticator data laid out byte by byte as WebAuthn §6.1
 * says, and assertions signed over authData || SHA-256(clientDataJSON). It plays the browser too
 * (clientDataJSON), so tests can make it answer for the wrong origin or RP ID.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #options: Required<AuthenticatorOptions>;
  /** The counter it will report next time it signs (after stepping). */
  signCount = 0;
  /** The user handle it stored at registration. */
  userHandle: string | undefined;

  constructor(options: AuthenticatorOptions = {}) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    this.#options = { userVerification: true, counterStep: 1, synced: true, aaguid: "00000000-0000-0000-0000-000000000000", ...options };
  }

  /** The credential id as the API names it (base64url). */
  get id(): string {
    return b64url(this.credentialId);
  }

  /** navigator.credentials.create(): a new credential for `options`, answered from `place`. */
  register(options: PublicKeyCredentialCreationOptionsJSON, place: CeremonyPlace): RegistrationResponseJSON {
    this.userHandle = options.user.id;
    const clientDataJSON = this.#clientData("webauthn.create", options.challenge, place.origin);
    const authData = Buffer.concat([this.#authData(place, AT), this.#attestedCredentialData()]);
    const attestationStatement = new Map<string, string>();
    const attestationObject = isoCBOR.encode(new Map<string, string | Map<string, string> | Uint8Array>([
      ["fmt", "none"],
      ["attStmt", attestationStatement],
      ["authData", new Uint8Array(authData)],
    ]));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ["internal", "hybrid"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** navigator.credentials.get(): an assertion for `options`, answered from `place`; `signCount` overrides the counter it reports. */
  assert(options: PublicKeyCredentialRequestOptionsJSON, place: CeremonyPlace, override: { signCount?: number; userVerification?: boolean } = {}): AuthenticationResponseJSON {
    const clientDataJSON = this.#clientData("webauthn.get", options.challenge, place.origin);
    const authData = this.#authData(place, 0, override);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), this.#privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle === undefined ? {} : { userHandle: this.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  #clientData(type: string, challenge: string, origin: string): string {
    return JSON.stringify({ type, challenge, origin, crossOrigin: false });
  }

  /** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
  #authData(place: CeremonyPlace, extraFlags: number, override: { signCount?: number; userVerification?: boolean } = {}): Buffer {
    const rpId = place.rpId ?? new URL(place.origin).hostname;
    const verified = override.userVerification ?? this.#options.userVerification;
    const flags = UP | (verified ? UV : 0) | (this.#options.synced ? BE | BS : 0) | extraFlags;
    this.signCount += this.#options.counterStep;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(override.signCount ?? this.signCount);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  /** aaguid (16) | credentialIdLength (2) | credentialId | COSE_Key (EC2, ES256, P-256: RFC 9053 §7.1.1). */
  #attestedCredentialData(): Buffer {
    const jwk = this.#publicKey.export({ format: "jwk" });
    const coseKey = isoCBOR.encode(new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x ?? "", "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y ?? "", "base64url"))],
    ]));
    const length = Buffer.alloc(2);
    length.writeUInt16BE(this.credentialId.length);
    return Buffer.concat([Buffer.from(this.#options.aaguid.replace(/-/g, ""), "hex"), length, this.credentialId, coseKey]);
  }
}
