import { isDocument, type Doc } from "./documents.ts";
import { CommandError, notImplemented } from "./errors.ts";
import { command, GENERIC_FIELDS, type CommandSpec, type Context } from "./handler.ts";
import { MAX_MESSAGE_BYTES } from "./wire.ts";

const MAX_BSON_OBJECT_BYTES = 16 * 1024 * 1024;
// The release whose replies the stand-in imitates (wire version 21).
const VERSION = "7.0.0";
// mongod's default net.maxIncomingConnections; serverStatus reports what is left of it as `available`.
const MAX_CONNECTIONS = 1_000_000;

// mongod counts every open client connection, the driver's monitoring ones and the asking one included.
function connectionStatus(context: Context): Doc {
  const { open, totalCreated } = context.connections();
  return { current: open.length, available: MAX_CONNECTIONS - open.length, totalCreated };
}

function refuseOtherParameters(cmd: Doc, name: string): void {
  const other = Object.keys(cmd).find((field) => field !== name && field !== "ttlMonitorSleepSecs" && !GENERIC_FIELDS.has(field));
  if (other !== undefined) throw notImplemented(`the server parameter '${other}'`);
}

/**
 * The handshake reply of a standalone MongoDB 7.0 (wire version 21). Without setName the driver
 * treats it as standalone (no retryable writes, no transactions); without topologyVersion it polls
 * instead of streaming; without `compression` it never compresses.
 */
function hello(cmd: Doc, context: Context): Doc {
  if (cmd.client !== undefined) {
    // mongod keeps the first hello's client metadata (driver, os, application.name) for the
    // connection's lifetime, as $currentOp reports it, and refuses to change it afterwards.
    if (context.connection.metadata !== undefined) {
      throw new CommandError(186, "The client metadata document may only be sent in the first hello");
    }
    if (!isDocument(cmd.client)) throw new CommandError(14, "'client' must be of type object");
    context.connection.metadata = cmd.client;
  }
  return {
    helloOk: true,
    isWritablePrimary: true,
    ismaster: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_BYTES,
    maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connection.id,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

// The handshake grows a field with each driver release (compression, backpressure…); none of them
// but the client metadata changes what a standalone does, so hello takes any field.
const helloCommand = command("*", hello);
const buildInfoCommand = command("", () => ({
  version: VERSION,
  versionArray: [7, 0, 0, 0],
  gitVersion: "galleta-mongo-standin",
  bits: 64,
  maxBsonObjectSize: MAX_BSON_OBJECT_BYTES,
  ok: 1,
}));

/** Server-level commands: the handshake, diagnostics, parameters, sessions and the stand-in's own counters. */
export const adminCommands: Record<string, CommandSpec> = {
  hello: helloCommand,
  isMaster: helloCommand,
  ismaster: helloCommand,
  ping: command("", () => ({ ok: 1 })),
  buildInfo: buildInfoCommand,
  buildinfo: buildInfoCommand,
  // Sessions cost nothing on a standalone without transactions; the driver ends them on close.
  endSessions: command("", () => ({ ok: 1 })),

  // Every other field names a server parameter; the stand-in has only the TTL monitor's.
  getParameter: command(
    "*",
    (cmd, context) => {
      refuseOtherParameters(cmd, "getParameter");
      if (cmd.getParameter !== "*" && cmd.ttlMonitorSleepSecs === undefined) throw new CommandError(72, "no option found to get");
      return { ttlMonitorSleepSecs: context.ttl.sleepSecs, ok: 1 };
    },
    { adminOnly: true },
  ),

  setParameter: command(
    "*",
    (cmd, context) => {
      refuseOtherParameters(cmd, "setParameter");
      const secs = cmd.ttlMonitorSleepSecs;
      if (secs === undefined) throw notImplemented("setParameter for anything but ttlMonitorSleepSecs");
      if (typeof secs !== "number" || !Number.isInteger(secs) || secs < 1) {
        throw new CommandError(2, "ttlMonitorSleepSecs must be a positive integer");
      }
      const was = context.ttl.sleepSecs;
      context.ttl.sleepSecs = secs;
      return { was, ok: 1 };
    },
    { adminOnly: true },
  ),

  // Its sections are opt-out flags (`repl: 0`…), so any field is accepted; only connections are counted.
  serverStatus: command("*", (_cmd, context) => ({
    host: context.host,
    version: VERSION,
    process: "mongod",
    pid: process.pid,
    uptime: Math.floor(process.uptime()),
    localTime: new Date(),
    connections: connectionStatus(context),
    ok: 1,
  })),

  // The stand-in's own commands, for tests and benchmarks in other processes.
  standinCommandCounts: command("", (_cmd, context) => ({
    counts: context.counter.snapshot(),
    total: context.counter.total(),
    ok: 1,
  })),
  standinResetCounts: command("", (_cmd, context) => {
    context.counter.reset();
    return { ok: 1 };
  }),
};
