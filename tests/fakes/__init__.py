"""In-process fakes of external services for tests (tests.fakes.fake_provider: the LLM providers)."""
