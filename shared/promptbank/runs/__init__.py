"""Running prompts (API.md §5): run, chat and enhance, run records and history, stats, token counting.

Modules are imported by what a function needs: `service` (calls providers), `history` (lists runs),
`stats` (the `Stats` roll-up), `token_count`. See docs/running.md.
"""
