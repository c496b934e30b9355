"""OAuth2: API clients and their brands, authorization codes, refresh tokens,
revoked access tokens.

Every table is tenant-owned and gets forced row-level security on PostgreSQL:
client ids name their tenant, so nothing here is read before the tenant is known.

Revision ID: 20261130_0003
Revises: 20261130_0002
Create Date: 2026-11-30 13:34:31.794136
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0003"
down_revision: str | None = "20261130_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED_TABLES = (
    "api_clients",
    "api_client_brands",
    "oauth_authorization_codes",
    "oauth_refresh_tokens",
    "oauth_revoked_access_tokens",
)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("grant_types", _json(), nullable=False),
        sa.Column("redirect_uris", _json(), nullable=False),
        sa.Column("scopes", _json(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "owner",
                "admin",
                "agent",
                "analyst",
                "client_approver",
                "client_viewer",
                name="role",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        _tenant_fk("api_clients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint(
            "tenant_id", "client_id", name=op.f("uq_api_clients_tenant_id_client_id")
        ),
    )
    op.create_index(op.f("ix_api_clients_tenant_id"), "api_clients", ["tenant_id"], unique=False)

    op.create_table(
        "api_client_brands",
        sa.Column("api_client_id", sa.Uuid(), nullable=False),
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"],
            ["api_clients.id"],
            name=op.f("fk_api_client_brands_api_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_api_client_brands_brand_id_brands"),
            ondelete="CASCADE",
        ),
        _tenant_fk("api_client_brands"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client_brands")),
        sa.UniqueConstraint(
            "tenant_id",
            "api_client_id",
            "brand_id",
            name=op.f("uq_api_client_brands_tenant_id_api_client_id_brand_id"),
        ),
    )
    op.create_index(
        op.f("ix_api_client_brands_api_client_id"),
        "api_client_brands",
        ["api_client_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_api_client_brands_brand_id"), "api_client_brands", ["brand_id"], unique=False
    )
    op.create_index(
        op.f("ix_api_client_brands_tenant_id"), "api_client_brands", ["tenant_id"], unique=False
    )

    op.create_table(
        "oauth_authorization_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("api_client_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scopes", _json(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=False),
        sa.Column("expires_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"],
            ["api_clients.id"],
            name=op.f("fk_oauth_authorization_codes_api_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        _tenant_fk("oauth_authorization_codes"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_authorization_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_codes")),
        sa.UniqueConstraint(
            "tenant_id", "code_hash", name=op.f("uq_oauth_authorization_codes_tenant_id_code_hash")
        ),
    )
    op.create_index(
        op.f("ix_oauth_authorization_codes_api_client_id"),
        "oauth_authorization_codes",
        ["api_client_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_authorization_codes_tenant_id"),
        "oauth_authorization_codes",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_authorization_codes_tenant_id_expires_at"),
        "oauth_authorization_codes",
        ["tenant_id", "expires_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_authorization_codes_user_id"),
        "oauth_authorization_codes",
        ["user_id"],
        unique=False,
    )

    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("api_client_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", _json(), nullable=False),
        sa.Column("expires_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("access_token_id", sa.String(length=64), nullable=False),
        sa.Column(
            "access_token_expires_at", domain.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"],
            ["api_clients.id"],
            name=op.f("fk_oauth_refresh_tokens_api_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        _tenant_fk("oauth_refresh_tokens"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_tokens")),
        sa.UniqueConstraint(
            "tenant_id", "token_hash", name=op.f("uq_oauth_refresh_tokens_tenant_id_token_hash")
        ),
    )
    op.create_index(
        op.f("ix_oauth_refresh_tokens_api_client_id"),
        "oauth_refresh_tokens",
        ["api_client_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_refresh_tokens_tenant_id"),
        "oauth_refresh_tokens",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_refresh_tokens_tenant_id_family_id"),
        "oauth_refresh_tokens",
        ["tenant_id", "family_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_refresh_tokens_user_id"), "oauth_refresh_tokens", ["user_id"], unique=False
    )

    op.create_table(
        "oauth_revoked_access_tokens",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        _tenant_fk("oauth_revoked_access_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_revoked_access_tokens")),
        sa.UniqueConstraint(
            "tenant_id",
            "token_id",
            name=op.f("uq_oauth_revoked_access_tokens_tenant_id_token_id"),
        ),
    )
    op.create_index(
        op.f("ix_oauth_revoked_access_tokens_tenant_id"),
        "oauth_revoked_access_tokens",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_revoked_access_tokens_tenant_id_expires_at"),
        "oauth_revoked_access_tokens",
        ["tenant_id", "expires_at"],
        unique=False,
    )
    for table in TENANT_OWNED_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_OWNED_TABLES:
        disable_tenant_rls(table)
    for table in reversed(TENANT_OWNED_TABLES):
        # Dropping a table drops its indexes and constraints with it.
        op.drop_table(table)
