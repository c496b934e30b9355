"""Liveness and readiness endpoints."""

import asyncio
from collections.abc import Awaitable

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.services import Services, services_of

_CHECK_TIMEOUT_SECONDS = 3.0


async def healthz(request: Request) -> JSONResponse:
    """The process is alive (no dependency is checked)."""
    return JSONResponse({"status": "ok"})


async def _answers(check: Awaitable[object]) -> bool:
    try:
        return bool(await asyncio.wait_for(check, _CHECK_TIMEOUT_SECONDS))
    except Exception:
        return False


async def readiness(services: Services) -> dict[str, str]:
    """Each dependency: "ok", "down", or "embedded" where the default runs in-process."""
    checks: dict[str, str] = {}
    checks["database"] = "ok" if await _answers(services.database.ping()) else "down"
    if services.redis is None:
        checks["redis"] = "embedded"
    else:
        checks["redis"] = "ok" if await _answers(services.redis.ping()) else "down"
    checks["search"] = "ok" if await _answers(services.search.ping()) else "down"
    if services.queue is None:
        checks["queue"] = "down"
    else:
        checks["queue"] = "ok" if await _answers(services.queue.ping()) else "down"
    return checks


async def readyz(request: Request) -> JSONResponse:
    """200 when every dependency answers; 503 naming the failing ones otherwise."""
    checks = await readiness(services_of(request))
    failing = sorted(name for name, state in checks.items() if state == "down")
    status = 503 if failing else 200
    body: dict[str, object] = {"status": "unavailable" if failing else "ready", "checks": checks}
    if failing:
        body["failing"] = failing
    return JSONResponse(body, status_code=status)
