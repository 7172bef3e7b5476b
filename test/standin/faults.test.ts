import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { MongoClient, MongoNetworkError, MongoNetworkTimeoutError, type Collection } from "mongodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

let standin: MongoStandin;
let client: MongoClient;
let notes: Collection<{ _id: string; text: string }>;

beforeAll(async () => {
  standin = await startMongoStandin({ port: 0 });
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 1000 });
  notes = client.db("galleta_test").collection("notes");
  await notes.insertOne({ _id: "kept", text: "survives" });
});

afterAll(async () => {
  await client.close();
  await standin.close();
});

afterEach(() => {
  standin.setReplyDelay(0);
  standin.dropNextReplies(0);
});

/** Opens a raw TCP connection to the stand-in and sends bytes on it. */
async function rawSocket(bytes: Buffer): Promise<Socket> {
  const socket = connect(standin.port, "127.0.0.1");
  await once(socket, "connect");
  socket.on("error", () => undefined);
  socket.write(bytes);
  return socket;
}

describe("fault injection", () => {
  it("makes the driver fail while suspended and serves the same data after resuming", async () => {
    await standin.suspend();
    try {
      await expect(notes.findOne({ _id: "kept" })).rejects.toThrow();
    } finally {
      await standin.resume();
    }
    await expect(notes.findOne({ _id: "kept" })).resolves.toEqual({ _id: "kept", text: "survives" });
  });

  it("cuts the next reply off mid-message, failing an operation that may not retry", async () => {
    const strict = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 1000, retryReads: false });
    try {
      await strict.db("galleta_test").command({ ping: 1 });
      standin.dropNextReplies(1);
      await expect(strict.db("galleta_test").collection<{ _id: string }>("notes").findOne({ _id: "kept" })).rejects.toBeInstanceOf(MongoNetworkError);
      await expect(strict.db("galleta_test").collection<{ _id: string }>("notes").findOne({ _id: "kept" })).resolves.toMatchObject({ text: "survives" });
    } finally {
      await strict.close();
    }
  });

  it("lets a retryable read recover from a dropped reply, serving the command twice", async () => {
    standin.resetCounts();
    standin.dropNextReplies(1);
    await expect(notes.findOne({ _id: "kept" })).resolves.toMatchObject({ text: "survives" });
    expect(standin.commandCounts()).toEqual({ find: 2 });
  });

  it("delays every reply while a reply delay is set", async () => {
    standin.setReplyDelay(400);
    const started = performance.now();
    await notes.findOne({ _id: "kept" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);

    const impatient = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 1000, socketTimeoutMS: 100 });
    try {
      await expect(impatient.db("galleta_test").collection("notes").findOne({})).rejects.toBeInstanceOf(MongoNetworkTimeoutError);
    } finally {
      await impatient.close();
    }

    standin.setReplyDelay(0);
    const quick = performance.now();
    await notes.findOne({ _id: "kept" });
    // Well under the delay even on a loaded machine: a pooled round trip takes milliseconds.
    expect(performance.now() - quick).toBeLessThan(400);
  });

  it.each([
    ["an HTTP request", Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")],
    ["an unknown opcode", frame(9999, Buffer.alloc(8))],
    ["an OP_MSG whose BSON overruns the message", frame(2013, Buffer.from([0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]))],
  ])("closes a connection that sends %s and keeps serving others", async (_what, bytes) => {
    const socket = await rawSocket(bytes);
    await once(socket, "close");
    await expect(notes.findOne({ _id: "kept" })).resolves.toMatchObject({ text: "survives" });
  });
});

/** A wire-protocol frame with the given opcode and body. */
function frame(opCode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}
