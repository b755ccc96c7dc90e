"""Integration tests of running prompts (issue 5): provider keys, run/chat/enhance, runs, stats, token counts."""
