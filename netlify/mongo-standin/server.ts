import { createServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { Catalog } from "./catalog.ts";
import type { Server } from "./commands.ts";
import { serveConnection, type Faults } from "./connection.ts";
import type { ClientConnection } from "./handler.ts";
import { CommandCounter } from "./counter.ts";
import { Cursors } from "./cursors.ts";
import { TtlMonitor } from "./ttl-monitor.ts";

/** How to start the stand-in. */
export interface StandinOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Seconds between TTL monitor passes, as mongod's ttlMonitorSleepSecs; default 60. */
  ttlMonitorSleepSecs?: number;
  /** The clock the TTL monitor compares expiry dates with; default Date.now. */
  now?: () => number;
}

/** A running stand-in: where to connect, what it served, and switches for fault tests. */
export interface MongoStandin {
  /** Connection string for the `mongodb` driver. */
  readonly uri: string;
  readonly port: number;
  /** Commands served since start or reset, by name; the driver's handshake and monitoring are not counted. */
  commandCounts(): Record<string, number>;
  /** The sum of commandCounts(). */
  totalCommands(): number;
  resetCounts(): void;
  /** Runs one TTL monitor pass now; resolves to the number of documents deleted. */
  runTtlPass(): Promise<number>;
  /** Stops listening and drops every connection, keeping the data: the database goes away. */
  suspend(): Promise<void>;
  /** Listens again on the same port, with the same data. */
  resume(): Promise<void>;
  /** Delays every product reply by `ms` (0 turns it off): a slow database. */
  setReplyDelay(ms: number): void;
  /** The next `n` product replies are cut off halfway and their connection closed. */
  dropNextReplies(n: number): void;
  /** Stops the listener, the connections and the TTL timer. */
  close(): Promise<void>;
}

/** Starts a MongoDB wire-protocol server holding its data in memory, for development and tests. */
export async function startMongoStandin(options: StandinOptions = {}): Promise<MongoStandin> {
  const host = options.host ?? "127.0.0.1";
  const catalog = new Catalog();
  const ttl = new TtlMonitor(catalog, options.now ?? Date.now, options.ttlMonitorSleepSecs ?? 60);
  const cursors = new Cursors();
  const counter = new CommandCounter();
  const faults: Faults = { replyDelayMs: 0, dropReplies: 0 };
  const sockets = new Map<Socket, ClientConnection>();
  let totalCreated = 0;
  const connections = () => ({ open: [...sockets.values()], totalCreated });

  const listener = createServer((socket) => {
    totalCreated += 1;
    const connection: ClientConnection = { id: totalCreated, client: peer(socket), metadata: undefined };
    sockets.set(socket, connection);
    socket.on("close", () => sockets.delete(socket));
    const server: Server = { catalog, cursors, counter, ttl, connection, host: `${host}:${port}`, connections };
    serveConnection(socket, server, faults);
  });
  await listen(listener, options.port ?? 0, host);
  const port = (listener.address() as AddressInfo).port;
  ttl.start();

  async function suspend(): Promise<void> {
    for (const socket of sockets.keys()) socket.destroy();
    if (listener.listening) await new Promise((resolve) => listener.close(resolve));
  }

  return {
    uri: `mongodb://${host.includes(":") ? `[${host}]` : host}:${port}/?directConnection=true`,
    port,
    commandCounts: () => counter.snapshot(),
    totalCommands: () => counter.total(),
    resetCounts: () => counter.reset(),
    runTtlPass: async () => ttl.pass(),
    suspend,
    resume: async () => {
      if (!listener.listening) await listen(listener, port, host);
    },
    setReplyDelay: (ms) => {
      faults.replyDelayMs = ms;
    },
    dropNextReplies: (n) => {
      faults.dropReplies = n;
    },
    close: async () => {
      ttl.stop();
      await suspend();
    },
  };
}

// mongod writes an IPv6 peer in brackets, as in a URI.
function peer(socket: Socket): string {
  const address = socket.remoteAddress ?? "";
  return `${address.includes(":") ? `[${address}]` : address}:${socket.remotePort}`;
}

function listen(listener: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
}
