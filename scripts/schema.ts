#!/usr/bin/env bun
// `bun run schema`: writes lib/config.schema.json from the config's shape (lib/config/shape.ts); a test keeps the two equal.
import fs from "node:fs";
import path from "node:path";
import { SCHEMA_FILE, schemaText } from "../lib/config/schema";

const file = path.join(import.meta.dir, "..", SCHEMA_FILE);
const text = schemaText();
if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) console.log(`${SCHEMA_FILE} is up to date`);
else {
  fs.writeFileSync(file, text);
  console.log(`wrote ${SCHEMA_FILE} (${text.split("\n").length - 1} lines)`);
}
