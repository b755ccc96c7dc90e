"""Message assembly of a run, the enhance answer parser, finish reasons and failed-run error text."""

from __future__ import annotations

import json

import pytest

from promptbank.errors import ProviderError, ProviderTimeout
from promptbank.providers import ChatMessage
from promptbank.runs.enhance import ENHANCE_SYSTEM_PROMPT, parse_answer, user_message
from promptbank.runs.prompting import assemble_messages
from promptbank.runs.service import error_text, finish_reason


def test_without_query_system_then_content():
    # When a prompt with a system prompt is assembled without a query
    messages = assemble_messages("Be kind.", "Say hi", None)
    # Then system = the system prompt, user = the content
    assert messages == [ChatMessage("system", "Be kind."), ChatMessage("user", "Say hi")]


def test_without_query_and_without_system_prompt_only_the_user_message():
    # Given a prompt without a system prompt
    # When a prompt without a system prompt is assembled without a query
    # Then only the content, as the user message
    assert assemble_messages(None, "Say hi", None) == [ChatMessage("user", "Say hi")]


def test_with_query_the_system_prompt_and_content_join_with_a_blank_line():
    # When a query is given
    messages = assemble_messages("Be kind.", "Context here", "Question?")
    # Then system = system prompt + blank line + content; user = query
    assert messages == [ChatMessage("system", "Be kind.\n\nContext here"), ChatMessage("user", "Question?")]


def test_with_query_and_an_empty_system_prompt_the_content_alone_is_system():
    # Given a query, when the compiled system prompt is empty
    # Then no blank line is added
    assert assemble_messages("", "Context", "Q") == [ChatMessage("system", "Context"), ChatMessage("user", "Q")]


def test_enhance_reads_a_json_answer():
    # When the model answers with the JSON asked for
    result = parse_answer(json.dumps({"enhanced_prompt": " Better. ", "issues": ["Vague.", " ", "No format."]}))
    # Then prompt and issues are taken, trimmed, empty issues dropped
    assert (result.enhanced_prompt, result.issues) == ("Better.", ["Vague.", "No format."])


def test_enhance_reads_json_behind_a_preamble():
    # When the model chats before and after its JSON
    result = parse_answer('Sure! Here it is:\n{"enhanced_prompt": "B", "issues": []}\nHope this helps.')
    # Then the object is found
    assert result.enhanced_prompt == "B"


@pytest.mark.parametrize("answer", [
    "Just a better prompt, no JSON.",
    '{"enhanced_prompt": "", "issues": []}',
    '{"issues": ["x"]}',
    '{"enhanced_prompt": "x", "issues": "not a list"}',
    '["enhanced_prompt"]',
    "{broken json",
])
def test_enhance_degrades_to_the_whole_text_with_no_issues(answer):
    # When the answer is not the JSON asked for
    result = parse_answer(answer)
    # Then the whole text is the prompt and there are no issues
    assert (result.enhanced_prompt, result.issues) == (answer.strip(), [])


def test_the_meta_prompt_asks_for_the_json_shape_and_keeps_placeholders():
    # Given the meta-prompt and a user's prompt with a placeholder
    # Then the system prompt names both fields and tells the model to keep {{placeholders}}
    assert '"enhanced_prompt"' in ENHANCE_SYSTEM_PROMPT and '"issues"' in ENHANCE_SYSTEM_PROMPT
    assert "placeholder" in ENHANCE_SYSTEM_PROMPT
    assert "Hello {{name}}" in user_message("Hello {{name}}")


@pytest.mark.parametrize(("raw", "expected"), [
    ("stop", "stop"), ("end_turn", "stop"), ("STOP", "stop"), ("stop_sequence", "stop"),
    ("length", "length"), ("max_tokens", "length"), ("MAX_TOKENS", "length"),
    ("SAFETY", "content_filter"), ("content_filter", "content_filter"), ("refusal", "content_filter"),
    ("tool_use", "tool_calls"), ("OTHER", "other"), (None, None),
])
def test_finish_reasons_are_normalised_to_openais_terms(raw, expected):
    # When a provider's finish reason is normalised; then it reads in OpenAI's terms
    assert finish_reason(raw) == expected


def test_a_failed_runs_error_names_the_code_the_status_and_the_providers_message():
    # Given a provider error with the provider's status and message
    err = ProviderError("Provider openai failed", details=[{"provider": "openai", "status": 429, "message": "slow"}])
    # When it is recorded; then the recorded error says all three
    assert error_text(err) == "PROVIDER_ERROR: Provider openai failed (provider status 429): slow"


def test_a_timeouts_error_has_no_status():
    # Given a timeout (no HTTP status); when it is recorded; then no status is named
    err = ProviderTimeout("Provider x did not answer", details=[{"provider": "x", "status": None, "message": "t"}])
    assert error_text(err) == "PROVIDER_TIMEOUT: Provider x did not answer: t"
