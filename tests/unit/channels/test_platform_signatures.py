import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from domain.channels.platforms.signatures import (
    is_vk_confirmation,
    meta_challenge_response,
    sign_generic,
    verify_generic,
    verify_meta_signature,
    verify_telegram_secret,
    verify_x_signature,
    vk_secret_matches,
    x_crc_response_token,
)
from tests.unit.channels.webhook_fixture_manifests import (
    Fixture,
    fixture,
    fixtures,
    manifest,
    params,
)

META_FIXTURES = fixtures("facebook", "instagram", webhook_only=True)
X_FIXTURES = fixtures("x", webhook_only=True)
TELEGRAM_FIXTURES = fixtures("telegram", webhook_only=True)
VK_SIGNED_FIXTURES = [f for f in fixtures("vk", webhook_only=True) if b'"secret"' in f.body]


def _one_byte_changed(body: bytes) -> bytes:
    tampered = bytearray(body)
    tampered[len(tampered) // 2] ^= 0x01
    return bytes(tampered)


def _reserialised(body: bytes) -> bytes:
    return json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")


def _secret(item: Fixture) -> str:
    return str(manifest(item.platform)["test_secret"])


# --- Meta (Facebook, Instagram) ---------------------------------------------------------


@pytest.mark.parametrize("item", params(META_FIXTURES))
def test_meta_manifest_header_verifies(item: Fixture) -> None:
    header = item.headers["X-Hub-Signature-256"]
    assert verify_meta_signature(_secret(item), item.body, header) is True


@pytest.mark.parametrize("item", params(META_FIXTURES))
def test_meta_header_fails_with_wrong_secret_or_changed_body(item: Fixture) -> None:
    header = item.headers["X-Hub-Signature-256"]
    assert verify_meta_signature(_secret(item) + "x", item.body, header) is False
    assert verify_meta_signature(_secret(item), _one_byte_changed(item.body), header) is False
    assert verify_meta_signature(_secret(item), item.body + b"\n", header) is False


@pytest.mark.parametrize("item", params(META_FIXTURES))
def test_meta_reserialised_body_does_not_verify(item: Fixture) -> None:
    # The wire form escapes non-ASCII and "/"; a parse-and-dump copy is different bytes.
    reserialised = _reserialised(item.body)
    assert reserialised != item.body
    header = item.headers["X-Hub-Signature-256"]
    assert verify_meta_signature(_secret(item), reserialised, header) is False


def test_meta_signature_rejects_missing_malformed_and_legacy_headers() -> None:
    item = fixture("facebook", "02_")
    secret = _secret(item)
    good = item.headers["X-Hub-Signature-256"]
    assert verify_meta_signature(secret, item.body, None) is False
    assert verify_meta_signature(secret, item.body, "") is False
    assert verify_meta_signature(secret, item.body, good.removeprefix("sha256=")) is False
    assert verify_meta_signature(secret, item.body, item.headers["X-Hub-Signature"]) is False
    assert verify_meta_signature(secret, item.body, "sha256=ż" + good[8:]) is False
    assert verify_meta_signature("", item.body, good) is False


def test_meta_signature_accepts_uppercase_hex_and_surrounding_space() -> None:
    item = fixture("facebook", "02_")
    header = "sha256=" + item.headers["X-Hub-Signature-256"].removeprefix("sha256=").upper()
    assert verify_meta_signature(_secret(item), item.body, f" {header} ") is True


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        # Published third-party vectors (listed in sign.py).
        (
            "secret",
            b"test",
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
        ),
        (
            "It's a Secret to Everybody",
            b"Hello, World!",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        ),
    ],
)
def test_meta_signature_known_vectors(secret: str, body: bytes, header: str) -> None:
    assert verify_meta_signature(secret, body, header) is True


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_meta_handshake_answers_the_challenge(platform: str) -> None:
    handshake = manifest(platform)["handshake"]
    query = dict(parse_qsl(urlsplit(handshake["request"].split(" ", 1)[1]).query))
    expected = handshake["expected_response"]["body"]
    assert expected == {"facebook": "1158201444", "instagram": "2093847561"}[platform]
    assert meta_challenge_response(query, handshake["verify_token"]) == expected


