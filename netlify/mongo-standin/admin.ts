import type { Doc } from "./documents.ts";
import { CommandError, notImplemented } from "./errors.ts";
import { command, type CommandSpec, type Context } from "./handler.ts";
import { MAX_MESSAGE_BYTES } from "./wire.ts";

const MAX_BSON_OBJECT_BYTES = 16 * 1024 * 1024;

/**
 * The handshake reply of a standalone MongoDB 7.0 (wire version 21). Without setName the driver
 * treats it as standalone (no retryable writes, no transactions); without topologyVersion it polls
 * instead of streaming; without `compression` it never compresses.
 */
function hello(context: Context): Doc {
  return {
    helloOk: true,
    isWritablePrimary: true,
    ismaster: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_BYTES,
    maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

// The handshake grows a field with each driver release (client metadata, compression, backpressure…);
// none of them changes what a standalone answers, so hello takes any field.
const helloCommand = command("*", (_cmd, context) => hello(context));
const buildInfoCommand = command("", () => ({
  version: "7.0.0",
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

  getParameter: command(
    "ttlMonitorSleepSecs",
    (cmd, context) => {
      if (cmd.getParameter !== "*" && cmd.ttlMonitorSleepSecs === undefined) throw new CommandError(72, "no option found to get");
      return { ttlMonitorSleepSecs: context.ttl.sleepSecs, ok: 1 };
    },
    true,
  ),

  setParameter: command(
    "ttlMonitorSleepSecs",
    (cmd, context) => {
      const secs = cmd.ttlMonitorSleepSecs;
      if (secs === undefined) throw notImplemented("setParameter for anything but ttlMonitorSleepSecs");
      if (typeof secs !== "number" || !Number.isInteger(secs) || secs < 1) {
        throw new CommandError(2, "ttlMonitorSleepSecs must be a positive integer");
      }
      const was = context.ttl.sleepSecs;
      context.ttl.sleepSecs = secs;
      return { was, ok: 1 };
    },
    true,
  ),

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
