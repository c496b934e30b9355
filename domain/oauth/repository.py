"""Queries of API clients, authorization codes, refresh tokens and revocations.

Claims (`claim_*`) are single `UPDATE … RETURNING` statements, so two
concurrent requests can never both use one code or one refresh token.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.oauth.models import (
    ApiClient,
    ApiClientBrand,
    AuthorizationCode,
    RefreshToken,
    RevokedAccessToken,
)
from domain.shared.ids import new_id


class ApiClientRepository(ScopedRepository[ApiClient]):
    model = ApiClient

    async def get_by_client_id_or_none(self, client_id: str) -> ApiClient | None:
        result = await self.session.execute(self._select().where(ApiClient.client_id == client_id))
        return result.scalar_one_or_none()

    async def list_all(self) -> list[ApiClient]:
        result = await self.session.execute(self._select().order_by(ApiClient.created_at))
        return list(result.scalars())


class ApiClientBrandRepository(ScopedRepository[ApiClientBrand]):
    model = ApiClientBrand

    async def brand_ids_for(self, api_client_id: uuid.UUID) -> frozenset[uuid.UUID]:
        result = await self.session.execute(
            select(ApiClientBrand.brand_id).where(
                ApiClientBrand.tenant_id == self.scope.tenant_id,
                ApiClientBrand.api_client_id == api_client_id,
            )
        )
        return frozenset(result.scalars())


class AuthorizationCodeRepository(ScopedRepository[AuthorizationCode]):
    model = AuthorizationCode

    async def claim_unused(
        self, *, code_hash: str, api_client_id: uuid.UUID, now: datetime
    ) -> AuthorizationCode | None:
        """Mark the client's unexpired, unused code as used and return it; None otherwise."""
        result = await self.session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.tenant_id == self.scope.tenant_id,
                AuthorizationCode.code_hash == code_hash,
                AuthorizationCode.api_client_id == api_client_id,
                AuthorizationCode.used_at.is_(None),
                AuthorizationCode.expires_at > now,
            )
            .values(used_at=now)
            .returning(AuthorizationCode),
            execution_options={"synchronize_session": False},
        )
        return result.scalar_one_or_none()

    async def get_by_hash_or_none(self, code_hash: str) -> AuthorizationCode | None:
        result = await self.session.execute(
            self._select().where(AuthorizationCode.code_hash == code_hash)
        )
        return result.scalar_one_or_none()

    async def delete_expired(self, *, before: datetime) -> None:
        await self.session.execute(
            delete(AuthorizationCode).where(
                AuthorizationCode.tenant_id == self.scope.tenant_id,
                AuthorizationCode.expires_at < before,
            ),
            execution_options={"synchronize_session": False},
        )


class RefreshTokenRepository(ScopedRepository[RefreshToken]):
    model = RefreshToken

    async def claim_active(
        self, *, token_hash: str, api_client_id: uuid.UUID, now: datetime
    ) -> RefreshToken | None:
        """Mark the client's live refresh token as rotated and return it; None otherwise."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.tenant_id == self.scope.tenant_id,
                RefreshToken.token_hash == token_hash,
                RefreshToken.api_client_id == api_client_id,
                RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(rotated_at=now)
            .returning(RefreshToken),
            execution_options={"synchronize_session": False},
        )
        return result.scalar_one_or_none()

    async def get_by_hash_or_none(self, token_hash: str) -> RefreshToken | None:
        result = await self.session.execute(
            self._select().where(RefreshToken.token_hash == token_hash)
        )
        return result.scalar_one_or_none()

    async def revoke_family(self, *, family_id: uuid.UUID, now: datetime) -> list[RefreshToken]:
        """Revoke every token of the family; returns them all (revoked before or now)."""
        await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.tenant_id == self.scope.tenant_id,
                RefreshToken.family_id == family_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now),
            execution_options={"synchronize_session": False},
        )
        result = await self.session.execute(
            self._select()
            .where(RefreshToken.family_id == family_id)
            .execution_options(populate_existing=True)
        )
        return list(result.scalars())


class RevokedAccessTokenRepository(ScopedRepository[RevokedAccessToken]):
    model = RevokedAccessToken

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def add_all_ignoring_known(
        self, revocations: Sequence[tuple[str, datetime]], *, now: datetime
    ) -> None:
        """Record `(token_id, expires_at)` pairs; ids already recorded are left alone."""
        if not revocations:
            return
        rows = [
            {
                "id": new_id(),
                "tenant_id": self.scope.tenant_id,
                "token_id": token_id,
                "expires_at": expires_at,
                "created_at": now,
            }
            for token_id, expires_at in revocations
        ]
        insert = postgresql_insert if self.dialect == "postgresql" else sqlite_insert
        statement = insert(RevokedAccessToken).values(rows)
        await self.session.execute(
            statement.on_conflict_do_nothing(index_elements=["tenant_id", "token_id"])
        )

    async def contains(self, token_id: str) -> bool:
        result = await self.session.execute(
            select(RevokedAccessToken.id).where(
                RevokedAccessToken.tenant_id == self.scope.tenant_id,
                RevokedAccessToken.token_id == token_id,
            )
        )
        return result.first() is not None

    async def delete_expired(self, *, before: datetime) -> None:
        await self.session.execute(
            delete(RevokedAccessToken).where(
                RevokedAccessToken.tenant_id == self.scope.tenant_id,
                RevokedAccessToken.expires_at < before,
            ),
            execution_options={"synchronize_session": False},
        )
