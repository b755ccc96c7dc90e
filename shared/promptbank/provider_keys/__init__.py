"""Users' LLM provider keys: KMS-encrypted storage, masked listing, the SSRF guard, and key resolution."""
