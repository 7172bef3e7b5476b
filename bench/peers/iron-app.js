// Peer (b): iron-session, a sealed cookie and no database for sessions, on plain node:http (its
// README's `getIronSession(req, res, options)`). It reads the users collection only to log in.
// No login throttle, no Origin check, and the seal is not rolling (ttl fixed at login).
import { createServer } from "node:http";
import { getIronSession } from "iron-session";
import { MongoClient } from "mongodb";
import { announce, readCredentials, settings, verifyPassword } from "./passwords.js";

const MAX_BODY = 16 * 1024;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return null;
  }
}

/** Builds the request listener. */
export function createApp({ uri, dbName, secret }) {
  const users = new MongoClient(uri, { maxPoolSize: 5 }).db(dbName).collection("users");
  // 30 minutes, galleta's idle timeout (iron-session's default is 14 days).
  const options = { password: secret, cookieName: "sid", ttl: 30 * 60, cookieOptions: { secure: false, httpOnly: true, sameSite: "lax", path: "/" } };

  const routes = {
    "POST /api/login": async (req, res) => {
      const credentials = readCredentials(await readJson(req));
      if (credentials === null) return send(res, 400, { error: { code: "invalid_input" } });
      const user = await users.findOne({ username: credentials.username });
      if (user === null || !(await verifyPassword(credentials.password, user.passwordHash))) {
        return send(res, 401, { error: { code: "invalid_credentials" } });
      }
      const session = await getIronSession(req, res, options);
      session.userId = user._id.toHexString();
      session.username = user.username;
      await session.save();
      send(res, 200, { user: { id: session.userId, username: user.username } });
    },
    "GET /api/session": async (req, res) => {
      const session = await getIronSession(req, res, options);
      const visits = session.visits ?? 0;
      if (session.userId === undefined) return send(res, 200, { authenticated: false, visits });
      send(res, 200, { authenticated: true, user: { id: session.userId, username: session.username }, visits });
    },
    "POST /api/visits": async (req, res) => {
      const session = await getIronSession(req, res, options);
      session.visits = (session.visits ?? 0) + 1;
      await session.save();
      send(res, 200, { visits: session.visits, firstVisit: session.visits === 1 });
    },
  };

  return (req, res) => {
    const route = routes[`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`];
    if (route === undefined) return send(res, 404, { error: { code: "not_found" } });
    route(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, { error: { code: "internal_error" } });
    });
  };
}

/** Starts the app on PORT (0: any free port) and prints `{"listening":<port>}`. */
export function start() {
  const options = settings();
  const server = createServer(createApp(options)).listen(options.port, "127.0.0.1", () => announce(server));
  return server;
}
