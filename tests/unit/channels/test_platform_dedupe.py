import hashlib

import pytest

from domain.channels.platforms import PARSERS, event_dedupe_keys, mention_key
from domain.channels.platforms.types import EventAction, NormalizedMention
from tests.unit.channels.webhook_fixture_manifests import Fixture, body, fixture, fixtures, params

ALL_FIXTURES = fixtures()
DUPLICATES = [f for f in ALL_FIXTURES if "duplicate_of" in f.entry]


def _only_mention(platform: str, file_prefix: str) -> NormalizedMention:
    (mention,) = PARSERS[platform](body(platform, file_prefix)).mentions
    return mention


def _mention(platform: str, file_prefix: str, external_id: str) -> NormalizedMention:
    (found,) = [
        m
        for m in PARSERS[platform](body(platform, file_prefix)).mentions
        if m.external_id == external_id
    ]
    return found


@pytest.mark.parametrize("item", params(ALL_FIXTURES))
def test_fixture_copy_is_byte_identical_to_the_manifest(item: Fixture) -> None:
    assert len(item.body) == item.entry["body_bytes"]
    assert hashlib.sha256(item.body).hexdigest() == item.entry["body_sha256"]


@pytest.mark.parametrize("item", params(ALL_FIXTURES))
def test_event_dedupe_keys_equal_the_manifest(item: Fixture) -> None:
    assert list(event_dedupe_keys(item.platform, item.body)) == item.entry["dedupe_keys"]


def test_every_platform_has_a_duplicate_redelivery_fixture() -> None:
    assert sorted(f.platform for f in DUPLICATES) == [
        "facebook",
        "instagram",
        "telegram",
        "vk",
        "x",
    ]


@pytest.mark.parametrize("item", params(DUPLICATES))
def test_redelivery_gives_the_same_keys_and_mentions_as_the_original(item: Fixture) -> None:
    (original,) = [f for f in fixtures(item.platform) if f.file == item.entry["duplicate_of"]]
    assert event_dedupe_keys(item.platform, item.body) == event_dedupe_keys(
        item.platform, original.body
    )
    assert PARSERS[item.platform](item.body) == PARSERS[item.platform](original.body)


def test_edits_get_new_event_keys() -> None:
    assert event_dedupe_keys("facebook", body("facebook", "02_")) != event_dedupe_keys(
        "facebook", body("facebook", "04_")
    )
    assert event_dedupe_keys("telegram", body("telegram", "02_")) == (
        "tg:update:803311049",
        "tg:msg:523987114:1184:edit:1741961020",
    )


def test_unknown_platform_has_no_dedupe_keys() -> None:
    with pytest.raises(ValueError, match="no dedupe keys for platform 'myspace'"):
        event_dedupe_keys("myspace", b"{}")


@pytest.mark.parametrize(
    ("platform", "original", "edit", "external_id", "key"),
    [
        (
            "facebook",
            "02_",
            "04_",
            "122158734409283716_1187723409865521",
            "facebook:public:122158734409283716_1187723409865521",
        ),
        (
            "facebook",
            "08_",
            "10_",
            "m_3Fnm9AF5SzRMtPh2dugd5_VBPuh5zzjoF6SHIjF7q1P6MRlPXgNRLfkJ0YLu1t26a4ZXneAe1lgLFHqhLY3S2g",
            "facebook:dm:m_3Fnm9AF5SzRMtPh2dugd5_VBPuh5zzjoF6SHIjF7q1P6MRlPXgNRLfkJ0YLu1t26a4ZXneAe1lgLFHqhLY3S2g",
        ),
        (
            "instagram",
            "06_",
            "08_",
            "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDU4MjIzMDQ5MTQ6MzQwMjgyMzY2ODQxNzEwMzAwOTQ5MTg0MDkxOTY4NjU1ODE5ODA5OjY3NDEyNjU3MjMwMzkyMTYyMzQyODgwODE2ODgwNjQ3ODEyMDUzNAZDZD",
            "instagram:dm:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDU4MjIzMDQ5MTQ6MzQwMjgyMzY2ODQxNzEwMzAwOTQ5MTg0MDkxOTY4NjU1ODE5ODA5OjY3NDEyNjU3MjMwMzkyMTYyMzQyODgwODE2ODgwNjQ3ODEyMDUzNAZDZD",
        ),
        ("x", "07_", "08_", "1900608405137490124", "x:public:1900608405137490124"),
        ("telegram", "01_", "02_", "523987114:1184", "telegram:dm:523987114:1184"),
        ("vk", "03_", "05_", "-227771234_1851", "vk:public:-227771234_1851"),
    ],
)
def test_an_edit_keeps_the_mention_key(
    platform: str, original: str, edit: str, external_id: str, key: str
) -> None:
    created = _mention(platform, original, external_id)
    edited = _only_mention(platform, edit)
    assert (created.action, edited.action) == (EventAction.CREATED, EventAction.EDITED)
    assert mention_key(created) == mention_key(edited) == key
    assert created.text != edited.text


@pytest.mark.parametrize(
    ("platform", "original", "removal", "external_id", "action"),
    [
        ("facebook", "05_", "06_", "122158734409283716_1187792218837645", EventAction.HIDDEN),
        ("facebook", "05_", "07_", "122158734409283716_1187801159734482", EventAction.DELETED),
        (
            "instagram",
            "07_",
            "09_",
            "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDU4MjIzMDQ5MTQ6MzQwMjgyMzY2ODQxNzEwMzAwOTQ5MTE0OTk1MDI0NTMxMjA3MDgzOjgxODMzMTg4NjM3OTc2NzE0ODA5ODc2MTYzNTAwMjUzNzU5NTQ1OQZDZD",
            EventAction.DELETED,
        ),
        ("x", "03_", "09_", "1900597927238363657", EventAction.DELETED),
        (
            "telegram",
            "09_",
            "10_",
            "Hx3YkVqAAAC9wv0SR1Zdt_dr:1189345620:5567",
            EventAction.DELETED,
        ),
        ("vk", "06_", "07_", "-227771234_1856", EventAction.DELETED),
    ],
)
def test_deletes_and_hides_address_the_original_mention(
    platform: str, original: str, removal: str, external_id: str, action: EventAction
) -> None:
    created = _mention(platform, original, external_id)
    removed = _only_mention(platform, removal)
    assert removed.action is action
    assert mention_key(removed) == mention_key(created)


def test_dm_and_public_keys_do_not_collide() -> None:
    vk_dm = _only_mention("vk", "08_")
    vk_comment = _only_mention("vk", "03_")
    assert mention_key(vk_dm) == "vk:dm:227771234:9021"
    assert mention_key(vk_comment) == "vk:public:-227771234_1851"


def test_x_edit_keeps_the_version_id_apart_from_the_mention_key() -> None:
    edited = fixture("x", "08_")
    mention = _only_mention("x", "08_")
    assert edited.entry["thread"] == {
        "tweet_id": "1900609539547746454",
        "edit_of": "1900608405137490124",
    }
    assert mention.external_id == "1900608405137490124"
    assert mention.extra["version_id"] == "1900609539547746454"
