import { MemoryStore } from "../../../lib/sessions/memory-store.ts";
import { describeStatsContract, describeStoreContract } from "./store-contract.ts";

describeStoreContract("MemoryStore", () => new MemoryStore());
describeStatsContract("MemoryStore", async () => new MemoryStore());
