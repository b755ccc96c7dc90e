// Builds dist/ from src/: ES modules and their .d.ts (tsc), run by `npm run build` and by `prepare` on install/pack.
// The generated API types (src/openapi.ts) are declared again without their comments, which repeat the API's
// reference docs and would be a third of the package's packed size.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: "inherit" });

rmSync(join(root, "dist"), { recursive: true, force: true }); // nothing deleted from src/ lingers in the package
run(["-p", "tsconfig.json"]);
run([
  join("src", "openapi.ts"),
  "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--skipLibCheck",
  "--declaration", "--emitDeclarationOnly", "--removeComments", "--outDir", "dist",
]);
