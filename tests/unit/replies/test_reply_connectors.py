"""Connectors against `httpx.MockTransport`: the exact documented request per platform,
retries on 429 and 5xx, permanent refusals with the platform's message."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from domain.replies.delivery import DeliveryAction, DeliveryOrder
from workers.connectors.dispatch import PlatformEndpoints, deliver
from workers.connectors.http import (
    PermanentDeliveryError,
    PlatformHttpClient,
    RetryPolicy,
    TransientDeliveryError,
    retry_after_seconds,
)

ENDPOINTS = PlatformEndpoints(
    meta_graph="https://graph.test/v21.0",
    x="https://x.test",
    telegram="https://telegram.test",
    vk="https://vk.test/method",
    vk_version="5.199",
)
KEY = "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Answers with the scripted responses in order and keeps every request."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, max_attempts: int = 4) -> PlatformHttpClient:
        return PlatformHttpClient(
            transport=httpx.MockTransport(self),
            retry=RetryPolicy(max_attempts=max_attempts, base_delay_seconds=0.5),
            sleep=self.sleep,
            jitter=lambda: 1.0,
        )


def order(channel_kind: str, action: DeliveryAction, **fields: object) -> DeliveryOrder:
    values: dict[str, object] = {
        "reply_id": uuid.UUID(int=1),
        "tenant_id": uuid.UUID(int=2),
        "channel_kind": channel_kind,
        "action": action,
        "account_id": "104729384756120",
        "credentials": {
            "page_access_token": "page-token",
            "bot_token": "123:abc",
            "access_token": "vk-token",
            "user_access_token": "x-token",
        },
        "text": "Dzień dobry, sprawdzamy to.",
        "idempotency_key": KEY,
    }
    values.update(fields)
    return DeliveryOrder(**values)  # type: ignore[arg-type]


def body_of(request: httpx.Request) -> object:
    return json.loads(request.content)


async def test_facebook_comment_reply() -> None:
    recorder = Recorder(httpx.Response(200, json={"id": "987_654"}))
    receipt = await deliver(
        order("facebook_page", DeliveryAction.PUBLIC_REPLY, target_external_id="123_456"),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    (request,) = recorder.requests
    assert (request.method, str(request.url)) == (
        "POST",
        "https://graph.test/v21.0/123_456/comments",
    )
    assert request.headers["authorization"] == "Bearer page-token"
    assert body_of(request) == {"message": "Dzień dobry, sprawdzamy to."}
    assert (receipt.platform_message_id, receipt.http_attempts) == ("987_654", 1)


async def test_facebook_private_reply_to_a_comment_uses_the_send_api() -> None:
    recorder = Recorder(httpx.Response(200, json={"recipient_id": "1", "message_id": "m_1"}))
    receipt = await deliver(
        order(
            "facebook_page",
            DeliveryAction.PRIVATE_REPLY_TO_COMMENT,
            target_external_id="123_456",
            recipient_platform_id="8412093375521064",
        ),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    (request,) = recorder.requests
    assert str(request.url) == "https://graph.test/v21.0/104729384756120/messages"
    assert body_of(request) == {
        "recipient": {"comment_id": "123_456"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Dzień dobry, sprawdzamy to."},
    }
    assert receipt.platform_message_id == "m_1"


async def test_facebook_direct_message_and_like() -> None:
    recorder = Recorder(
        httpx.Response(200, json={"recipient_id": "665", "message_id": "m_2"}),
        httpx.Response(200, json={"success": True}),
    )
    client = recorder.client()
    await deliver(
        order("facebook_page", DeliveryAction.DIRECT_MESSAGE, recipient_platform_id="665"),
        client=client,
        endpoints=ENDPOINTS,
    )
    liked = await deliver(
        order("facebook_page", DeliveryAction.REACTION, target_external_id="123_456"),
        client=client,
        endpoints=ENDPOINTS,
    )
    dm, like = recorder.requests
    assert body_of(dm) == {
        "recipient": {"id": "665"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Dzień dobry, sprawdzamy to."},
    }
    assert (like.method, str(like.url)) == ("POST", "https://graph.test/v21.0/123_456/likes")
    assert liked.platform_message_id == "like:123_456"


async def test_instagram_reply_and_message() -> None:
    recorder = Recorder(
        httpx.Response(200, json={"id": "1789"}),
        httpx.Response(200, json={"recipient_id": "5", "message_id": "ig_m"}),
    )
    client = recorder.client()
    await deliver(
        order("instagram", DeliveryAction.PUBLIC_REPLY, target_external_id="17858893269000001"),
        client=client,
        endpoints=ENDPOINTS,
    )
    await deliver(
        order(
            "instagram",
            DeliveryAction.PRIVATE_REPLY_TO_COMMENT,
            target_external_id="17858893269000001",
        ),
        client=client,
        endpoints=ENDPOINTS,
    )
    reply, message = recorder.requests
    assert str(reply.url) == "https://graph.test/v21.0/17858893269000001/replies"
    assert body_of(reply) == {"message": "Dzień dobry, sprawdzamy to."}
    assert str(message.url) == "https://graph.test/v21.0/104729384756120/messages"
    assert body_of(message) == {
        "recipient": {"comment_id": "17858893269000001"},
        "message": {"text": "Dzień dobry, sprawdzamy to."},
    }


async def test_x_reply_dm_and_like() -> None:
    recorder = Recorder(
        httpx.Response(201, json={"data": {"id": "1866", "text": "…"}}),
        httpx.Response(201, json={"data": {"dm_conversation_id": "1-2", "dm_event_id": "177"}}),
        httpx.Response(200, json={"data": {"liked": True}}),
    )
    client = recorder.client()
    post = await deliver(
        order("x", DeliveryAction.PUBLIC_REPLY, target_external_id="1866000000000000001"),
        client=client,
        endpoints=ENDPOINTS,
    )
    dm = await deliver(
        order("x", DeliveryAction.DIRECT_MESSAGE, recipient_platform_id="99"),
        client=client,
        endpoints=ENDPOINTS,
    )
    await deliver(
        order("x", DeliveryAction.REACTION, target_external_id="1866000000000000001"),
        client=client,
        endpoints=ENDPOINTS,
    )
    tweet, message, like = recorder.requests
    assert str(tweet.url) == "https://x.test/2/tweets"
    assert tweet.headers["authorization"] == "Bearer x-token"
    assert body_of(tweet) == {
        "text": "Dzień dobry, sprawdzamy to.",
        "reply": {"in_reply_to_tweet_id": "1866000000000000001"},
    }
    assert str(message.url) == "https://x.test/2/dm_conversations/with/99/messages"
    assert body_of(message) == {"text": "Dzień dobry, sprawdzamy to."}
    assert str(like.url) == "https://x.test/2/users/104729384756120/likes"
    assert body_of(like) == {"tweet_id": "1866000000000000001"}
    assert (post.platform_message_id, dm.platform_message_id) == ("1866", "177")


async def test_telegram_send_message_replies_to_the_customer_message() -> None:
    recorder = Recorder(httpx.Response(200, json={"ok": True, "result": {"message_id": 42}}))
    receipt = await deliver(
        order("telegram", DeliveryAction.DIRECT_MESSAGE, target_external_id="5512:17"),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    (request,) = recorder.requests
    assert str(request.url) == "https://telegram.test/bot123:abc/sendMessage"
    assert body_of(request) == {
        "chat_id": "5512",
        "text": "Dzień dobry, sprawdzamy to.",
        "reply_parameters": {"message_id": 17},
    }
    assert receipt.platform_message_id == "5512:42"


async def test_telegram_business_chat_and_reaction() -> None:
    recorder = Recorder(
        httpx.Response(200, json={"ok": True, "result": {"message_id": 9}}),
        httpx.Response(200, json={"ok": True, "result": True}),
    )
    client = recorder.client()
    await deliver(
        order(
            "telegram",
            DeliveryAction.DIRECT_MESSAGE,
            target_external_id="conn1:5512:17",
            target_extra={"business_connection_id": "conn1"},
        ),
        client=client,
        endpoints=ENDPOINTS,
    )
    await deliver(
        order(
            "telegram", DeliveryAction.REACTION, target_external_id="-100219:3302", reaction="heart"
        ),
        client=client,
        endpoints=ENDPOINTS,
    )
    business, reaction = recorder.requests
    assert body_of(business) == {
        "chat_id": "5512",
        "text": "Dzień dobry, sprawdzamy to.",
        "reply_parameters": {"message_id": 17},
        "business_connection_id": "conn1",
    }
    assert str(reaction.url) == "https://telegram.test/bot123:abc/setMessageReaction"
    assert body_of(reaction) == {
        "chat_id": "-100219",
        "message_id": 3302,
        "reaction": [{"type": "emoji", "emoji": "❤"}],
    }


async def test_vk_wall_comment_carries_guid_and_version() -> None:
    recorder = Recorder(httpx.Response(200, json={"response": {"comment_id": 77}}))
    receipt = await deliver(
        order(
            "vk",
            DeliveryAction.PUBLIC_REPLY,
            account_id="227771234",
            target_external_id="-227771234_1850",
            target_root_external_id="-227771234_1843",
        ),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    (request,) = recorder.requests
    assert str(request.url) == "https://vk.test/method/wall.createComment"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(request.content.decode())) == {
        "owner_id": "-227771234",
        "post_id": "1843",
        "message": "Dzień dobry, sprawdzamy to.",
        "from_group": "227771234",
        "guid": KEY,
        "reply_to_comment": "1850",
        "access_token": "vk-token",
        "v": "5.199",
    }
    assert receipt.platform_message_id == "-227771234_77"


async def test_vk_message_random_id_is_the_same_on_every_attempt() -> None:
    recorder = Recorder(
        httpx.Response(200, json={"error": {"error_code": 10, "error_msg": "Internal error"}}),
        httpx.Response(200, json={"response": 5501}),
    )
    receipt = await deliver(
        order(
            "vk",
            DeliveryAction.DIRECT_MESSAGE,
            account_id="227771234",
            recipient_platform_id="71234",
        ),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    first, second = (dict(httpx.QueryParams(r.content.decode())) for r in recorder.requests)
    assert first == second
    assert first["random_id"] == str(int(KEY[:8], 16) & 0x7FFFFFFF)
    assert (first["peer_id"], first["message"]) == ("71234", "Dzień dobry, sprawdzamy to.")
    assert (receipt.platform_message_id, receipt.http_attempts) == ("227771234:5501", 2)


async def test_429_honours_retry_after_then_delivers_once() -> None:
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"title": "Too Many Requests"}),
        httpx.Response(201, json={"data": {"id": "1867"}}),
    )
    receipt = await deliver(
        order("x", DeliveryAction.PUBLIC_REPLY, target_external_id="1866"),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    assert recorder.sleeps == [3.0]
    assert len(recorder.requests) == 2
    assert (receipt.platform_message_id, receipt.http_attempts) == ("1867", 2)


async def test_5xx_backs_off_exponentially_and_gives_up_bounded() -> None:
    recorder = Recorder(*(httpx.Response(503, json={}) for _ in range(3)))
    with pytest.raises(TransientDeliveryError) as raised:
        await deliver(
            order("facebook_page", DeliveryAction.PUBLIC_REPLY, target_external_id="1_2"),
            client=recorder.client(max_attempts=3),
            endpoints=ENDPOINTS,
        )
    assert recorder.sleeps == [0.5, 1.0]
    assert (raised.value.message, raised.value.attempts) == ("HTTP 503", 3)


async def test_a_long_retry_after_ends_the_attempt_for_the_job_to_retry() -> None:
    recorder = Recorder(
        httpx.Response(
            429,
            json={
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 600",
                "parameters": {"retry_after": 600},
            },
        )
    )
    with pytest.raises(TransientDeliveryError) as raised:
        await deliver(
            order("telegram", DeliveryAction.DIRECT_MESSAGE, recipient_platform_id="5512"),
            client=recorder.client(),
            endpoints=ENDPOINTS,
        )
    assert raised.value.retry_after == 600.0
    assert recorder.sleeps == []


async def test_timeouts_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"id": "1_9"})

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = PlatformHttpClient(
        transport=httpx.MockTransport(handler), sleep=sleep, jitter=lambda: 0.0
    )
    receipt = await deliver(
        order("facebook_page", DeliveryAction.PUBLIC_REPLY, target_external_id="1_2"),
        client=client,
        endpoints=ENDPOINTS,
    )
    assert (receipt.platform_message_id, receipt.http_attempts, sleeps) == ("1_9", 2, [0.25])


@pytest.mark.parametrize(
    ("channel_kind", "response", "message"),
    [
        (
            "facebook_page",
            httpx.Response(
                400,
                json={
                    "error": {
                        "message": "(#100) Invalid parameter",
                        "type": "OAuthException",
                        "code": 100,
                    }
                },
            ),
            "(#100) Invalid parameter",
        ),
        (
            "x",
            httpx.Response(
                403, json={"title": "Forbidden", "detail": "You are not allowed to reply"}
            ),
            "You are not allowed to reply",
        ),
        (
            "telegram",
            httpx.Response(
                400,
                json={
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to be replied not found",
                },
            ),
            "Bad Request: message to be replied not found",
        ),
        (
            "vk",
            httpx.Response(200, json={"error": {"error_code": 15, "error_msg": "Access denied"}}),
            "Access denied",
        ),
    ],
)
async def test_permanent_refusals_carry_the_platform_message(
    channel_kind: str, response: httpx.Response, message: str
) -> None:
    recorder = Recorder(response)
    with pytest.raises(PermanentDeliveryError) as raised:
        await deliver(
            order(
                channel_kind,
                DeliveryAction.PUBLIC_REPLY,
                target_external_id="-100219:3302" if channel_kind == "telegram" else "-1_2",
                target_root_external_id="-1_2",
            ),
            client=recorder.client(),
            endpoints=ENDPOINTS,
        )
    assert raised.value.message == message
    assert len(recorder.requests) == 1


async def test_meta_throttling_codes_are_retried_though_the_status_is_400() -> None:
    recorder = Recorder(
        httpx.Response(
            400, json={"error": {"message": "(#4) Application request limit reached", "code": 4}}
        ),
        httpx.Response(200, json={"id": "1_3"}),
    )
    receipt = await deliver(
        order("facebook_page", DeliveryAction.PUBLIC_REPLY, target_external_id="1_2"),
        client=recorder.client(),
        endpoints=ENDPOINTS,
    )
    assert receipt.http_attempts == 2


async def test_missing_credentials_fail_permanently_without_a_request() -> None:
    recorder = Recorder()
    with pytest.raises(PermanentDeliveryError, match="no bot_token secret"):
        await deliver(
            order(
                "telegram", DeliveryAction.DIRECT_MESSAGE, credentials={}, recipient_platform_id="1"
            ),
            client=recorder.client(),
            endpoints=ENDPOINTS,
        )
    assert recorder.requests == []


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Mon, 30 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
