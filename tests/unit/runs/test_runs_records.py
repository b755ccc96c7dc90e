"""Run items (keys, TTL, stored output), and parsing the deployment's default provider keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from promptbank.provider_keys.defaults import DefaultKey, DeploymentDefaults
from promptbank.runs.records import RunRecord, run_view
from promptbank.store.runs import run_item

MOMENT = datetime(2026, 11, 23, 10, 15, 30, 123456, tzinfo=UTC)


def _record(**fields) -> RunRecord:
    base = {"user_id": "u1", "source": "run", "model": "gpt-4o", "provider": "openai", "status": "succeeded",
            "created_at": MOMENT, "latency_ms": 12, "output": "hi", "prompt_id": "p1", "prompt_version": 2}
    return RunRecord(**{**base, **fields}).with_id()  # type: ignore[arg-type]


def test_a_run_item_is_keyed_for_get_by_id_and_both_time_orders():
    # When a prompt run becomes an item
    item = run_item(_record())
    # Then it is keyed by id, and by time in the user's and the prompt's index
    order = f"2026-11-23T10:15:30.123456Z#{item['id']}"
    assert (item["pk"], item["sk"]) == (f"RUN#{item['id']}", "RUN")
    assert (item["gsi1pk"], item["gsi1sk"]) == ("RUNS#u1", order)
    assert (item["gsi2pk"], item["gsi2sk"]) == ("RUNS#u1#P#p1", order)
    assert item["created_at"] == "2026-11-23T10:15:30.123Z"


def test_a_run_expires_after_90_days():
    # When a run becomes an item
    item = run_item(_record())
    # Then its TTL is 90 days after it was made
    assert item["ttl"] == int((MOMENT + timedelta(days=90)).timestamp())


def test_a_run_without_a_prompt_is_not_in_the_prompt_index():
    # When a chat (no prompt) becomes an item
    item = run_item(_record(prompt_id=None, prompt_version=None, source="chat"))
    # Then it has no prompt index key
    assert "gsi2pk" not in item and "gsi2sk" not in item


def test_the_item_keeps_the_first_10000_characters_and_the_result_all_of_it():
    # Given an answer of 12,345 characters
    record = _record(output="x" * 12_345)
    # Then the stored item keeps 10,000 and the RunResult all of them
    assert len(run_item(record)["output"]) == 10_000
    assert len(record.result().output) == 12_345


def test_every_run_gets_its_own_id():
    # When two runs are made from the same fields
    # Then their ids differ
    assert _record().id != _record().id


def test_the_run_view_has_every_field_of_the_contract():
    # When a stored run is shown
    view = run_view(run_item(_record()))
    # Then it has the Run fields of API.md, in order
    assert list(view.model_dump()) == ["id", "source", "prompt_id", "prompt_version", "model", "provider", "status", "output",
                          "error", "latency_ms", "input_tokens", "output_tokens", "cost_usd", "finish_reason",
                          "quality_score", "passed", "created_at"]


def test_default_keys_take_strings_and_objects_with_a_base_url():
    # Given a secret with a plain key and a key with a base URL
    raw = '{"deepseek": "sk-1", "openai_compatible": {"api_key": "k-2", "base_url": "https://llm.internal/v1"}}'
    defaults = DeploymentDefaults(lambda: raw)
    # Then both are read, and other providers have none
    assert defaults.key_for("deepseek") == DefaultKey("sk-1")
    assert defaults.key_for("openai_compatible") == DefaultKey("k-2", "https://llm.internal/v1")
    assert defaults.key_for("openai") is None


def test_an_unreadable_or_malformed_secret_means_no_defaults():
    # Given a secret that cannot be read, or holds no JSON object
    def failing() -> str:
        raise RuntimeError("AccessDenied")

    # Then there are no defaults (and no error)
    assert DeploymentDefaults(failing).key_for("deepseek") is None
    assert DeploymentDefaults(lambda: "not json").key_for("deepseek") is None
    assert DeploymentDefaults(lambda: "[1, 2]").key_for("deepseek") is None
    assert DeploymentDefaults(lambda: None).key_for("deepseek") is None
