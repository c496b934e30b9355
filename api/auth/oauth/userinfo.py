"""The OpenID Connect UserInfo endpoint (Core §5.3).

`GET` or `POST` with `Authorization: Bearer <access token>`. The token must
be valid, not revoked, carry `openid`, and speak for a user who is still an
active member of its tenant; the answer is `sub`, plus `name` with scope
`profile` and `email` with scope `email`. Refusals follow RFC 6750 §3: 401
with `WWW-Authenticate: Bearer error="invalid_token"` for a bad, revoked or
orphaned token, 403 `insufficient_scope` for a token without `openid` or a
client's own token (it speaks for no user).
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth.oauth.oidc import user_info
from api.auth.oauth.records import ResourceOwner
from api.auth.tokens import AccessToken, InvalidTokenError
from api.services import Services, services_of
from domain.db.uow import UnitOfWork
from domain.oauth import service as oauth_service
from domain.oauth.rules import format_scopes
from domain.shared.tenancy import Actor, TenantScope

USERINFO_PATH = "/oauth/userinfo"
OPENID_SCOPE = "openid"

_USERINFO_ACTOR = Actor.system("oauth-userinfo")


def _refusal(status: int, error: str | None, description: str) -> Response:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    body = {"error": error or "invalid_request", "error_description": description}
    if error == "insufficient_scope":
        challenge += f', scope="{OPENID_SCOPE}"'
    return JSONResponse(
        body,
        status_code=status,
        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
    )


def _bearer_credentials(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


async def _owner(services: Services, token: AccessToken) -> ResourceOwner | None:
    """The token's user as an active member, or None when revoked or no longer a member."""
    assert token.user_id is not None
    async with UnitOfWork(
        services.database, actor=_USERINFO_ACTOR, scope=TenantScope(token.tenant_id)
    ) as uow:
        if await oauth_service.is_access_token_revoked(uow, token_id=token.token_id):
            return None
        member = await oauth_service.load_active_member_or_none(uow, user_id=token.user_id)
    if member is None:
        return None
    return ResourceOwner(
        user_id=member.user.id,
        role=member.membership.role,
        email=member.user.email,
        name=member.user.display_name,
    )


async def userinfo(request: Request) -> Response:
    """The claims about the user an access token speaks for."""
    services = services_of(request)
    credentials = _bearer_credentials(request)
    if credentials is None:
        return _refusal(401, None, "Send the access token as a bearer token.")
    try:
        token = services.tokens.validate(credentials)
    except InvalidTokenError:
        return _refusal(401, "invalid_token", "The access token is not valid.")
    if OPENID_SCOPE not in token.scopes or token.user_id is None:
        return _refusal(403, "insufficient_scope", "The token has no user and openid scope.")
    owner = await _owner(services, token)
    if owner is None:
        return _refusal(401, "invalid_token", "The token was revoked or its user left.")
    claims = user_info(owner, format_scopes(token.scopes))
    return JSONResponse(dict(claims), headers={"Cache-Control": "no-store"})
