import { createServer, type Server } from "node:net";

// Below Linux's ephemeral range (32768–60999 by default), so an outgoing connection made
// between picking a port and binding it cannot take it.
const LOWEST = 20000;
const HIGHEST = 32767;

/**
 * `count` distinct TCP ports that are free on every interface right now. Random rather than
 * sequential, so suites started at the same moment rarely pick the same ones; each is probed
 * by binding it, which is how a taken port is found out.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    while (held.length < count) {
      const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
      const server = await bind(port);
      if (server !== undefined) held.push(server);
    }
    return held.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function bind(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    // No host: the dual-stack wildcard address, where `netlify dev` itself listens.
    server.listen(port, () => resolve(server));
  });
}
