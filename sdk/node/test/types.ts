// Compiled by `npm test` (tsc -p tsconfig.test.json, no output): what a TypeScript user of the built package sees.
import {
  APIStatusError,
  NotFoundError,
  PromptbankClient,
  RateLimitError,
  type CompiledResult,
  type PromptResult,
  type PromptSummary,
  type RunResult,
} from "../dist/index.js";

export async function usage(client: PromptbankClient): Promise<void> {
  const compiled: CompiledResult = await client.compile("greeting", { variables: { name: "Ada", n: 2, tags: ["a"] } });
  const text: string = compiled.compiled_prompt;
  const fallback: boolean = compiled.is_fallback;
  const missing: string[] = compiled.missing_variables;
  // @ts-expect-error results keep the API's snake_case names
  void compiled.compiledPrompt;
  const prompt: PromptResult = await client.getPrompt("greeting", { label: "production", fallback: "Hi" });
  const labels: Record<string, number> = prompt.labels;
  for await (const summary of client.listPrompts({ q: "greet", limit: 50 })) {
    const item: PromptSummary = summary;
    // @ts-expect-error a summary has no content
    void item.content;
  }
  // @ts-expect-error listPrompts has no such filter
  client.listPrompts({ colour: "red" });
  const run: RunResult = await client.run("greeting", { variables: { name: "Ada" }, model: "gpt-4o-mini" });
  const cost: number | null = run.cost_usd;
  try {
    await client.getVersion("greeting", 9);
  } catch (error) {
    if (error instanceof NotFoundError) {
      const status: number = error.status;
      const id: string | null = error.requestId;
      void [status, id, error.code, error.details];
    } else if (error instanceof RateLimitError) {
      const wait: number | null = error.retryAfter;
      void wait;
    } else if (error instanceof APIStatusError) {
      void error.code;
    }
  }
  void [text, fallback, missing, labels, cost];
}
