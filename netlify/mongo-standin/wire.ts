import { deserialize } from "bson";
import { toBytes, type Doc } from "./documents.ts";
import { WireError } from "./errors.ts";

// Framing of the MongoDB wire protocol:
// https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/

/** mongod's limit on one message, advertised in hello as maxMessageSizeBytes. */
export const MAX_MESSAGE_BYTES = 48_000_000;

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;
const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
// Bits 0-15 are "required": a receiver must fail on one it does not know (OP_MSG spec).
const REQUIRED_BITS = 0xffff;

/** A command as it arrived, whichever opcode carried it. */
export interface Request {
  readonly requestId: number;
  readonly legacy: boolean; // OP_QUERY, answered with OP_REPLY
  /** The command document, with OP_MSG kind-1 sequences folded in under their identifier. */
  readonly command: Doc;
  /** `$db` of an OP_MSG, the namespace's database of an OP_QUERY. */
  readonly db: unknown;
  /** The client asked for no reply (unacknowledged write). */
  readonly moreToCome: boolean;
}

/** Cuts a TCP byte stream into whole frames; a declared length out of bounds is a WireError. */
export class FrameReader {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: Buffer[] = [];
    while (this.#buffer.length >= 4) {
      const length = this.#buffer.readInt32LE(0);
      if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) {
        throw new WireError(`message length ${length} is out of bounds`);
      }
      if (this.#buffer.length < length) break;
      frames.push(this.#buffer.subarray(0, length));
      this.#buffer = this.#buffer.subarray(length);
    }
    return frames;
  }
}

/** Decodes one frame into a Request; anything malformed or unsupported (OP_COMPRESSED…) is a WireError. */
export function parseFrame(frame: Buffer): Request {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OP_MSG) return parseMsg(frame, requestId);
  if (opCode === OP_QUERY) return parseQuery(frame, requestId);
  throw new WireError(`opcode ${opCode} is not supported`);
}

function parseMsg(frame: Buffer, requestId: number): Request {
  const flags = readInt(frame, HEADER_BYTES, frame.length) >>> 0;
  if ((flags & REQUIRED_BITS & ~(CHECKSUM_PRESENT | MORE_TO_COME)) !== 0) {
    throw new WireError(`unknown required OP_MSG flag bits ${flags}`);
  }
  // The CRC-32C is not checked: TCP already guards a local connection, and drivers do not send one.
  const end = frame.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let body: Doc | undefined;
  const sequences: Array<[string, Doc[]]> = [];
  let offset = HEADER_BYTES + 4;
  while (offset < end) {
    const kind = frame[offset];
    offset += 1;
    if (kind === 0 && body === undefined) {
      body = readDocument(frame, offset, end);
      offset += frame.readInt32LE(offset);
    } else if (kind === 1) {
      const sectionEnd = offset + readInt(frame, offset, end);
      if (sectionEnd > end || sectionEnd < offset + 5) throw new WireError("document sequence overruns the message");
      const [identifier, first] = readCString(frame, offset + 4, sectionEnd);
      const documents: Doc[] = [];
      for (let at = first; at < sectionEnd; at += frame.readInt32LE(at)) {
        documents.push(readDocument(frame, at, sectionEnd));
      }
      sequences.push([identifier, documents]);
      offset = sectionEnd;
    } else {
      throw new WireError(`unexpected OP_MSG section kind ${kind}`);
    }
  }
  if (body === undefined) throw new WireError("OP_MSG has no body section");
  for (const [identifier, documents] of sequences) {
    if (identifier in body) throw new WireError(`'${identifier}' is both in the body and a document sequence`);
    body[identifier] = documents;
  }
  return { requestId, legacy: false, command: body, db: body.$db, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

// Drivers still open each connection with a legacy OP_QUERY `isMaster` on `admin.$cmd`.
function parseQuery(frame: Buffer, requestId: number): Request {
  const [namespace, afterName] = readCString(frame, HEADER_BYTES + 4, frame.length);
  if (!namespace.endsWith(".$cmd")) throw new WireError(`legacy OP_QUERY on ${namespace} is not supported`);
  const query = readDocument(frame, afterName + 8, frame.length);
  const command = "$query" in query ? query.$query : query;
  if (typeof command !== "object" || command === null) throw new WireError("OP_QUERY $query is not a document");
  return { requestId, legacy: true, command: command as Doc, db: namespace.slice(0, -5), moreToCome: false };
}

function readInt(frame: Buffer, offset: number, limit: number): number {
  if (offset + 4 > limit) throw new WireError("message truncated");
  return frame.readInt32LE(offset);
}

function readCString(frame: Buffer, offset: number, limit: number): [string, number] {
  const nul = frame.indexOf(0, offset);
  if (nul < 0 || nul >= limit) throw new WireError("unterminated string");
  return [frame.toString("utf8", offset, nul), nul + 1];
}

function readDocument(frame: Buffer, offset: number, limit: number): Doc {
  const size = readInt(frame, offset, limit);
  if (size < 5 || offset + size > limit) throw new WireError("BSON document overruns its section");
  try {
    return deserialize(frame.subarray(offset, offset + size));
  } catch (error) {
    throw new WireError(`invalid BSON: ${(error as Error).message}`);
  }
}

let nextRequestId = 1;

/** Encodes a reply in the opcode the request came in: OP_REPLY for OP_QUERY, OP_MSG otherwise. */
export function encodeReply(request: Request, reply: Doc): Buffer {
  const body = toBytes(reply);
  // OP_REPLY: responseFlags, cursorID (int64), startingFrom, numberReturned; OP_MSG: flagBits, section kind 0.
  const prefix = request.legacy ? 20 : 5;
  const frame = Buffer.alloc(HEADER_BYTES + prefix + body.length);
  frame.writeInt32LE(frame.length, 0);
  frame.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  frame.writeInt32LE(request.requestId, 8);
  frame.writeInt32LE(request.legacy ? OP_REPLY : OP_MSG, 12);
  if (request.legacy) frame.writeInt32LE(1, HEADER_BYTES + 16);
  body.copy(frame, HEADER_BYTES + prefix);
  return frame;
}
