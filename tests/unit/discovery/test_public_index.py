"""The public catalogue's index operations: what each prompt transition writes, and that it stays bounded."""

from __future__ import annotations

from typing import Any

from promptbank.discovery.index import public_state
from promptbank.store.base import TransactOp
from promptbank.store.catalogue import TAG_SHARDS, public_index_ops, tag_count_attribute, tag_index_pk

PROMPT_ID = "3b8d6c1a-2f4e-4a9b-8c7d-5e6f7a8b9c0d"
OWNER_ID = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"


def meta(**changes: Any) -> dict[str, Any]:
    base = {
        "id": PROMPT_ID,
        "owner_id": OWNER_ID,
        "slug": "support-reply",
        "name": "Support reply",
        "description": "Answer a customer",
        "category": "Support",
        "tags": ["support", "email"],
        "is_public": True,
        "labels": {"latest": 2, "production": 1},
        "created_at": "2026-11-20T10:00:00.000Z",
        "updated_at": "2026-11-21T10:00:00.000Z",
    }
    return {**base, **changes}


def version(number: int = 1, content: str = "Hi {{name}}, about {{issue|textarea}}") -> dict[str, Any]:
    return {"version": number, "content": content, "system_prompt": None, "variables": {"name": "there"}}


def keys(ops: list[TransactOp]) -> list[tuple[str, str]]:
    out = []
    for op in ops:
        key = op.body.get("Key") or op.body["Item"]
        out.append((key["pk"]["S"], key["sk"]["S"]))
    return out


def kinds(ops: list[TransactOp]) -> list[str]:
    return [op.kind for op in ops]


def test_a_private_prompt_is_not_listed() -> None:
    # Given a private prompt with a production version / When its state is taken / Then it is not listed
    assert public_state(meta(is_public=False), version()) is None


def test_a_public_prompt_without_production_is_not_listed() -> None:
    # Given a public prompt that was never published / Then it is not listed
    assert public_state(meta(), None) is None


def test_the_card_shows_the_production_version() -> None:
    # Given a public prompt whose production version is 1
    state = public_state(meta(), version(1, "Production {{x}}"))
    # Then the card carries that version's content and its variables
    assert state is not None
    assert state["card"]["content"] == "Production {{x}}"
    assert [v["key"] for v in state["card"]["variables"]] == ["x", "name"]


def test_listing_writes_card_entry_tag_slots_and_counts() -> None:
    # Given a prompt becoming listed with two tags
    ops = public_index_ops(None, public_state(meta(), version()))
    # Then: card, entry, one slot per tag, +1 on ALL and on the author, and the tag counts
    written = keys(ops)
    assert (f"PROMPT#{PROMPT_ID}", "PUBLIC") in written
    assert (f"PROMPT#{PROMPT_ID}", "PUBLIC#ENTRY") in written
    assert (f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#00") in written
    assert (f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#01") in written
    assert ("PUBLIC#COUNTS", "ALL") in written
    assert ("PUBLIC#COUNTS", f"AUTHOR#{OWNER_ID}") in written
    slot_tags = {op.body["Item"]["gsi2pk"]["S"] for op in ops if op.body.get("Item", {}).get("kind", {}).get("S") == "public_tag"}
    assert slot_tags == {tag_index_pk("support"), tag_index_pk("email")}


def test_unlisting_deletes_what_listing_wrote_and_decrements() -> None:
    # Given a listed prompt made private
    before = public_state(meta(), version())
    ops = public_index_ops(before, None)
    # Then its card, entry and slots are deleted and every count moves by -1
    assert sorted(k for k, kind in zip(keys(ops), kinds(ops), strict=True) if kind == "Delete") == [
        (f"PROMPT#{PROMPT_ID}", "PUBLIC"),
        (f"PROMPT#{PROMPT_ID}", "PUBLIC#ENTRY"),
        (f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#00"),
        (f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#01"),
    ]
    deltas = [v["N"] for op in ops if op.kind == "Update" for v in op.body["ExpressionAttributeValues"].values()]
    assert deltas and set(deltas) == {"-1"}


def test_an_unchanged_listed_prompt_writes_nothing() -> None:
    # Given the same state before and after / Then no operation
    state = public_state(meta(), version())
    assert public_index_ops(state, public_state(meta(), version())) == []


def test_a_metadata_change_rewrites_card_and_entry_only() -> None:
    # Given a listed prompt whose description changes
    before = public_state(meta(), version())
    after = public_state(meta(description="New words", updated_at="2026-11-22T10:00:00.000Z"), version())
    # Then only the card and the entry are put (no slot, no count)
    assert keys(public_index_ops(before, after)) == [
        (f"PROMPT#{PROMPT_ID}", "PUBLIC"),
        (f"PROMPT#{PROMPT_ID}", "PUBLIC#ENTRY"),
    ]


def test_replacing_one_tag_rewrites_one_slot() -> None:
    # Given a listed prompt whose second tag changes
    before = public_state(meta(), version())
    after = public_state(meta(tags=["support", "chat"]), version())
    ops = public_index_ops(before, after)
    # Then slot 01 is rewritten for "chat", slot 00 untouched, and the two tags' counts move
    written = keys(ops)
    assert (f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#01") in written
    assert (f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#00") not in written
    moved = {
        name: value["N"]
        for op in ops
        if op.kind == "Update"
        for name, value in zip(
            op.body["ExpressionAttributeNames"].values(), op.body["ExpressionAttributeValues"].values(), strict=True
        )
    }
    assert moved == {tag_count_attribute("email"): "-1", tag_count_attribute("chat"): "1"}


def test_a_repeated_tag_is_listed_and_counted_once() -> None:
    # Given a prompt tagged ["a", "a"]
    ops = public_index_ops(None, public_state(meta(tags=["a", "a"]), version()))
    # Then one slot and a count of +1
    assert [k for k in keys(ops) if k[1].startswith("PUBLIC#TAGSLOT#")] == [(f"PROMPT#{PROMPT_ID}", "PUBLIC#TAGSLOT#00")]
    tag_updates = [op for op in ops if op.kind == "Update" and op.body["Key"]["sk"]["S"].startswith("TAGS#")]
    assert [list(op.body["ExpressionAttributeValues"].values()) for op in tag_updates] == [[{"N": "1"}]]


def test_a_tag_cannot_name_a_key_attribute() -> None:
    # Given a tag literally named "pk" / Then its count attribute is prefixed
    assert tag_count_attribute("pk") == "t:pk"


def test_the_worst_transition_stays_small_and_touches_each_item_once() -> None:
    # Given a prompt listed with 20 tags, unlisted... and the worst edit: all 20 tags replaced
    old = public_state(meta(tags=[f"old-{i}" for i in range(20)]), version())
    new = public_state(meta(tags=[f"new-{i}" for i in range(20)], name="Renamed"), version(2, "v2 {{y}}"))
    for before, after in ((None, old), (old, None), (old, new)):
        ops = public_index_ops(before, after)
        # Then at most card + entry + 20 slots + ALL + author + the tag shards, each key once
        assert len(ops) <= 2 + 20 + 2 + TAG_SHARDS
        assert len(set(keys(ops))) == len(ops)
