"""The OpenID claims an authorization code carries: written once, read back, garbage ignored."""

import pytest

from api.auth.oauth.oidc_claims import CodeIdentityClaims


def test_claims_attached_to_a_code_are_read_back() -> None:
    claims = CodeIdentityClaims(nonce="n-0S6_WzA2Mj", auth_time=1_764_500_000)
    code = claims.attach_to("abc123")
    random_part, _, payload = code.partition(".")
    assert random_part == "abc123"
    assert "=" not in payload
    assert CodeIdentityClaims.read_from(code) == claims


def test_a_code_without_a_nonce_carries_only_the_sign_in_time() -> None:
    code = CodeIdentityClaims(auth_time=42).attach_to("abc")
    assert CodeIdentityClaims.read_from(code) == CodeIdentityClaims(nonce=None, auth_time=42)


@pytest.mark.parametrize(
    "code",
    [
        "plain-oauth-code",
        "abc.%%%not-base64",
        "abc.bm90IGpzb24",  # "not json"
        "abc.WzEsMl0",  # [1,2]
        "abc.eyJub25jZSI6IDEsICJhdXRoX3RpbWUiOiAieCJ9",  # wrong types
    ],
)
def test_a_plain_or_garbled_code_carries_no_claims(code: str) -> None:
    assert CodeIdentityClaims.read_from(code) == CodeIdentityClaims()
