"""Integration fixtures: handlers called in process against moto's mock, with template.yaml's resources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from local.testing import HandlerInvoker, MockedStack, mocked_aws
from local.testing import load_event as _load_event


@pytest.fixture
def aws() -> Iterator[MockedStack]:
    """moto's mock with template.yaml's table, usage plans, KMS key, queues and secrets created, and
    the functions' environment set: fake credentials, us-east-1, TABLE_NAME, PROMPTBANK_STAGE=local,
    PROMPTBANK_STACK_NAME=promptbank-local... promptbank's lru_caches are cleared before and after."""
    with mocked_aws() as stack:
        yield stack


@pytest.fixture
def ddb(aws: MockedStack) -> Any:
    """A low-level DynamoDB client inside the mock; the table is `aws.table_name`."""
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def invoke(aws: MockedStack) -> Callable[[str, Any], Any]:
    """invoke("CreatePromptFunction", event) -> the handler's return value (module imported once per test)."""
    return HandlerInvoker(aws.stack)


@pytest.fixture
def load_event() -> Callable[[str], Any]:
    """load_event("prompts_create") -> a fresh copy of events/prompts_create.json."""
    return _load_event
