// Times compile() through the client: uncached (every call a request to the API) against a cache hit (a fresh
// entry, no request). Run by bench/bench_node_client.py with PROMPTBANK_BASE_URL, PROMPTBANK_API_KEY and
// PROMPT (a slug) set; prints one JSON line of medians in microseconds. Needs dist/ (npm run build).
import { PromptbankClient } from "../dist/index.js";

const slug = process.env.PROMPT;
const requests = Number(process.env.REQUESTS ?? 200);
const hits = Number(process.env.HITS ?? 20000);
const rounds = 5;
const variables = { name: "Ada" };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function perCall(count, call) {
  const start = performance.now();
  for (let n = 0; n < count; n++) await call();
  return ((performance.now() - start) * 1000) / count;
}

const uncached = new PromptbankClient({ cacheTtlSeconds: 0 });
const cached = new PromptbankClient();
await perCall(20, () => uncached.compile(slug, { variables })); // warm containers and connections
await cached.compile(slug, { variables });
await cached.getPrompt(slug);

const result = { uncached_us: [], hit_us: [], prompt_hit_us: [] };
for (let round = 0; round < rounds; round++) {
  result.uncached_us.push(await perCall(Math.ceil(requests / rounds), () => uncached.compile(slug, { variables })));
  result.hit_us.push(await perCall(hits, () => cached.compile(slug, { variables })));
  result.prompt_hit_us.push(await perCall(hits, () => cached.getPrompt(slug)));
}
console.log(JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, median(v)]))));
