import pytest

from domain.channels.platforms import PARSERS, event_dedupe_keys, meta_platform
from domain.channels.platforms.types import MalformedPayload
from tests.unit.channels.webhook_fixture_manifests import body

A_FIXTURE = {
    "facebook": "02_",
    "instagram": "01_",
    "x": "01_",
    "telegram": "01_",
    "vk": "03_",
}


@pytest.mark.parametrize("platform", sorted(A_FIXTURE))
def test_truncated_body_is_malformed(platform: str) -> None:
    truncated = body(platform, A_FIXTURE[platform])[:-7]
    pattern = rf"^{platform} payload is not valid JSON \(.+ at line 1, column \d+\)$"
    with pytest.raises(MalformedPayload, match=pattern):
        PARSERS[platform](truncated)
    with pytest.raises(MalformedPayload, match=pattern):
        event_dedupe_keys(platform, truncated)


@pytest.mark.parametrize("platform", sorted(PARSERS))
@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        (b"\xff\xfe\x00garbage", r"is not UTF-8 \(invalid start byte at byte 0\)"),
        (b"", "is empty"),
        (b"  \r\n", "is empty"),
        (b"<html>502 Bad Gateway</html>", "is not valid JSON"),
        (b"42", "top level: expected an object, got number"),
        (b'"ok"', "top level: expected an object, got string"),
    ],
)
def test_garbage_is_malformed(platform: str, garbage: bytes, message: str) -> None:
    with pytest.raises(MalformedPayload, match=rf"^{platform} payload:? {message}"):
        PARSERS[platform](garbage)


@pytest.mark.parametrize(
    ("platform", "payload", "message"),
    [
        ("facebook", b'{"object":"page"}', "facebook payload: entry: missing"),
        (
            "facebook",
            b'{"object":"page","entry":{}}',
            "facebook payload: entry: expected an array, got object",
        ),
        (
            "facebook",
            b'{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"feed","value":'
            b'{"item":"comment","verb":"add","post_id":"1_2","created_time":1}}]}]}',
            "facebook payload: entry[0].changes[0].value.comment_id: missing",
        ),
        (
            "facebook",
            b'{"object":"page","entry":[{"id":true}]}',
            "facebook payload: entry[0].id: expected an id (string or integer), got boolean",
        ),
        ("instagram", b"[1]", "instagram payload: [0]: expected an object, got number"),
        ("x", b'{"tweet_create_events":[]}', "x payload: for_user_id: missing"),
        (
            "x",
            b'{"for_user_id":"1","tweet_create_events":[{"id_str":"2","text":"hi"}]}',
            "x payload: tweet_create_events[0].user: missing",
        ),
        (
            "telegram",
            b'{"message":{"message_id":1}}',
            "telegram payload: update_id: missing (neither an Update nor a getUpdates response)",
        ),
        (
            "telegram",
            b'{"update_id":1,"message":{"message_id":1,"date":1}}',
            "telegram payload: message.chat: missing",
        ),
        ("vk", b'{"group_id":1,"object":{}}', "vk payload: type: missing"),
        (
            "vk",
            b'{"type":"wall_reply_new","group_id":1,"object":{"id":5}}',
            "vk payload: object.owner_id: missing",
        ),
    ],
)
def test_missing_or_mistyped_fields_name_their_path(
    platform: str, payload: bytes, message: str
) -> None:
    with pytest.raises(MalformedPayload) as raised:
        PARSERS[platform](payload)
    assert str(raised.value) == message


def test_meta_platform_reads_the_object_field() -> None:
    assert meta_platform(body("facebook", "08_")) == "facebook"
    assert meta_platform(body("instagram", "06_")) == "instagram"
    with pytest.raises(MalformedPayload, match=r"^meta payload: object: unsupported value 'user'$"):
        meta_platform(b'{"object":"user","entry":[]}')
    with pytest.raises(MalformedPayload, match=r"^meta payload is not valid JSON"):
        meta_platform(b'{"object":')


def test_out_of_range_numbers_are_malformed_not_crashes() -> None:
    far_future = body("facebook", "02_").replace(
        b'"created_time":1741945267', b'"created_time":99999999999999999999'
    )
    with pytest.raises(MalformedPayload) as raised:
        PARSERS["facebook"](far_future)
    assert str(raised.value) == (
        "facebook payload: entry[0].changes[0].value.created_time: "
        "timestamp 99999999999999999999 is out of range"
    )
    huge = b'{"update_id":' + b"9" * 5000 + b"}"
    with pytest.raises(MalformedPayload, match=r"^telegram payload is not valid JSON"):
        PARSERS["telegram"](huge)
    with pytest.raises(MalformedPayload, match=r"^vk payload is nested too deeply$"):
        PARSERS["vk"](b"[" * 100_000 + b"]" * 100_000)
