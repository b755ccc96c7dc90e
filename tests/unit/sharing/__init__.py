"""Unit tests of share links and the share page."""
