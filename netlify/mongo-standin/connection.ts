import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { runCommand, type Server } from "./commands.ts";
import { isProductCommand } from "./counter.ts";
import { encodeReply, FrameReader, parseFrame } from "./wire.ts";

/** Fault switches shared by all connections; they hit product commands only, never the driver's handshake or monitoring. */
export interface Faults {
  replyDelayMs: number;
  dropReplies: number;
}

/**
 * Serves one client connection: frames in, one reply per command out, in order. Anything that
 * breaks the wire protocol closes this connection and nothing else.
 */
export function serveConnection(socket: Socket, server: Server, faults: Faults): void {
  const reader = new FrameReader();
  let queue = Promise.resolve();
  socket.setNoDelay(true);
  // A client that vanishes is not the server's error.
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    try {
      for (const frame of reader.push(chunk)) queue = queue.then(() => answer(frame));
    } catch {
      socket.destroy();
    }
  });

  async function answer(frame: Buffer): Promise<void> {
    if (socket.destroyed) return;
    try {
      const request = parseFrame(frame);
      const reply = runCommand(request, server);
      if (request.moreToCome) return;
      // Encoded now, so a write during an injected delay cannot change what this reply says.
      const bytes = encodeReply(request, reply);
      const faulty = isProductCommand(request.command);
      if (faulty && faults.replyDelayMs > 0) await sleep(faults.replyDelayMs);
      if (socket.destroyed) return;
      if (faulty && faults.dropReplies > 0) {
        faults.dropReplies -= 1;
        socket.write(bytes.subarray(0, bytes.length >> 1), () => socket.destroy());
        return;
      }
      socket.write(bytes);
    } catch {
      socket.destroy();
    }
  }
}
