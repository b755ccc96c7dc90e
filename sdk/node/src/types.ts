// Named aliases of the generated API types (src/openapi.ts, from docs/openapi.json): results keep the API's field names.
import type { components, operations } from "./openapi.js";

export type { components, operations, paths } from "./openapi.js";

type S = components["schemas"];
type Query<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;
/** A list route's filters: its query without the cursor, which the iterator follows itself. */
type Filters<Op extends keyof operations> = Omit<Query<Op>, "cursor">;

export type ApiKey = S["ApiKey"];
export type Assertion = S["Assertion"];
export type AssertionResult = S["AssertionResult"];
export type CaseResult = S["CaseResult"];
export type ChatIn = S["ChatIn"];
export type Compiled = S["Compiled"];
export type CreatedApiKey = S["CreatedApiKey"];
export type Delivery = S["Delivery"];
export type EnhanceIn = S["EnhanceIn"];
export type EnhanceResult = S["EnhanceResult"];
export type EvalRun = S["EvalRun"];
export type EvalRunOverview = S["EvalRunOverview"];
export type EvaluateIn = S["EvaluateIn"];
export type Evaluation = S["Evaluation"];
export type Health = S["Health"];
export type KeyCreateIn = S["KeyCreateIn"];
export type LoginIn = S["LoginIn"];
export type Model = S["Model"];
export type OwnedShare = S["OwnedShare"];
export type Profile = S["Profile"];
export type ProfilePage = S["ProfilePage"];
export type ProfileUpdateIn = S["ProfileUpdateIn"];
export type Prompt = S["Prompt"];
export type PromptCreate = S["PromptCreate"];
export type PromptSummary = S["PromptSummary"];
export type PromptUpdate = S["PromptUpdate"];
export type ProviderKey = S["ProviderKey"];
export type ProviderKeyIn = S["ProviderKeyIn"];
export type PublicPrompt = S["PublicPrompt"];
export type RegisterIn = S["RegisterIn"];
export type ResolvedShare = S["ResolvedShare"];
export type Run = S["Run"];
export type RunIn = S["RunIn"];
export type RunResult = S["RunResult"];
export type Session = S["Session"];
export type Share = S["Share"];
export type ShareCreate = S["ShareCreate"];
export type ShareUpdate = S["ShareUpdate"];
export type Stats = S["Stats"];
export type Suite = S["Suite"];
export type SuiteCreate = S["SuiteCreate"];
export type SuiteSummary = S["SuiteSummary"];
export type SuiteUpdate = S["SuiteUpdate"];
export type TestCase = S["TestCase"];
export type TokenCount = S["TokenCount"];
export type TokenCountIn = S["TokenCountIn"];
export type User = S["User"];
export type Variable = S["Variable"];
export type Version = S["Version"];
export type VersionSummary = S["VersionSummary"];
export type Webhook = S["Webhook"];
export type WebhookCreate = S["WebhookCreate"];
export type WebhookSecret = S["WebhookSecret"];
export type WebhookUpdate = S["WebhookUpdate"];

/** A variable's value: a string, number or boolean, or for `list` variables an array of them. */
export type VariableValue = NonNullable<S["CompileIn"]["variables"]>[string];
export type Variables = Record<string, VariableValue>;

export type ListPromptsParams = Filters<"list_prompts_v1_prompts_get">;
export type ListRunsParams = Filters<"list_runs_v1_runs_get">;
export type ListVersionsParams = Filters<"list_versions_v1_prompts__ref__versions_get">;
export type ListSuitesParams = Filters<"list_suites_v1_eval_suites_get">;
export type ListSuiteRunsParams = Filters<"list_suite_runs_v1_eval_suites__suite_id__runs_get">;
export type ListDeliveriesParams = Filters<"list_deliveries_v1_webhooks__webhook_id__deliveries_get">;
export type ListSharesParams = Query<"list_shares_v1_shares_get">;
export type RunStatsParams = Query<"run_stats_v1_runs_stats_get">;
export type GetEvalRunParams = Query<"get_eval_run_v1_eval_runs__run_id__get">;
export type DownloadParams = Omit<Query<"download_v1_prompts__ref__download_get">, "variables"> & {
  /** Values for the compiled download (sent base64-encoded as the API wants). */
  variables?: Variables;
};
/** The public catalogue's filters; the iterator walks its numbered pages itself. */
export type ListPublicPromptsParams = Omit<Query<"explore_v1_public_prompts_get">, "page">;

/** A prompt from getPrompt: the API's `Prompt`, and whether it is the caller's `fallback` rather than the API's answer. */
export type PromptResult = Prompt & { is_fallback: boolean };
/** A compiled prompt from compile: the API's `Compiled`, and whether it is the caller's `fallback`. */
export type CompiledResult = Compiled & { is_fallback: boolean };
