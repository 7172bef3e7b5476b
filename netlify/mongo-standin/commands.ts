import { adminCommands } from "./admin.ts";
import { ddlCommands } from "./ddl.ts";
import type { Doc } from "./documents.ts";
import { CommandError, notImplemented, unknownField } from "./errors.ts";
import { GENERIC_FIELDS, type CommandSpec, type Context } from "./handler.ts";
import { readCommands } from "./reads.ts";
import type { Request } from "./wire.ts";
import { writeCommands } from "./writes.ts";

const COMMANDS: Record<string, CommandSpec> = { ...adminCommands, ...ddlCommands, ...readCommands, ...writeCommands };
// mongod also accepts the all-lowercase spelling the shell once used.
COMMANDS.findandmodify = writeCommands.findAndModify as CommandSpec;

/** The state a command runs against, minus the database it names. */
export type Server = Omit<Context, "db">;

/** Runs one command and returns its reply document; every failure is an `ok: 0` reply, never a throw. */
export function runCommand(request: Request, server: Server): Doc {
  const [name] = Object.keys(request.command);
  try {
    if (name === undefined) throw new CommandError(9, "empty command document");
    server.counter.add(request.command);
    const { db } = request;
    if (typeof db !== "string" || db === "" || /[/\\. "$\0]/.test(db)) throw new CommandError(73, `Invalid database name: ${JSON.stringify(db)}`);
    const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    // mongod's own answer to a command it lacks, whether it is unknown or only absent from the stand-in.
    if (spec === undefined) throw new CommandError(59, `no such command: '${name}'`);
    if ("startTransaction" in request.command || request.command.autocommit === false) {
      throw notImplemented("transactions (startTransaction/autocommit: false)");
    }
    for (const field of Object.keys(request.command).slice(1)) refuseField(name, spec, field);
    if (spec.adminOnly && db !== "admin") throw new CommandError(13, `${name} may only be run against the admin database.`);
    return spec.run(request.command, { ...server, db });
  } catch (error) {
    if (error instanceof CommandError) return { ok: 0, ...error.toDocument() };
    // A bug in the stand-in: report it on this command rather than take the connection down.
    return { ok: 0, code: 1, codeName: "InternalError", errmsg: `stand-in failure: ${String(error)}` };
  }
}

/** An option the command does not implement: code 59 if mongod knows it, mongod's parser error if not. */
function refuseField(name: string, spec: CommandSpec, field: string): void {
  if (GENERIC_FIELDS.has(field) || spec.accepts.has(field) || spec.accepts.has("*")) return;
  if (spec.refuses.has(field)) throw notImplemented(`the ${name} option '${field}'`);
  throw unknownField(`${name}.${field}`);
}
