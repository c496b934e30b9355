"""Starlette ↔ authlib: a Starlette request in, a Starlette response out.

authlib's server classes are framework-neutral and synchronous: they read an
`OAuth2Request` and answer `(status, body, headers)`. Reading a request body
is asynchronous in Starlette, so the form is read first (`read_form`) and the
request handed to authlib carries it already parsed.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: OAuth requests are a handful of short fields; anything bigger is refused unread.
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 50

Params = ImmutableMultiDict[str, str]
EMPTY_PARAMS: Params = ImmutableMultiDict()


class FormError(Exception):
    """The body is not a small `application/x-www-form-urlencoded` form."""


async def read_form(request: Request) -> Params:
    """The urlencoded form of a POST (empty for other methods); `FormError` otherwise.

    OAuth 2 sends every POST as `application/x-www-form-urlencoded`
    (RFC 6749 §3.2, §4.1.3), so no other encoding is accepted.
    """
    if request.method != "POST":
        return EMPTY_PARAMS
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_CONTENT_TYPE:
        raise FormError(f"send the body as {FORM_CONTENT_TYPE}")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        raise FormError("the form is too large")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormError("the form is too large")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise FormError("the form cannot be parsed") from error
    return ImmutableMultiDict(pairs)


def first_values(params: Params) -> dict[str, str]:
    """Each name's first value (authlib reads single values; repeats are checked separately)."""
    values: dict[str, str] = {}
    for key, value in params.multi_items():
        values.setdefault(key, value)
    return values


class ParamsPayload(OAuth2Payload):  # type: ignore[misc]
    """The OAuth parameters of a request, from its query string or its form."""

    def __init__(self, params: Params) -> None:
        self._data = first_values(params)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in params.multi_items():
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """An `OAuth2Request` over an already-read Starlette request.

    `payload` holds the OAuth parameters: the query string at the
    authorization endpoint, the form at the token, revocation and
    introspection endpoints (never both, so a secret in a URL is ignored).
    """

    def __init__(
        self,
        *,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Params,
        form: Params,
        payload: Params,
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._query = first_values(query)
        self._form = first_values(form)
        self.payload = ParamsPayload(payload)

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


def to_oauth2_request(
    request: Request, *, base_url: str, form: Params, parameters_in: str
) -> StarletteOAuth2Request:
    """The authlib request for `request`, whose form was read with `read_form`.

    The URI is built on `base_url` (the configured public URL) rather than on
    the Host header, so authlib's HTTPS check judges the address clients use,
    even behind a TLS-terminating proxy. `parameters_in` is "query" or "form".
    Raises authlib's `InsecureTransportError` when that URL is plain http on a
    non-loopback host.
    """
    if parameters_in not in ("query", "form"):
        raise ValueError("parameters_in is 'query' or 'form'")
    query = ImmutableMultiDict(request.query_params.multi_items())
    uri = base_url.rstrip("/") + request.url.path
    if request.url.query:
        uri += "?" + request.url.query
    return StarletteOAuth2Request(
        method=request.method,
        uri=uri,
        headers=request.headers,
        query=query,
        form=form,
        payload=query if parameters_in == "query" else form,
    )


def claimed_client_id(headers: Mapping[str, str], form: Params) -> str | None:
    """The client id a token-style request claims (HTTP Basic first, then the form).

    Only a claim: authlib authenticates it. It names the tenant to work in.
    """
    basic_id, _secret = extract_basic_authorization(headers)
    if basic_id:
        return str(basic_id)
    return first_values(form).get("client_id") or None


@dataclass(frozen=True, slots=True)
class OAuthResponse:
    """authlib's answer: status, body (a JSON object or text) and headers."""

    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status < 400


def to_starlette_response(answer: OAuthResponse) -> Response:
    """The Starlette response for authlib's answer; never cached (RFC 6749 §5.1)."""
    if isinstance(answer.body, Mapping):
        content = json.dumps(answer.body, separators=(",", ":")).encode("utf-8")
    else:
        content = str(answer.body or "").encode("utf-8")
    response = Response(content, status_code=answer.status)
    for name, value in _headers(answer.headers):
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _headers(headers: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    return ((str(name), str(value)) for name, value in headers)
