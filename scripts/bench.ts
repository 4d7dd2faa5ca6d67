#!/usr/bin/env bun
// Entry point: `bun run bench [options]` (see lib/cli/main.ts for the pipeline).
import { main } from "../lib/cli/main";

process.exitCode = await main(process.argv.slice(2));
