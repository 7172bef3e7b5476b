// Peer (a): Express 5 + express-session + connect-mongo + cookie-parser, configured as their READMEs
// recommend (resave: false, saveUninitialized: false, touchAfter), serving galleta's three routes.
// Differences from galleta, on purpose: no login throttle and no Origin check (work galleta does
// and this app does not), and express-session's regenerate() drops the session's data on login.
import MongoStore from "connect-mongo";
import cookieParser from "cookie-parser";
import express from "express";
import session from "express-session";
import { MongoClient } from "mongodb";
import { announce, readCredentials, settings, verifyPassword } from "./passwords.js";

/** galleta's idle timeout and touch window (SESSION_IDLE_MINUTES=30, SESSION_TOUCH_AFTER_SECONDS=60), for a like-for-like store. */
const IDLE_MS = 30 * 60 * 1000;
const TOUCH_AFTER_SECONDS = 60;

/** Builds the app; the MongoClient is shared by the store and the users collection (one pool, as galleta has). */
export function createApp({ uri, dbName, secret }) {
  const client = new MongoClient(uri, { maxPoolSize: 5 });
  const users = client.db(dbName).collection("users");
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use(cookieParser(secret));
  app.use(express.json({ limit: "16kb" }));
  app.use(
    session({
      name: "sid",
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: "lax", secure: false, maxAge: IDLE_MS },
      store: MongoStore.create({ client, dbName, collectionName: "express_sessions", touchAfter: TOUCH_AFTER_SECONDS }),
    }),
  );

  app.post("/api/login", async (req, res) => {
    const credentials = readCredentials(req.body);
    if (credentials === null) return res.status(400).json({ error: { code: "invalid_input" } });
    const user = await users.findOne({ username: credentials.username });
    if (user === null || !(await verifyPassword(credentials.password, user.passwordHash))) {
      return res.status(401).json({ error: { code: "invalid_credentials" } });
    }
    // A new session id on every login, against session fixation (express-session's README).
    await new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
    req.session.userId = user._id.toHexString();
    req.session.username = user.username;
    res.json({ user: { id: req.session.userId, username: user.username } });
  });

  app.get("/api/session", (req, res) => {
    const visits = req.session.visits ?? 0;
    if (req.session.userId === undefined) return res.json({ authenticated: false, visits });
    res.json({ authenticated: true, user: { id: req.session.userId, username: req.session.username }, visits });
  });

  app.post("/api/visits", (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.json({ visits: req.session.visits, firstVisit: req.session.visits === 1 });
  });

  return app;
}

/** Starts the app on PORT (0: any free port) and prints `{"listening":<port>}`. */
export function start() {
  const options = settings();
  const server = createApp(options).listen(options.port, "127.0.0.1", () => announce(server));
  return server;
}
