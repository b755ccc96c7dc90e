"""Contract details of lists (issue 15 item 5), on moto's DynamoDB: a cursor-paged list whose last page is exactly
full has `next_cursor: null`, and `q` matches within the name or within the description, never across them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.testing import MockedStack, mocked_aws
from promptbank.auth.principal import Principal
from promptbank.discovery.service import CatalogueService
from promptbank.outputs import Page
from promptbank.prompts.models import PromptCreate, PromptUpdate
from promptbank.prompts.service import PromptService
from promptbank.runs.history import RunHistory
from promptbank.runs.records import RunRecord
from promptbank.store.base import TableStore, dynamodb_client, serialize
from promptbank.store.filters import SEPARATOR
from promptbank.store.runs import RunStore

OWNER = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def aws() -> Iterator[MockedStack]:
    with mocked_aws() as stack:
        yield stack


@pytest.fixture
def owner(aws: MockedStack) -> Principal:
    return Principal(user_id=OWNER, credential="session", environment="development", access="full", plan="free")


@pytest.fixture
def queries(aws: MockedStack) -> list[str]:
    """The names of the DynamoDB calls made from the moment it is asked for."""
    calls: list[str] = []
    dynamodb_client().meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return calls


def make_prompts(owner: Principal, count: int, **fields: Any) -> list[str]:
    service = PromptService()
    return [service.create(owner, PromptCreate(name=f"P{n}", content="x", **fields)).id for n in range(count)]


def make_runs(owner: Principal, sources: list[str]) -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    for n, source in enumerate(sources):
        record = RunRecord(
            user_id=owner.user_id, source=source, model="gpt-4o", provider="openai", status="succeeded",
            created_at=start + timedelta(seconds=n), latency_ms=1, output="ok",
        )
        RunStore().put_run(record.with_id())


Lister = Callable[[int, str | None], Page[Any]]


def list_prompts(owner: Principal, limit: int, cursor: str | None, q: str | None = None) -> Page[Any]:
    return PromptService().list_prompts(owner, category=None, tag=None, q=q, limit=limit, cursor=cursor)


def list_runs(owner: Principal, limit: int, cursor: str | None, source: str | None = None) -> Page[Any]:
    return RunHistory().list_runs(owner, prompt_id=None, source=source, limit=limit, cursor=cursor)


def three_prompts(owner: Principal) -> Lister:
    make_prompts(owner, 3)
    return lambda limit, cursor: list_prompts(owner, limit, cursor)


def three_prompts_that_q_finds(owner: Principal) -> Lister:
    make_prompts(owner, 2, description="dropped")
    make_prompts(owner, 3, description="kept")
    make_prompts(owner, 2, description="dropped")
    return lambda limit, cursor: list_prompts(owner, limit, cursor, q="KEPT")


def three_versions(owner: Principal) -> Lister:
    [prompt_id] = make_prompts(owner, 1)
    for n in (2, 3):
        PromptService().update(owner, prompt_id, PromptUpdate(content=f"v{n}"), None)
    return lambda limit, cursor: PromptService().list_versions(owner, prompt_id, limit, cursor)


def three_runs(owner: Principal) -> Lister:
    make_runs(owner, ["run", "chat", "enhance"])
    return lambda limit, cursor: list_runs(owner, limit, cursor)


def three_runs_of_a_source(owner: Principal) -> Lister:
    make_runs(owner, ["chat", "run", "chat", "run", "chat", "run", "chat"])
    return lambda limit, cursor: list_runs(owner, limit, cursor, source="run")


LISTS = [three_prompts, three_prompts_that_q_finds, three_versions, three_runs, three_runs_of_a_source]


@pytest.mark.parametrize("make_list", LISTS)
def test_a_last_page_that_is_exactly_full_has_no_cursor(owner: Principal, make_list: Callable[..., Lister]) -> None:
    # Given a list of three
    lister = make_list(owner)
    # When it is read three at a time
    page = lister(3, None)
    # Then the one page is full and says there is no other
    assert len(page.data) == 3
    assert page.next_cursor is None


@pytest.mark.parametrize("make_list", LISTS)
def test_pages_with_more_to_come_have_cursors_and_the_exactly_full_last_has_none(
    owner: Principal, make_list: Callable[..., Lister]
) -> None:
    # Given a list of three
    lister = make_list(owner)
    # When it is read one at a time, then two at a time
    ones = [lister(1, None)]
    while ones[-1].next_cursor is not None and len(ones) < 5:
        ones.append(lister(1, ones[-1].next_cursor))
    first_two = lister(2, None)
    # Then three pages of one, only the first two with a cursor; and a page of two with one to its last page
    assert [len(page.data) for page in ones] == [1, 1, 1]
    assert [page.next_cursor is not None for page in ones] == [True, True, False]
    last = lister(2, first_two.next_cursor)
    assert (len(first_two.data), len(last.data), last.next_cursor) == (2, 1, None)
    assert [item.model_dump() for page in ones for item in page.data] == [
        item.model_dump() for item in first_two.data + last.data
    ]


def test_an_exactly_full_last_page_costs_one_query(owner: Principal, queries: list[str]) -> None:
    # Given five prompts
    make_prompts(owner, 5)
    queries.clear()
    # When they are listed five at a time
    page = list_prompts(owner, 5, None)
    # Then one Query read them and knew no sixth follows
    assert (len(page.data), page.next_cursor) == (5, None)
    assert queries == ["Query"]


def test_a_full_page_with_more_to_come_costs_one_query(owner: Principal, queries: list[str]) -> None:
    # Given six prompts
    make_prompts(owner, 6)
    queries.clear()
    # When they are listed five at a time
    first = list_prompts(owner, 5, None)
    # Then one Query gave the page and its cursor, and the next page holds the sixth alone
    assert queries == ["Query"]
    rest = list_prompts(owner, 5, first.next_cursor)
    assert (len(first.data), len(rest.data), rest.next_cursor) == (5, 1, None)


def create_described(owner: Principal, name: str, description: str, *, public: bool = False) -> str:
    prompt = PromptService().create(
        owner, PromptCreate(name=name, description=description, content="x", is_public=public)
    )
    return prompt.id


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("ALPHA", True),  # within the name, any case
        ("beta", True),  # within the description
        ("phabe", False),  # the name's end and the description's start
        ("pha\nbe", False),  # the same, with the newline that used to join them
        ("one\nline", True),  # a newline within the name
    ],
)
def test_q_matches_within_the_name_or_the_description_never_across(owner: Principal, q: str, found: bool) -> None:
    # Given a prompt named over two lines and described, public so that the catalogue lists it too
    prompt_id = create_described(owner, "Line one\nLine two alpha", "Beta release notes", public=True)
    # When the owner's list and the catalogue are searched for q
    owned = [p.id for p in list_prompts(owner, 20, None, q=q).data]
    listed = [p.id for p in CatalogueService().explore(q=q, tag=None, author=None, sort="newest", page=1).data]
    # Then both find it exactly when q is within the name or within the description
    assert owned == listed == ([prompt_id] if found else [])


def test_no_lower_cased_text_can_hold_the_separator() -> None:
    # Given every character (a lone surrogate can be neither stored nor sent)
    characters = (chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF)
    # When each is lower-cased
    holding = [c for c in characters if SEPARATOR in c.lower()]
    # Then none gives the separator, so neither a field nor `q` can hold it
    assert holding == []


class DynamoDBThatStopsAtLimit:
    """Answers `Query` as DynamoDB does, and moto does not always: with a `LastEvaluatedKey` whenever it read
    `Limit` items, even when they were the last ones."""

    def __init__(self, count: int) -> None:
        self.items = [serialize({"pk": "P", "sk": f"{n:03d}"}) for n in range(count)]
        self.limits: list[int] = []

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.limits.append(kwargs["Limit"])
        start = self.items.index(kwargs["ExclusiveStartKey"]) + 1 if "ExclusiveStartKey" in kwargs else 0
        page = self.items[start : start + kwargs["Limit"]]
        return {"Items": page, **({"LastEvaluatedKey": page[-1]} if len(page) == kwargs["Limit"] else {})}


@pytest.mark.parametrize(("count", "pages"), [(3, [3]), (4, [3, 1]), (6, [3, 3]), (0, [0])])
def test_the_store_pages_to_an_exactly_full_last_page_with_one_query_each(count: int, pages: list[int]) -> None:
    # Given a partition of `count` items in a DynamoDB that marks every page that reached its Limit
    client = DynamoDBThatStopsAtLimit(count)
    store = TableStore(client=client, table_name="table")  # type: ignore[arg-type]
    # When it is read three at a time, following the keys
    sizes, start = [], None
    while True:
        items, start = store.query_page("pk = :pk", {":pk": "P"}, limit=3, start_key=start)
        sizes.append(len(items))
        if start is None:
            break
    # Then the pages hold everything, none is empty unless the list is, and each cost one Query
    assert sizes == pages
    assert len(client.limits) == len(pages)
