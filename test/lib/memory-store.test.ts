import { MemoryStore } from "../../lib/memory-store.ts";
import { describeStatsContract, describeStoreContract } from "./store-contract.ts";

describeStoreContract("MemoryStore", () => new MemoryStore());
describeStatsContract("MemoryStore", async () => new MemoryStore());
