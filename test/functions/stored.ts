import type { Db } from "mongodb";

/**
 * What the database holds, for tests that count what requests store: every document of every
 * collection (by name, as stored), and apart from them the site-wide ceilings' counts. A ceiling is
 * one counter per window for the whole site, which an earlier test may have created already and the
 * TTL index removes when its window has passed, so it is counted by how much it moved, not as a
 * document (`ceilingGrowth`).
 */
export interface Stored {
  documents: Record<string, unknown[]>;
  /** Each ceiling's count, by its key (`site:<work>:<window>`). */
  ceilings: Record<string, number>;
}

function isCeiling(document: { _id?: unknown }): boolean {
  return typeof document._id === "string" && document._id.startsWith("site:");
}

/** A snapshot of everything `db` holds. */
export async function stored(db: Db): Promise<Stored> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  const documents: Record<string, unknown[]> = {};
  const ceilings: Record<string, number> = {};
  for (const { name } of collections) {
    const all = await db.collection<{ _id: unknown; count?: number }>(name).find().sort({ _id: 1 }).toArray();
    documents[name] = all.filter((document) => !isCeiling(document));
    for (const document of all.filter(isCeiling)) ceilings[String(document._id)] = document.count ?? 0;
  }
  return { documents, ceilings };
}

/** How many documents each collection gained from `before` to `after`, leaving out those that gained none (ceilings aside). */
export function growth(before: Stored, after: Stored): Record<string, number> {
  const names = [...new Set([...Object.keys(before.documents), ...Object.keys(after.documents)])];
  const grown = names.map((name) => [name, (after.documents[name]?.length ?? 0) - (before.documents[name]?.length ?? 0)] as const);
  return Object.fromEntries(grown.filter(([, count]) => count !== 0));
}

/**
 * How much each site-wide ceiling (`hashes`, `registrations`, `anonymousSessions`) moved from
 * `before` to `after`, over every window `after` holds, leaving out those that did not move; a
 * window's counter that is gone in `after` has expired, which no request did.
 */
export function ceilingGrowth(before: Stored, after: Stored): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [key, count] of Object.entries(after.ceilings)) {
    const work = key.split(":")[1] ?? key;
    moved[work] = (moved[work] ?? 0) + count - (before.ceilings[key] ?? 0);
  }
  return Object.fromEntries(Object.entries(moved).filter(([, count]) => count !== 0));
}
