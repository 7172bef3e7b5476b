import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

/** A database for one test file: the local stand-in, or a throwaway database on TEST_MONGODB_URI (live mode). */
export interface TestMongo {
  uri: string;
  dbName: string;
  /** The stand-in, or undefined in live mode (tests that need its counters or fault switches skip then). */
  standin: MongoStandin | undefined;
  client: MongoClient;
  db: Db;
  /** Drops the throwaway database (live mode), closes the client and the stand-in. */
  stop(): Promise<void>;
}

/** True when the suites run against a real MongoDB (TEST_MONGODB_URI). */
export const LIVE = (process.env.TEST_MONGODB_URI ?? "") !== "";

/** Starts the stand-in on a free port, or connects to TEST_MONGODB_URI with a database name unique to this run. */
export async function startTestMongo(): Promise<TestMongo> {
  const dbName = `galleta_test_${randomBytes(6).toString("hex")}`;
  const standin = LIVE ? undefined : await startMongoStandin({ port: 0 });
  const uri = standin?.uri ?? (process.env.TEST_MONGODB_URI as string);
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000 });
  const db = client.db(dbName);
  return {
    uri,
    dbName,
    standin,
    client,
    db,
    async stop() {
      if (LIVE) await db.dropDatabase().catch(() => undefined);
      await client.close();
      await standin?.close();
    },
  };
}