def test_meta_handshake_refuses_wrong_token_mode_or_missing_parts() -> None:
    handshake = manifest("facebook")["handshake"]
    query = dict(parse_qsl(urlsplit(handshake["request"].split(" ", 1)[1]).query))
    token = handshake["verify_token"]
    assert meta_challenge_response(query, "solvia-verify-0000") is None
    assert meta_challenge_response({**query, "hub.mode": "unsubscribe"}, token) is None
    assert (
        meta_challenge_response({k: v for k, v in query.items() if k != "hub.mode"}, token) is None
    )
    without_token = {k: v for k, v in query.items() if k != "hub.verify_token"}
    assert meta_challenge_response(without_token, token) is None
    assert meta_challenge_response({**query, "hub.challenge": ""}, token) is None
    assert meta_challenge_response({**query, "hub.verify_token": ""}, "") is None


# --- X ----------------------------------------------------------------------------------


@pytest.mark.parametrize("item", params(X_FIXTURES))
def test_x_manifest_header_verifies(item: Fixture) -> None:
    header = item.headers["X-Twitter-Webhooks-Signature"]
    assert verify_x_signature(_secret(item), item.body, header) is True


@pytest.mark.parametrize("item", params(X_FIXTURES))
def test_x_header_fails_with_wrong_secret_changed_or_reserialised_body(item: Fixture) -> None:
    header = item.headers["X-Twitter-Webhooks-Signature"]
    secret = _secret(item)
    assert verify_x_signature(secret + "x", item.body, header) is False
    assert verify_x_signature(secret, _one_byte_changed(item.body), header) is False
    assert verify_x_signature(secret, _reserialised(item.body), header) is False


def test_x_signature_rejects_missing_and_hex_headers() -> None:
    item = fixture("x", "01_")
    secret = _secret(item)
    hex_form = "sha256=" + hmac.new(secret.encode(), item.body, hashlib.sha256).hexdigest()
    assert verify_x_signature(secret, item.body, None) is False
    assert verify_x_signature(secret, item.body, hex_form) is False
    assert verify_x_signature("", item.body, item.headers["X-Twitter-Webhooks-Signature"]) is False


def test_x_crc_answer_matches_the_manifest() -> None:
    handshake = manifest("x")["handshake"]
    crc_token = dict(parse_qsl(urlsplit(handshake["request"].split(" ", 1)[1]).query))["crc_token"]
    assert crc_token == "9b4507b3-9040-4669-9ca3-6b94edb50553"
    assert (
        x_crc_response_token(manifest("x")["test_secret"], crc_token)
        == (handshake["expected_response"]["body"]["response_token"])
    )


def test_x_crc_answer_matches_the_public_sample() -> None:
    assert (
        x_crc_response_token(
            "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu",
            "9b4507b3-9040-4669-9ca3-6b94edb50553",
        )
        == "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="
    )


# --- Telegram ---------------------------------------------------------------------------


@pytest.mark.parametrize("item", params(TELEGRAM_FIXTURES))
def test_telegram_manifest_secret_header_verifies(item: Fixture) -> None:
    header = item.headers["X-Telegram-Bot-Api-Secret-Token"]
    assert verify_telegram_secret(_secret(item), header) is True
    assert verify_telegram_secret(_secret(item) + "x", header) is False
    assert verify_telegram_secret(_secret(item), header[:-1]) is False


def test_telegram_secret_rejects_missing_header_and_empty_configuration() -> None:
    assert verify_telegram_secret("solvia_tg_wh_7Qm2pX9vLk4Rz8Tn", None) is False
    assert verify_telegram_secret("", "") is False
    assert (
        verify_telegram_secret("solvia_tg_wh_7Qm2pX9vLk4Rz8Tn", "solvia_tg_wh_7Qm2pX9vLk4Rz8Tń")
        is False
    )


# --- VK ---------------------------------------------------------------------------------


@pytest.mark.parametrize("item", params(VK_SIGNED_FIXTURES))
def test_vk_body_secret_matches(item: Fixture) -> None:
    payload = json.loads(item.body)
    assert vk_secret_matches(_secret(item), payload) is True
    assert vk_secret_matches(_secret(item) + "x", payload) is False


def test_vk_fixtures_with_a_secret_cover_every_callback_event() -> None:
    assert [f.file for f in VK_SIGNED_FIXTURES] == [
        f.file for f in fixtures("vk", webhook_only=True) if not f.file.startswith("01_")
    ]


