"""SnapStart: the delivery functions' runtime hooks, run as Lambda runs them (before the snapshot, after a restore)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from snapshot_restore_py import get_after_restore, get_before_snapshot

from local.lambdas import load_module, snapstart
from local.testing import clear_promptbank_caches, mocked_aws
from promptbank.store import base
from promptbank.tokens import bundle

SNAPSTART_FUNCTIONS = (
    "AuthorizerFunction",
    "GetPromptFunction",
    "GetCompiledFunction",
    "CompilePromptFunction",
    "CountTokensGetFunction",
    "CountTokensPostFunction",
)


def _run(hooks: list[Any]) -> None:
    for hook, args, kwargs in hooks:
        hook(*args, **kwargs)


@pytest.fixture
def stack() -> Iterator[Any]:
    # The functions' environment (region, table); no AWS call is made by the hooks.
    with mocked_aws() as mocked:
        yield mocked.stack
    clear_promptbank_caches()


def _import(stack: Any, function: str) -> tuple[list[Any], list[Any]]:
    """Import the function's handler as a fresh container would: the hooks its import registered."""
    before = len(get_before_snapshot())
    load_module(stack.functions[function])
    # The restore hook is registered once per process (promptbank.snapstart), by the first function imported.
    return list(get_before_snapshot()[before:]), list(get_after_restore())


def test_snapstart_is_on_for_the_delivery_path_only(stack: Any) -> None:
    on = {name for name, spec in stack.functions.items() if snapstart(spec)}
    assert on == set(SNAPSTART_FUNCTIONS)


def test_before_the_snapshot_the_compiled_route_builds_what_its_first_request_needs(stack: Any) -> None:
    # Given a fresh import of GET compiled, with no encoding or client made yet
    bundle._encodings.clear()
    base.dynamodb_client.cache_clear()
    before, _ = _import(stack, "GetCompiledFunction")

    # When Lambda runs the before-snapshot hooks (the route's warm request must answer 401, or it raises)
    _run(before)

    # Then the snapshot holds every encoding a compile counts with, and the DynamoDB client
    assert set(bundle._encodings) == set(bundle.SUPPORTED_ENCODINGS)
    assert base.dynamodb_client.cache_info().currsize == 1


def test_after_a_restore_each_copy_draws_its_own_random_numbers_and_makes_new_clients(stack: Any) -> None:
    # Given the compile route's hooks run up to the snapshot
    before, after = _import(stack, "CompilePromptFunction")
    _run(before)
    snapshot_client = base.dynamodb_client()
    snapshot_random = random.getstate()

    # When two environments are restored from the same snapshot
    _run(after)
    first_copy = [random.random() for _ in range(4)]
    first_client = base.dynamodb_client()
    random.setstate(snapshot_random)
    _run(after)
    second_copy = [random.random() for _ in range(4)]

    # Then their random numbers differ, and neither uses the snapshot's client (its connections, credentials)
    assert first_copy != second_copy
    assert first_client is not snapshot_client
    assert base.dynamodb_client() is not first_client


@pytest.mark.parametrize("function", SNAPSTART_FUNCTIONS)
def test_every_snapstart_function_registers_warmers_and_the_restore_hook(stack: Any, function: str) -> None:
    before, after = _import(stack, function)

    assert before, f"{function} registers no before-snapshot hook"
    assert any(getattr(hook, "__module__", "") == "promptbank.snapstart" for hook, _, _ in after)
    _run(before)  # and none of them fails (no I/O: no table or network is reached)
