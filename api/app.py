"""The Starlette application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from api.auth.backend import BearerTokenBackend, unauthorized
from api.auth.discovery import jwks, oauth_authorization_server, openid_configuration
from api.auth.oauth.routes import oauth_routes
from api.graphql.endpoint import ParleyGraphQL
from api.graphql.schema import build_schema
from api.graphql.trusted_documents import TrustedDocuments
from api.health import healthz, readyz
from api.services import Services, build_services
from api.webhooks import webhook_routes
from api.webhooks.bypass import WebhookBypass
from domain.settings import Settings
from domain.shared.ports import JobQueue


def create_app(
    settings: Settings, *, queue: JobQueue | None = None, services: Services | None = None
) -> Starlette:
    """Build the HTTP app and its clients from `settings`.

    `queue` is the job queue the composition root chose (arq on Redis, or the
    in-process runner of the embedded default); the API enqueues jobs only
    through it. Clients are closed when the app's lifespan ends.
    """
    app_services = services or build_services(settings, queue=queue)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await app_services.aclose()

    production = settings.environment == "production"
    graphql_app = ParleyGraphQL(
        build_schema(production=production),
        graphql_ide=None if production else "graphiql",
        websocket_allowed_origins=settings.websocket_allowed_origins,
        trusted_documents=(
            TrustedDocuments.from_directory() if settings.graphql_trusted_documents_only else None
        ),
    )
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/.well-known/openid-configuration", openid_configuration),
            Route("/.well-known/oauth-authorization-server", oauth_authorization_server),
            Route("/.well-known/jwks.json", jwks),
            *oauth_routes(),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            *webhook_routes(),
        ],
        middleware=[
            # Webhooks are posted server to server: neither CORS nor bearer tokens apply.
            Middleware(WebhookBypass),
            # Outermost for the rest, so preflights are answered before routing and auth.
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            ),
            Middleware(
                AuthenticationMiddleware,
                backend=BearerTokenBackend(app_services.tokens),
                on_error=unauthorized,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.services = app_services
    return app