def test_vk_secret_missing_is_refused_except_on_confirmation() -> None:
    secret = manifest("vk")["test_secret"]
    event = json.loads(fixture("vk", "03_").body)
    del event["secret"]
    assert vk_secret_matches(secret, event) is False
    assert vk_secret_matches(secret, {**event, "secret": 12345}) is False
    confirmation = json.loads(fixture("vk", "01_").body)
    assert confirmation == {"type": "confirmation", "group_id": 227771234}
    assert vk_secret_matches(secret, confirmation) is True
    assert vk_secret_matches(secret, {**confirmation, "secret": "wrong"}) is False
    assert vk_secret_matches("", confirmation) is False


def test_vk_confirmation_is_recognised() -> None:
    assert manifest("vk")["handshake"]["expected_response"]["body"] == "5e8c1f27"
    assert is_vk_confirmation(json.loads(fixture("vk", "01_").body)) is True
    assert is_vk_confirmation(json.loads(fixture("vk", "02_").body)) is False


# --- Our own signed webhook ---------------------------------------------------------------

GENERIC_SECRET = "whsec_solvia_generic_5f1c"
GENERIC_BODY = '{"event":"mention.created","id":"gm-1","text":"Zamówienie PL-2025-118734"}'.encode()
SIGNED_AT = 1741950000


def test_generic_signature_format_is_hmac_over_timestamp_dot_body() -> None:
    expected = hmac.new(
        GENERIC_SECRET.encode(), b"1741950000." + GENERIC_BODY, hashlib.sha256
    ).hexdigest()
    assert sign_generic(GENERIC_SECRET, SIGNED_AT, GENERIC_BODY) == f"v1={expected}"


@pytest.mark.parametrize("age", [0, 1, 299, 300, -300])
def test_generic_accepts_a_fresh_signature(age: int) -> None:
    signature = sign_generic(GENERIC_SECRET, SIGNED_AT, GENERIC_BODY)
    assert verify_generic(
        GENERIC_SECRET, GENERIC_BODY, signature, str(SIGNED_AT), now=SIGNED_AT + age
    )


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_generic_refuses_a_stale_or_future_signature(age: int) -> None:
    signature = sign_generic(GENERIC_SECRET, SIGNED_AT, GENERIC_BODY)
    assert not verify_generic(
        GENERIC_SECRET, GENERIC_BODY, signature, str(SIGNED_AT), now=SIGNED_AT + age
    )


def test_generic_tolerance_is_configurable() -> None:
    signature = sign_generic(GENERIC_SECRET, SIGNED_AT, GENERIC_BODY)
    stamp = str(SIGNED_AT)
    now = SIGNED_AT + 60
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, signature, stamp, now, 30)
    assert verify_generic(GENERIC_SECRET, GENERIC_BODY, signature, stamp, now, 60)


def test_generic_refuses_wrong_signatures() -> None:
    signature = sign_generic(GENERIC_SECRET, SIGNED_AT, GENERIC_BODY)
    stamp = str(SIGNED_AT)
    now = SIGNED_AT + 10
    assert not verify_generic("other-secret", GENERIC_BODY, signature, stamp, now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY + b" ", signature, stamp, now)
    # The timestamp is signed: moving it forward to look fresh breaks the signature.
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, signature, str(SIGNED_AT + 5), now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, signature[3:], stamp, now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, "v1=" + "0" * 64, stamp, now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, None, stamp, now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, signature, None, now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, signature, "17419e5", now)
    assert not verify_generic(GENERIC_SECRET, GENERIC_BODY, signature, "-1741950000", now)
    assert not verify_generic(
        "", GENERIC_BODY, sign_generic("", SIGNED_AT, GENERIC_BODY), stamp, now
    )


def test_generic_accepts_any_listed_signature_during_rotation() -> None:
    old = sign_generic("old-secret", SIGNED_AT, GENERIC_BODY)
    new = sign_generic(GENERIC_SECRET, SIGNED_AT, GENERIC_BODY)
    header = f"{old}, {new}"
    assert verify_generic(GENERIC_SECRET, GENERIC_BODY, header, str(SIGNED_AT), SIGNED_AT)
    assert verify_generic("old-secret", GENERIC_BODY, header, str(SIGNED_AT), SIGNED_AT)
    assert not verify_generic("third-secret", GENERIC_BODY, header, str(SIGNED_AT), SIGNED_AT)
