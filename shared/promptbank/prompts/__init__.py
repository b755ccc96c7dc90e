"""Prompts: metadata, immutable versions, labels and compiled delivery (API.md §3)."""
