import { isDocument, type Doc } from "./documents.ts";
import { CommandError, notImplemented } from "./errors.ts";
import type { ClientConnection, Context } from "./handler.ts";

// The stage's options that change nothing here: without authentication every connection is the
// same user's (allUsers), and without transactions no session sits idle holding locks (idleSessions).
const NO_EFFECT = new Set(["allUsers", "idleSessions"]);
// mongod's options the stand-in lacks, refused when set rather than ignored.
const REFUSED = new Set(["idleCursors", "localOps", "backtrace", "truncateOps", "targetAllNodes"]);

/**
 * The documents a `$currentOp` first stage produces: the connection running the aggregate (active,
 * with its command), and with `idleConnections: true` every other open client connection, each with
 * the client metadata of its handshake (`appName`, `clientMetadata`), as mongod reports them. The
 * stand-in runs one command at a time, so no other connection has an operation in progress. Of
 * mongod's fields it has only those: no opid, timings, locks or lsid.
 */
export function currentOps(options: unknown, command: Doc, context: Context): Doc[] {
  if (context.db !== "admin" || command.aggregate !== 1) {
    throw new CommandError(73, "$currentOp must be run against the 'admin' database with {aggregate: 1}");
  }
  if (!isDocument(options)) throw new CommandError(9, "$currentOp options must be specified in an object");
  let idleConnections = false;
  for (const [name, value] of Object.entries(options)) {
    if (!NO_EFFECT.has(name) && !REFUSED.has(name) && name !== "idleConnections") {
      throw new CommandError(9, `Unrecognized option '${name}' in $currentOp stage.`);
    }
    if (typeof value !== "boolean") {
      throw new CommandError(9, `The '${name}' parameter of the $currentOp stage must be a boolean value`);
    }
    if (REFUSED.has(name) && value) throw notImplemented(`the $currentOp option '${name}'`);
    if (name === "idleConnections") idleConnections = value;
  }
  const asking = { ...describe(context.connection, context.host), active: true, op: "command", ns: `${context.db}.$cmd.aggregate`, command };
  const idle = context.connections().open.filter((connection) => connection !== context.connection);
  return [asking, ...(idleConnections ? idle.map((connection) => ({ ...describe(connection, context.host), active: false })) : [])];
}

function describe(connection: ClientConnection, host: string): Doc {
  const application = connection.metadata?.application;
  const appName = isDocument(application) && typeof application.name === "string" ? application.name : undefined;
  return {
    type: "op",
    host,
    desc: `conn${connection.id}`,
    connectionId: connection.id,
    client: connection.client,
    ...(appName === undefined ? {} : { appName }),
    ...(connection.metadata === undefined ? {} : { clientMetadata: connection.metadata }),
  };
}
