"""The server-rendered sign-in, consent and error pages.

Plain HTML from `string.Template`; every value is passed through
`html.escape` first. The pages load nothing from elsewhere, refuse to be
framed (clickjacking) and are never cached.
"""

import html
from collections.abc import Sequence
from string import Template

from starlette.responses import HTMLResponse

#: What each scope lets an application do, in the consent page's words.
SCOPE_DESCRIPTIONS = {
    "inbox:read": "Read the inbox: conversations, mentions, customers, brands and channels",
    "inbox:write": "Work on conversations: assign, change status, add notes, correct triage",
    "replies:send": "Send replies to customers on the brands' channels",
    "approvals": "Approve or reject Q&A entries, tone guidelines and replies",
    "reports:read": "Read client reports and the audit trail",
    "admin": "Manage the agency: members, brands, channels, SLA policies and API clients",
    "openid": "Know who you are",
    "profile": "See your name",
    "email": "See your e-mail address",
}

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

_LAYOUT = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · Parley</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.4rem} label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.2rem}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.6rem}
li{margin:.3rem 0} .muted{color:#5b6472}
</style>
</head>
<body>
$body
</body>
</html>
""")

_LOGIN = Template("""<h1>Sign in to continue to $client_name</h1>
$error
<form method="post" action="$action">
<input type="hidden" name="csrf_token" value="$csrf_token">
<input type="hidden" name="action" value="login">
<label for="tenant">Agency</label>
<input id="tenant" name="tenant" value="$tenant" autocomplete="organization" required>
<label for="email">E-mail</label>
<input id="email" name="email" type="email" value="$email" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
""")

_CONSENT = Template("""<h1>$client_name wants to act for you</h1>
<p>Signed in as <strong>$email</strong> in <strong>$tenant_name</strong>.</p>
<p>If you allow it, $client_name may:</p>
<ul>
$granted
</ul>
$withheld
<form method="post" action="$action">
<input type="hidden" name="csrf_token" value="$csrf_token">
<button type="submit" name="action" value="approve">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>
""")

_ERROR = Template("""<h1>$title</h1>
<p>$message</p>
""")


def _page(title: str, body: str, *, status: int) -> HTMLResponse:
    content = _LAYOUT.substitute(title=html.escape(title), body=body)
    return HTMLResponse(content, status_code=status, headers=SECURITY_HEADERS)


def describe_scope(scope: str) -> str:
    return SCOPE_DESCRIPTIONS.get(scope, scope)


def login_page(
    *,
    client_name: str,
    action: str,
    csrf_token: str,
    tenant: str = "",
    email: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The sign-in form; the password is never written back into it."""
    body = _LOGIN.substitute(
        client_name=html.escape(client_name),
        error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
        action=html.escape(action),
        csrf_token=html.escape(csrf_token),
        tenant=html.escape(tenant),
        email=html.escape(email),
    )
    return _page("Sign in", body, status=status)


def consent_page(
    *,
    client_name: str,
    email: str,
    tenant_name: str,
    action: str,
    csrf_token: str,
    granted: Sequence[str],
    withheld: Sequence[str],
) -> HTMLResponse:
    """The consent form listing what the token would allow (and what the role withholds)."""
    granted_items = "\n".join(
        f'<li data-scope="{html.escape(scope)}">{html.escape(describe_scope(scope))} '
        f'<span class="muted">({html.escape(scope)})</span></li>'
        for scope in granted
    )
    withheld_note = (
        '<p class="muted">Not available to your role, so not granted: '
        + html.escape(", ".join(withheld))
        + "</p>"
        if withheld
        else ""
    )
    body = _CONSENT.substitute(
        client_name=html.escape(client_name),
        email=html.escape(email),
        tenant_name=html.escape(tenant_name),
        granted=granted_items,
        withheld=withheld_note,
        action=html.escape(action),
        csrf_token=html.escape(csrf_token),
    )
    return _page("Allow access", body, status=200)


def error_page(title: str, message: str, *, status: int = 400) -> HTMLResponse:
    """A dead end shown instead of redirecting to a URI that was not verified."""
    body = _ERROR.substitute(title=html.escape(title), message=html.escape(message))
    return _page(title, body, status=status)
