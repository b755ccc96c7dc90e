"""Unit tests of the public catalogue index."""
