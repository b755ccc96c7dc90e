"""Sharing: share links to prompts, resolved and compiled without an account, and the share page."""
