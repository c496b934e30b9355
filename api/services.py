"""The API process's long-lived parts, built once by `create_app`."""

from dataclasses import dataclass

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from api.auth.keys import load_or_create_signing_key
from api.auth.tokens import TokenService
from domain.bootstrap import build_database
from domain.db.session import Database
from domain.settings import Settings
from domain.shared.ports import JobQueue, SearchIndex
from search.factory import create_search_index


@dataclass
class Services:
    """Database, search, queue, Redis and tokens of one API process."""

    settings: Settings
    database: Database
    search: SearchIndex
    tokens: TokenService
    queue: JobQueue | None
    redis: Redis | None

    async def aclose(self) -> None:
        """Close every client; safe to call once at shutdown."""
        await self.search.close()
        if self.queue is not None:
            await self.queue.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.database.dispose()


def build_token_service(settings: Settings) -> TokenService:
    return TokenService(
        load_or_create_signing_key(settings.resolved_jwt_key_path()),
        issuer=settings.issuer,
        audience=settings.token_audience,
    )


def build_services(settings: Settings, *, queue: JobQueue | None) -> Services:
    """Build the clients (no connection is opened until first use)."""
    database = build_database(settings)
    search = create_search_index(
        opensearch_url=settings.opensearch_url,
        prefix=settings.search_index_prefix,
        sqlite_engine=database.engine if settings.opensearch_url is None else None,
    )
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    return Services(
        settings=settings,
        database=database,
        search=search,
        tokens=build_token_service(settings),
        queue=queue,
        redis=redis,
    )


def services_of(conn: HTTPConnection) -> Services:
    """The services of the app serving this request."""
    services: Services = conn.app.state.services
    return services
