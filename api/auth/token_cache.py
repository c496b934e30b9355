"""Access tokens already validated, remembered until they expire.

Checking an RS256 signature and the claims costs more CPU than anything else
done before a GraphQL request runs, and a client sends the same token with
every request for its whole life. The cache maps a token's exact text to its
validated meaning; a token that differs in any byte (another signature, a
tampered claim) is validated afresh. Entries are dropped at the token's `exp`
(validation itself allows 30 s of clock skew beyond it, so the cache never
accepts what validation would refuse), and the least recently used go first
when the cache is full.

Revocation is not cached here: the caller still asks the database about the
token's `jti` on every request, so a revoked token is refused at once in every
server process.
"""

import time
from collections import OrderedDict
from collections.abc import Callable

from api.auth.tokens import AccessToken, TokenService

DEFAULT_MAXSIZE = 4096


class VerifiedTokenCache:
    """`TokenService.validate` with the results remembered (module docstring)."""

    def __init__(
        self,
        tokens: TokenService,
        *,
        maxsize: int = DEFAULT_MAXSIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"the cache needs room for one token at least, got {maxsize}")
        self._tokens = tokens
        self._maxsize = maxsize
        self._clock = clock
        self._validated: OrderedDict[str, AccessToken] = OrderedDict()

    def validate(self, token: str) -> AccessToken:
        """The token's meaning; `InvalidTokenError` as `TokenService.validate` raises it."""
        now = self._clock()
        cached = self._validated.get(token)
        if cached is not None:
            if now < cached.expires_at:
                self._validated.move_to_end(token)
                return cached
            del self._validated[token]
        validated = self._tokens.validate(token, now=int(now))
        if now < validated.expires_at:
            self._validated[token] = validated
            if len(self._validated) > self._maxsize:
                self._validated.popitem(last=False)
        return validated

    def __len__(self) -> int:
        return len(self._validated)
