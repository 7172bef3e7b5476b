/** The MongoDB error codes the stand-in answers with, by the codeName mongod uses for them. */
const CODE_NAMES = {
  1: "InternalError",
  2: "BadValue",
  9: "FailedToParse",
  13: "Unauthorized",
  14: "TypeMismatch",
  26: "NamespaceNotFound",
  27: "IndexNotFound",
  28: "PathNotViable",
  40: "ConflictingUpdateOperators",
  43: "CursorNotFound",
  52: "DollarPrefixedFieldName",
  59: "CommandNotFound",
  66: "ImmutableField",
  67: "CannotCreateIndex",
  72: "InvalidOptions",
  73: "InvalidNamespace",
  85: "IndexOptionsConflict",
  86: "IndexKeySpecsConflict",
  186: "ClientMetadataCannotBeMutated",
  11000: "DuplicateKey",
  // mongod's parsers raise this by its assertion number, so the codeName is the number's.
  40415: "Location40415",
  40602: "Location40602",
} as const;

/** A MongoDB error code the stand-in may answer with. */
export type ErrorCode = keyof typeof CODE_NAMES;

/** A command failure, answered on the wire as `{ ok: 0, code, codeName, errmsg, ...extra }`. */
export class CommandError extends Error {
  readonly code: ErrorCode;
  readonly codeName: string;
  /** Fields mongod adds next to errmsg, e.g. keyPattern/keyValue on a duplicate key. */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "CommandError";
    this.code = code;
    this.codeName = CODE_NAMES[code];
    this.extra = extra;
  }

  /** The error as mongod puts it in a reply or in a writeErrors entry. */
  toDocument(): Record<string, unknown> {
    return { ...this.extra, code: this.code, codeName: this.codeName, errmsg: this.message };
  }
}

/**
 * Refuses something MongoDB has and the stand-in lacks. Code 59 rather than a silent success,
 * so a feature the product starts to rely on fails loudly in tests instead of passing wrongly.
 */
export function notImplemented(what: string): CommandError {
  return new CommandError(
    59,
    `galleta's MongoDB stand-in does not implement ${what}; use a real MongoDB (MONGODB_URI) for this`,
  );
}

/** mongod's parser refusing a field that no version of the command has (`{ find: "c", noSuchOption: 1 }`). */
export function unknownField(path: string): CommandError {
  return new CommandError(40415, `BSON field '${path}' is an unknown field.`);
}

/** A frame that breaks the wire protocol; the connection that sent it is closed. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}
