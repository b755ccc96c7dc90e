// Generates src/openapi.ts from the API's OpenAPI document (docs/openapi.json) with openapi-typescript.
//   node scripts/generate-types.mjs          write src/openapi.ts
//   node scripts/generate-types.mjs --check  regenerate to a temporary file; exit 1 if src/openapi.ts differs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const spec = resolve(root, "..", "..", "docs", "openapi.json");
const target = join(root, "src", "openapi.ts");
const cli = join(root, "node_modules", "openapi-typescript", "bin", "cli.js");
const header =
  "// GENERATED from docs/openapi.json by sdk/node/scripts/generate-types.mjs (openapi-typescript):\n" +
  "// do not edit; run `npm run generate-types` in sdk/node after changing the API.\n";

const dir = mkdtempSync(join(tmpdir(), "promptbank-types-"));
try {
  const out = join(dir, "openapi.ts");
  execFileSync(process.execPath, [cli, spec, "--output", out, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
  const generated = header + readFileSync(out, "utf8");
  if (process.argv.includes("--check")) {
    const current = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (current !== generated) {
      const a = current.split("\n");
      const b = generated.split("\n");
      let line = 0;
      while (line < Math.max(a.length, b.length) && a[line] === b[line]) line++;
      console.error(
        `src/openapi.ts is out of date with docs/openapi.json (first difference at line ${line + 1}):\n` +
          `  committed: ${JSON.stringify(a[line] ?? "<end of file>")}\n` +
          `  generated: ${JSON.stringify(b[line] ?? "<end of file>")}\n` +
          "run `npm run generate-types` in sdk/node and commit the result",
      );
      process.exit(1);
    }
    console.log("src/openapi.ts matches docs/openapi.json");
  } else {
    writeFileSync(target, generated);
    console.log(`wrote ${target}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
