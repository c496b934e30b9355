"""How events change a stored mention, whatever order they arrive in (pure rules)."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.channels.platforms.types import Author, EventAction, MentionKind, NormalizedMention
from domain.mentions.rules import (
    Effect,
    MentionState,
    TextVersion,
    apply_change,
    change_time,
    initial_state,
    object_key,
    resolve_root,
)

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
RECEIVED = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
KASIA = Author(platform_user_id="841", handle=None, display_name="Katarzyna")


def event(
    action: EventAction,
    *,
    at: datetime | None,
    text: str | None = None,
    author: Author | None = KASIA,
    kind: MentionKind = MentionKind.COMMENT,
    **fields: object,
) -> NormalizedMention:
    return NormalizedMention(
        platform="facebook",
        account_id="page",
        action=action,
        kind=kind,
        external_id="post_c1",
        raw_kind="test",
        posted_at=at,
        author=author,
        text=text,
        **fields,  # type: ignore[arg-type]
    )


def apply_in_order(*events: NormalizedMention) -> tuple[MentionState, list[Effect]]:
    """The state after `events`, applied in this order, and every effect seen."""
    first = events[0]
    state = initial_state(first, at=change_time(first, received_at=RECEIVED, created_at=None))
    effects: list[Effect] = []
    for item in events[1:]:
        at = change_time(item, received_at=RECEIVED, created_at=state.posted_at)
        applied = apply_change(state, item, at=at)
        state = applied.state
        effects.extend(sorted(applied.effects))
    return state, effects


CREATE = event(EventAction.CREATED, at=T0, text="first")
EDIT = event(EventAction.EDITED, at=T0 + timedelta(minutes=5), text="second")
EDIT_2 = event(EventAction.EDITED, at=T0 + timedelta(minutes=9), text="third")


def test_a_create_gives_version_one() -> None:
    state, effects = apply_in_order(CREATE)
    assert (state.text, state.posted_at, state.edited_at, state.version) == ("first", T0, None, 1)
    assert state.author_platform_id == "841"
    assert state.text_history == ()
    assert effects == []


def test_a_redelivered_create_changes_nothing() -> None:
    state = initial_state(CREATE, at=T0)
    applied = apply_change(state, CREATE, at=T0)
    assert applied.changed is False
    assert applied.state == state
    assert applied.effects == frozenset()


def test_an_edit_keeps_the_previous_text_with_its_time() -> None:
    state, effects = apply_in_order(CREATE, EDIT, EDIT_2)
    assert state.text == "third"
    assert state.text_history == (
        TextVersion(T0, "first"),
        TextVersion(T0 + timedelta(minutes=5), "second"),
    )
    assert state.edited_at == T0 + timedelta(minutes=9)
    assert state.posted_at == T0
    assert state.version == 3
    assert effects == [Effect.EDITED, Effect.EDITED]


@pytest.mark.parametrize(
    "order",
    [
        (CREATE, EDIT, EDIT_2),
        (EDIT, CREATE, EDIT_2),
        (EDIT_2, EDIT, CREATE),
        (EDIT_2, CREATE, EDIT),
        (CREATE, EDIT_2, EDIT),
        (EDIT, EDIT_2, CREATE),
    ],
)
def test_any_arrival_order_ends_in_the_same_content(order: tuple[NormalizedMention, ...]) -> None:
    state, _ = apply_in_order(*order)
    assert state.text == "third"
    assert state.posted_at == T0
    assert state.edited_at == T0 + timedelta(minutes=9)
    assert state.text_history == (
        TextVersion(T0, "first"),
        TextVersion(T0 + timedelta(minutes=5), "second"),
    )


def test_a_late_create_only_adds_history_and_is_not_an_edit() -> None:
    state, effects = apply_in_order(EDIT, CREATE)
    assert state.text == "second"
    assert state.text_history == (TextVersion(T0, "first"),)
    assert state.version == 2
    assert effects == []


def test_a_stale_edit_never_overwrites_newer_text() -> None:
    newer = initial_state(CREATE, at=T0)
    newer = apply_change(newer, EDIT_2, at=T0 + timedelta(minutes=9)).state
    applied = apply_change(newer, EDIT, at=T0 + timedelta(minutes=5))
    assert applied.state.text == "third"
    assert applied.effects == frozenset()
    assert TextVersion(T0 + timedelta(minutes=5), "second") in applied.state.text_history


def test_a_redelivered_edit_changes_nothing() -> None:
    state, _ = apply_in_order(CREATE, EDIT)
    applied = apply_change(state, EDIT, at=T0 + timedelta(minutes=5))
    assert applied.changed is False


def test_an_edit_with_only_the_creation_time_is_ordered_by_arrival() -> None:
    # VK edits repeat the original `date`: the event's arrival time orders them.
    vk_edit = event(EventAction.EDITED, at=T0, text="second")
    state = initial_state(CREATE, at=T0)
    at = change_time(vk_edit, received_at=RECEIVED, created_at=state.posted_at)
    assert at == RECEIVED
    applied = apply_change(state, vk_edit, at=at)
    assert (applied.state.text, applied.state.edited_at) == ("second", RECEIVED)
    assert applied.state.text_history == (TextVersion(T0, "first"),)


def test_a_delete_marks_and_keeps_the_text() -> None:
    delete = event(EventAction.DELETED, at=T0 + timedelta(hours=1), author=None)
    state, effects = apply_in_order(CREATE, delete)
    assert (state.text, state.deleted_at) == ("first", T0 + timedelta(hours=1))
    assert effects == [Effect.DELETED]
    again = apply_change(state, delete, at=T0 + timedelta(hours=2))
    assert again.changed is False


def test_a_delete_before_the_create_gives_a_deleted_row_the_create_fills_in() -> None:
    delete = event(EventAction.DELETED, at=None, author=None, kind=MentionKind.POST)
    state, effects = apply_in_order(delete, CREATE)
    assert state.deleted_at == RECEIVED
    assert (state.text, state.posted_at, state.kind) == ("first", T0, "comment")
    assert state.author_platform_id == "841"
    assert effects == []


def test_a_late_hide_cannot_undo_a_newer_unhide() -> None:
    hide = event(EventAction.HIDDEN, at=T0 + timedelta(minutes=10), author=None)
    unhide = event(EventAction.UNHIDDEN, at=T0 + timedelta(minutes=20), author=None)
    in_order, effects = apply_in_order(CREATE, hide, unhide)
    assert (in_order.hidden_at, in_order.moderated_at) == (None, T0 + timedelta(minutes=20))
    assert effects == [Effect.HIDDEN, Effect.UNHIDDEN]
    reordered, effects = apply_in_order(CREATE, unhide, hide)
    assert reordered.hidden_at is None
    assert effects == []


def test_a_hide_then_its_redelivery() -> None:
    hide = event(EventAction.HIDDEN, at=T0 + timedelta(minutes=10), author=None, text="first")
    state, effects = apply_in_order(CREATE, hide, hide)
    assert state.hidden_at == T0 + timedelta(minutes=10)
    assert state.version == 2
    assert effects == [Effect.HIDDEN]


def test_a_restore_newer_than_the_delete_brings_the_content_back() -> None:
    delete = event(EventAction.DELETED, at=None, author=None)
    # VK restores repeat the creation date; they are ordered by arrival.
    restore = event(EventAction.UNHIDDEN, at=T0)
    state = initial_state(CREATE, at=T0)
    state = apply_change(state, delete, at=RECEIVED).state
    at = change_time(restore, received_at=RECEIVED + timedelta(minutes=1), created_at=T0)
    applied = apply_change(state, restore, at=at)
    assert applied.state.deleted_at is None
    assert applied.effects == frozenset({Effect.RESTORED})


def test_moderation_events_fill_gaps_but_never_replace_content() -> None:
    hide = event(
        EventAction.HIDDEN,
        at=T0 + timedelta(minutes=10),
        author=None,
        text="hidden text",
        extra={"actor_id": "page"},
    )
    state, _ = apply_in_order(hide)
    assert (state.text, state.posted_at, state.hidden_at) == ("hidden text", None, hide.posted_at)
    filled, _ = apply_in_order(hide, CREATE)
    assert (filled.text, filled.posted_at, filled.author_platform_id) == ("first", T0, "841")
    assert filled.hidden_at == hide.posted_at
    assert dict(filled.extra) == {"actor_id": "page"}


def test_change_time_prefers_the_platforms_time() -> None:
    assert change_time(CREATE, received_at=RECEIVED, created_at=None) == T0
    assert change_time(EDIT, received_at=RECEIVED, created_at=T0) == EDIT.posted_at
    tombstone = event(EventAction.DELETED, at=None, author=None)
    assert change_time(tombstone, received_at=RECEIVED, created_at=T0) == RECEIVED


@pytest.mark.parametrize(
    ("root", "parent", "parent_root", "known", "expected"),
    [
        ("root", "parent", None, False, "root"),
        (None, None, None, False, None),
        (None, "parent", None, False, "parent"),
        (None, "parent", None, True, "parent"),
        (None, "parent", "grandparent", True, "grandparent"),
        (None, "self", None, False, None),
    ],
)
def test_resolve_root(
    root: str | None, parent: str | None, parent_root: str | None, known: bool, expected: str | None
) -> None:
    assert (
        resolve_root(
            external_id="self",
            root_external_id=root,
            parent_external_id=parent,
            parent_root=parent_root,
            parent_is_known=known,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("platform", "kind", "external_id", "extra", "expected"),
    [
        ("facebook", "comment", "122158734409283716_1187723409865521", {}, "1187723409865521"),
        ("instagram", "comment", "18028715934470391", {}, "18028715934470391"),
        (
            "x",
            "post",
            "1900608405137490124",
            {"version_id": "1900609539547746454"},
            "1900609539547746454",
        ),
        ("x", "post", "1900592812245836326", {}, "1900592812245836326"),
        ("telegram", "comment", "-1002198765432:3304", {}, "3304"),
        ("vk", "comment", "-227771234_1851", {}, "-227771234_1851"),
        ("facebook", "dm", "m_abc", {}, None),
        (
            "export",
            "comment",
            "m-0001",
            {"source": "facebook", "source_object_id": "11"},
            "facebook:11",
        ),
        (
            "export",
            "post",
            "m-0014",
            {"source": "news", "canonical_url": "https://n.example/a"},
            "url:0fffb8f15558e718014003bc04e841872629ad432f0b23b69e3001ebdd98c70a",
        ),
        ("export", "post", "m-0099", {"source": "web"}, None),
    ],
)
def test_object_key(
    platform: str, kind: str, external_id: str, extra: dict[str, str], expected: str | None
) -> None:
    assert object_key(platform=platform, kind=kind, external_id=external_id, extra=extra) == (
        expected
    )
