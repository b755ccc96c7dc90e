"""Discovery: the public catalogue of prompts and its index (API.md §4)."""
