"""The domain events a table change makes, and their ids: derived from what changed, so the same change is the
same event."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName as Name

from promptbank.webhooks.events import Event, event_id_for, prompt_events, run_events

PROMPT = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
OWNER = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"
MOMENT = "2026-01-15T10:00:00.000Z"


def meta(**fields: Any) -> dict[str, Any]:
    """A prompt's META image."""
    return {
        "pk": f"PROMPT#{PROMPT}",
        "sk": "META",
        "id": PROMPT,
        "owner_id": OWNER,
        "slug": "email-classifier",
        "name": "Email classifier",
        "latest_version": 1,
        "labels": {"production": 1},
        "meta_rev": 1,
        "updated_at": "2026-01-15T09:59:00.000Z",
        **fields,
    }


def ids(events: list[Event]) -> list[str]:
    return [event_id_for(event_type, key) for event_type, key, *_ in events]


def test_an_insert_is_created_version_one_and_each_initial_label() -> None:
    # Given / When a new prompt with version 1 in production and staging
    events = prompt_events(Name.INSERT, {}, meta(labels={"production": 1, "staging": 1}), MOMENT)

    # Then
    assert [(e[0], e[2].get("version"), e[2].get("label")) for e in events] == [
        ("prompt.created", 1, None),
        ("prompt.version_created", 1, None),
        ("prompt.label_moved", None, "production"),
        ("prompt.label_moved", None, "staging"),
    ]
    moved = events[2][2]
    assert (moved["from_version"], moved["to_version"]) == (None, 1)
    assert {e[3] for e in events} == {OWNER}
    assert {e[4] for e in events} == {"2026-01-15T09:59:00.000Z"}
    assert all(e[2]["prompt_id"] == PROMPT and e[2]["slug"] == "email-classifier" for e in events)


def test_a_modify_is_one_version_created_per_new_version_and_a_label_moved_per_changed_label() -> None:
    # Given a prompt going from version 1 (production 1) to 3 (production 3, staging added)
    old = meta()
    new = meta(latest_version=3, labels={"production": 3, "staging": 2}, meta_rev=2)

    # When
    events = prompt_events(Name.MODIFY, old, new, MOMENT)

    # Then
    assert [(e[0], e[2].get("version"), e[2].get("label")) for e in events] == [
        ("prompt.version_created", 2, None),
        ("prompt.version_created", 3, None),
        ("prompt.label_moved", None, "production"),
        ("prompt.label_moved", None, "staging"),
    ]
    assert [(e[2]["from_version"], e[2]["to_version"]) for e in events[2:]] == [(1, 3), (None, 2)]


def test_a_removed_label_moves_to_null() -> None:
    events = prompt_events(Name.MODIFY, meta(labels={"production": 1}), meta(labels={}, meta_rev=2), MOMENT)
    assert [(e[0], e[2]["label"], e[2]["from_version"], e[2]["to_version"]) for e in events] == [
        ("prompt.label_moved", "production", 1, None)
    ]


def test_a_modify_that_changes_no_version_nor_label_makes_no_event() -> None:
    assert prompt_events(Name.MODIFY, meta(), meta(name="Renamed", meta_rev=2), MOMENT) == []


def test_a_remove_is_deleted() -> None:
    # Given / When the META item is removed
    events = prompt_events(Name.REMOVE, meta(), {}, MOMENT)

    # Then one prompt.deleted of the owner, at the moment the change was seen
    assert [(e[0], e[2]["prompt_id"], e[3], e[4]) for e in events] == [("prompt.deleted", PROMPT, OWNER, MOMENT)]


def test_the_same_change_makes_the_same_event_ids() -> None:
    # Given the same INSERT seen twice (a retried stream batch)
    image = meta()

    # When / Then the ids are the same, evt_ followed by 32 hex digits, and differ between the events
    first = ids(prompt_events(Name.INSERT, {}, image, MOMENT))
    again = ids(prompt_events(Name.INSERT, {}, dict(image), "2026-01-15T10:05:00.000Z"))
    assert first == again
    assert len(set(first)) == len(first)
    assert all(i.startswith("evt_") and len(i) == 36 and int(i[4:], 16) >= 0 for i in first)


def test_each_version_is_its_own_event() -> None:
    two = ids(prompt_events(Name.MODIFY, meta(), meta(latest_version=2, meta_rev=2), MOMENT))
    three = ids(prompt_events(Name.MODIFY, meta(latest_version=2), meta(latest_version=3, meta_rev=3), MOMENT))
    assert len(two) == len(three) == 1
    assert two != three


def test_a_label_moved_again_at_another_revision_is_another_event() -> None:
    # Given production moved 1 -> 2 at revision 2, and 2 -> 1 at revision 3
    forward = prompt_events(
        Name.MODIFY, meta(latest_version=2), meta(latest_version=2, labels={"production": 2}, meta_rev=2), MOMENT
    )
    back = prompt_events(
        Name.MODIFY,
        meta(latest_version=2, labels={"production": 2}, meta_rev=2),
        meta(latest_version=2, labels={"production": 1}, meta_rev=3),
        MOMENT,
    )

    # When / Then each move is an event of its own
    assert ids(forward) != ids(back)


def test_two_labels_moved_in_one_revision_are_two_events() -> None:
    events = prompt_events(
        Name.MODIFY,
        meta(latest_version=2),
        meta(latest_version=2, labels={"production": 2, "staging": 2}, meta_rev=2),
        MOMENT,
    )
    assert len(set(ids(events))) == 2


def test_the_same_prompt_created_and_deleted_are_different_events() -> None:
    created = ids(prompt_events(Name.INSERT, {}, meta(), MOMENT))[0]
    deleted = ids(prompt_events(Name.REMOVE, meta(), {}, MOMENT))[0]
    assert created != deleted


def run(status: str, **fields: Any) -> dict[str, Any]:
    """A suite run's image."""
    return {
        "pk": "EVALRUN#r1",
        "sk": "EVALRUN",
        "id": "r1",
        "suite_id": "s1",
        "owner_id": OWNER,
        "status": status,
        "trigger": "manual",
        "prompt_id": PROMPT,
        "prompt_version": 2,
        "created_at": "2026-01-15T09:00:00.000Z",
        **fields,
    }


def test_a_run_that_finishes_is_completed() -> None:
    # Given / When a running run succeeds
    events = run_events(run("running"), run("succeeded", finished_at=MOMENT, summary={"passed": 3}))

    # Then one eval_run.completed of the owner, carrying the run
    assert [(e[0], e[1], e[3], e[4]) for e in events] == [("eval_run.completed", "r1", OWNER, MOMENT)]
    assert events[0][2]["run"]["status"] == "succeeded"
    assert events[0][2]["run"]["summary"] == {"passed": 3}


def test_a_run_that_regressed_is_also_regressed_with_its_own_id() -> None:
    events = run_events(run("queued"), run("failed", finished_at=MOMENT, regressed=True))
    assert [e[0] for e in events] == ["eval_run.completed", "eval_run.regressed"]
    assert len(set(ids(events))) == 2


def test_a_run_changed_while_running_or_after_it_finished_makes_no_event() -> None:
    assert run_events(run("queued"), run("running")) == []
    assert run_events(run("succeeded"), run("succeeded", summary={"passed": 1})) == []
