"""The OAuth use cases on PostgreSQL (with row-level security) and on the embedded SQLite."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from domain.authz.policy import Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.oauth import service
from domain.oauth.models import ApiClient, AuthorizationCode
from domain.oauth.rules import hash_opaque_token
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_member, make_tenant

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


@pytest.fixture(
    params=[
        pytest.param("pg_database", marks=pytest.mark.postgres, id="postgresql"),
        pytest.param("sqlite_database", id="sqlite"),
    ]
)
def database(request: pytest.FixtureRequest) -> Database:
    found: Database = request.getfixturevalue(request.param)
    return found


def uow_in(database: Database, tenant_id: uuid.UUID) -> UnitOfWork:
    return UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id))


async def new_client(database: Database, tenant_id: uuid.UUID) -> service.NewApiClient:
    async with uow_in(database, tenant_id) as uow:
        created = await service.create_api_client(
            uow,
            None,
            name="Desk",
            grant_types=["authorization_code"],
            redirect_uris=["https://app.example/cb"],
            scopes=["inbox:read"],
        )
        await uow.commit()
    return created


async def save_code(
    database: Database, tenant_id: uuid.UUID, client: ApiClient, user_id: uuid.UUID, code: str
) -> uuid.UUID:
    async with uow_in(database, tenant_id) as uow:
        saved = await service.save_authorization_code(
            uow,
            client=client,
            user_id=user_id,
            code=code,
            redirect_uri="https://app.example/cb",
            scopes=["inbox:read"],
            code_challenge="c" * 43,
            code_challenge_method="S256",
            now=NOW,
        )
        await uow.commit()
    return saved.id


async def save_refresh(
    database: Database,
    tenant_id: uuid.UUID,
    client: ApiClient,
    user_id: uuid.UUID,
    token: str,
    family_id: uuid.UUID,
) -> None:
    async with uow_in(database, tenant_id) as uow:
        await service.save_refresh_token(
            uow,
            client=client,
            user_id=user_id,
            token=token,
            family_id=family_id,
            scopes=["inbox:read"],
            access_token_id=f"jti-{token}",
            access_token_expires_at=LATER,
            now=NOW,
        )
        await uow.commit()


async def revoked(database: Database, tenant_id: uuid.UUID, token_id: str) -> bool:
    async with uow_in(database, tenant_id) as uow:
        return await service.is_access_token_revoked(uow, token_id=token_id)


async def test_a_client_is_stored_with_a_hashed_secret_and_found_only_in_its_tenant(
    database: Database,
) -> None:
    acme = await make_tenant(database, "acme")
    beta = await make_tenant(database, "beta")
    created = await new_client(database, acme)
    assert created.client_secret is not None
    assert created.client.secret_hash is not None
    assert created.client.secret_hash.startswith("$argon2id$")
    assert service.verify_client_secret(created.client, created.client_secret)
    assert not service.verify_client_secret(created.client, created.client_secret + "x")

    client_id = created.client.client_id
    async with uow_in(database, acme) as uow:
        found = await service.get_active_client_or_none(uow, client_id=client_id)
        assert found is not None
        assert found.id == created.client.id
    async with uow_in(database, beta) as uow:
        assert await service.get_active_client_or_none(uow, client_id=client_id) is None
        with pytest.raises(NotFoundError):
            await service.load_client_principal(uow, client_id=client_id, scopes=frozenset())


async def test_a_code_is_redeemed_once_and_a_second_use_revokes_its_family(
    database: Database,
) -> None:
    acme = await make_tenant(database, "acme")
    user_id = await make_member(database, acme, "agent@acme.example", Role.AGENT)
    created = await new_client(database, acme)
    code_id = await save_code(database, acme, created.client, user_id, "the-code")

    async with uow_in(database, acme) as uow:
        first = await service.redeem_authorization_code(
            uow, client=created.client, code="the-code", now=NOW
        )
        await uow.commit()
    assert first.credential is not None
    assert not first.reuse_detected
    assert first.credential.id == code_id
    await save_refresh(database, acme, created.client, user_id, "prt_one", code_id)

    async with uow_in(database, acme) as uow:
        second = await service.redeem_authorization_code(
            uow, client=created.client, code="the-code", now=NOW
        )
        await uow.commit()
    assert (second.credential, second.reuse_detected) == (None, True)
    assert await revoked(database, acme, "jti-prt_one")
    async with uow_in(database, acme) as uow:
        rotated = await service.rotate_refresh_token(
            uow, client=created.client, token="prt_one", now=NOW
        )
    assert (rotated.credential, rotated.reuse_detected) == (None, False)


async def test_unknown_expired_and_other_clients_codes_give_nothing(database: Database) -> None:
    acme = await make_tenant(database, "acme")
    user_id = await make_member(database, acme, "agent@acme.example", Role.AGENT)
    created = await new_client(database, acme)
    other = await new_client(database, acme)
    await save_code(database, acme, created.client, user_id, "the-code")
    async with uow_in(database, acme) as uow:
        for client, code, now in [
            (created.client, "another-code", NOW),
            (other.client, "the-code", NOW),
            (created.client, "the-code", NOW + timedelta(minutes=5)),
        ]:
            redemption = await service.redeem_authorization_code(
                uow, client=client, code=code, now=now
            )
            assert (redemption.credential, redemption.reuse_detected) == (None, False)


async def test_a_rotated_refresh_token_presented_again_revokes_the_family(
    database: Database,
) -> None:
    acme = await make_tenant(database, "acme")
    user_id = await make_member(database, acme, "agent@acme.example", Role.AGENT)
    created = await new_client(database, acme)
    family_id = uuid.uuid4()
    await save_refresh(database, acme, created.client, user_id, "prt_a", family_id)
    async with uow_in(database, acme) as uow:
        first = await service.rotate_refresh_token(
            uow, client=created.client, token="prt_a", now=NOW
        )
        await uow.commit()
    assert first.credential is not None
    assert first.credential.family_id == family_id
    await save_refresh(database, acme, created.client, user_id, "prt_b", family_id)

    async with uow_in(database, acme) as uow:
        reuse = await service.rotate_refresh_token(
            uow, client=created.client, token="prt_a", now=NOW
        )
        await uow.commit()
    assert (reuse.credential, reuse.reuse_detected) == (None, True)
    assert await revoked(database, acme, "jti-prt_a")
    assert await revoked(database, acme, "jti-prt_b")
    async with uow_in(database, acme) as uow:
        newest = await service.rotate_refresh_token(
            uow, client=created.client, token="prt_b", now=NOW
        )
        found = await service.find_refresh_token_or_none(uow, token="prt_b")
    assert newest.credential is None
    assert found is not None
    assert found.revoked_at is not None
    assert found.token_hash == hash_opaque_token("prt_b")


async def test_revoking_an_access_token_is_idempotent_and_old_revocations_are_cleared(
    database: Database,
) -> None:
    acme = await make_tenant(database, "acme")
    beta = await make_tenant(database, "beta")
    async with uow_in(database, acme) as uow:
        await service.revoke_access_token(uow, token_id="jti-old", expires_at=NOW, now=NOW)
        await service.revoke_access_token(uow, token_id="jti-1", expires_at=LATER, now=NOW)
        await service.revoke_access_token(uow, token_id="jti-1", expires_at=LATER, now=NOW)
        await uow.commit()
    assert await revoked(database, acme, "jti-1")
    assert not await revoked(database, beta, "jti-1")
    async with uow_in(database, acme) as uow:
        await service.revoke_access_token(
            uow, token_id="jti-2", expires_at=LATER, now=NOW + timedelta(minutes=4)
        )
        await uow.commit()
    assert await revoked(database, acme, "jti-old")
    async with uow_in(database, acme) as uow:
        await service.revoke_access_token(
            uow, token_id="jti-3", expires_at=LATER, now=NOW + timedelta(minutes=6)
        )
        await uow.commit()
    assert not await revoked(database, acme, "jti-old")
    assert await revoked(database, acme, "jti-1")


@pytest.mark.postgres
async def test_two_concurrent_redemptions_of_one_code_give_it_once(pg_database: Database) -> None:
    acme = await make_tenant(pg_database, "acme")
    user_id = await make_member(pg_database, acme, "agent@acme.example", Role.AGENT)
    created = await new_client(pg_database, acme)
    await save_code(pg_database, acme, created.client, user_id, "raced")

    async def redeem() -> service.Redemption[AuthorizationCode]:
        async with uow_in(pg_database, acme) as uow:
            redemption = await service.redeem_authorization_code(
                uow, client=created.client, code="raced", now=NOW
            )
            await asyncio.sleep(0.05)
            await uow.commit()
        return redemption

    outcomes = await asyncio.gather(redeem(), redeem())
    assert sorted(outcome.credential is not None for outcome in outcomes) == [False, True]
    assert sorted(outcome.reuse_detected for outcome in outcomes) == [False, True]


@pytest.mark.postgres
async def test_row_level_security_hides_oauth_rows_of_other_tenants(pg_database: Database) -> None:
    acme = await make_tenant(pg_database, "acme")
    beta = await make_tenant(pg_database, "beta")
    await new_client(pg_database, acme)
    async with uow_in(pg_database, acme) as uow:
        await service.revoke_access_token(uow, token_id="jti", expires_at=LATER, now=NOW)
        await uow.commit()
    counts = {
        "api_clients": text("SELECT count(*) FROM api_clients"),
        "oauth_revoked_access_tokens": text("SELECT count(*) FROM oauth_revoked_access_tokens"),
    }
    async with pg_database.engine.connect() as connection:
        for tenant, expected in ((acme, 1), (beta, 0)):
            await connection.execute(
                text("SELECT set_config('app.tenant_id', :tenant, false)"), {"tenant": str(tenant)}
            )
            for table, count in counts.items():
                assert (await connection.execute(count)).scalar() == expected, (table, tenant)
        await connection.execute(text("SELECT set_config('app.tenant_id', '', false)"))
        for count in counts.values():
            assert (await connection.execute(count)).scalar() == 0
