"""`parley app create` and `parley channel create`, then deliveries to the URLs they print."""

import asyncio
import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from api.cli import main
from api.services import Services
from domain.channels.models import Channel, ChannelKind
from domain.channels.repository import ChannelRepository
from domain.channels.service import read_channel_secrets
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEventStatus
from domain.ingestion.repository import PlatformAppRepository
from domain.ingestion.service import read_app_secrets
from domain.settings import Settings
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_tenant
from tests.integration.webhooks.webhook_scenario import (
    META_SECRET,
    META_VERIFY_TOKEN,
    TELEGRAM_SECRET,
    VK_CONFIRMATION,
    VK_SECRET,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture, manifest

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PUBLIC_URL = "https://hooks.parley.example"


@pytest.fixture
def cli_env(services: Services, encryption_key: str, tmp_path: Path) -> dict[str, str]:
    settings: Settings = services.settings
    return {
        "PARLEY_DATABASE_URL": str(settings.database_url),
        "PARLEY_DATABASE_OWNER_URL": str(settings.database_owner_url),
        "PARLEY_REDIS_URL": str(settings.redis_url),
        "PARLEY_OPENSEARCH_URL": str(settings.opensearch_url),
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
        "PARLEY_PUBLIC_BASE_URL": PUBLIC_URL + "/",
    }


async def parley(env: dict[str, str], *arguments: str) -> Result:
    """Run the CLI in a thread: it runs its own event loop, as in a shell."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, main, list(arguments), env=env, catch_exceptions=False
    )


def one_json_object(result: Result) -> dict[str, str]:
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.strip().splitlines()
    parsed = json.loads(line)
    assert isinstance(parsed, dict)
    return parsed


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_app_and_channel_commands_print_working_webhook_urls(
    cli_env: dict[str, str], client: httpx.AsyncClient, services: Services
) -> None:
    tenant_id = await make_tenant(services.database, "solvia")
    await make_brand(services.database, tenant_id, "solvia-pl")

    meta_app = one_json_object(
        await parley(
            cli_env,
            *("app", "create", "--tenant", "solvia", "--platform", "meta"),
            *("--app-id", "902118344576631", "--secret", META_SECRET),
            *("--verify-token", META_VERIFY_TOKEN, "--json"),
        )
    )
    x_app = one_json_object(
        await parley(
            cli_env,
            *("app", "create", "--tenant", "solvia", "--platform", "x", "--app-id", "27811934"),
            *("--secret", str(manifest("x")["test_secret"]), "--json"),
        )
    )
    page = one_json_object(
        await parley(
            cli_env,
            *("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl"),
            *("--kind", "facebook_page", "--external-id", "104729384756120"),
            *("--app", "902118344576631", "--name", "Solvia Polska", "--json"),
        )
    )
    telegram = one_json_object(
        await parley(
            cli_env,
            *("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl"),
            *("--kind", "telegram", "--external-id", "7312458890"),
            *("--secret", TELEGRAM_SECRET, "--json"),
        )
    )
    vk = one_json_object(
        await parley(
            cli_env,
            *("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl"),
            *("--kind", "vk", "--external-id", "227771234", "--secret", VK_SECRET),
            *("--confirmation", VK_CONFIRMATION, "--json"),
        )
    )

    assert meta_app == {
        "id": meta_app["id"],
        "tenant": "solvia",
        "platform": "meta",
        "app_id": "902118344576631",
        "webhook_url": f"{PUBLIC_URL}/webhooks/meta/902118344576631",
    }
    assert x_app["webhook_url"] == f"{PUBLIC_URL}/webhooks/x/27811934"
    assert page == {
        "id": page["id"],
        "tenant": "solvia",
        "brand": "solvia-pl",
        "kind": "facebook_page",
        "external_id": "104729384756120",
        "name": "Solvia Polska",
        "app_id": "902118344576631",
    }
    assert telegram["webhook_url"] == f"{PUBLIC_URL}/webhooks/telegram/{telegram['id']}"
    assert "secret" not in telegram
    assert vk["webhook_url"] == f"{PUBLIC_URL}/webhooks/vk/{vk['id']}"
    assert vk["name"] == "vk 227771234"

    handshake = await client.get(
        path_of(meta_app["webhook_url"]),
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": META_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    comment = fixture("facebook", "02_")
    update = fixture("telegram", "01_")
    confirmation = fixture("vk", "01_")
    responses = [
        await client.post(
            path_of(meta_app["webhook_url"]), content=comment.body, headers=comment.headers
        ),
        await client.post(
            path_of(telegram["webhook_url"]), content=update.body, headers=update.headers
        ),
        await client.post(
            path_of(vk["webhook_url"]), content=confirmation.body, headers=confirmation.headers
        ),
    ]
    assert (handshake.status_code, handshake.text) == (200, "1158201444")
    assert [(r.status_code, r.text) for r in responses] == [(200, ""), (200, ""), (200, "5e8c1f27")]
    events = await stored_events(services.database, tenant_id)
    assert sorted((event.source, event.status) for event in events) == [
        ("meta", InboundEventStatus.PENDING),
        ("telegram", InboundEventStatus.PENDING),
    ]


async def test_generated_secrets_are_printed_once_and_stored_encrypted(
    cli_env: dict[str, str], services: Services
) -> None:
    tenant_id = await make_tenant(services.database, "solvia")
    await make_brand(services.database, tenant_id, "solvia-pl")

    meta_app = one_json_object(
        await parley(
            cli_env,
            *("app", "create", "--tenant", "solvia", "--platform", "meta"),
            *("--app-id", "902118344576631", "--secret", META_SECRET, "--json"),
        )
    )
    generic = one_json_object(
        await parley(
            cli_env,
            *("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl"),
            *("--kind", "generic_webhook", "--external-id", "crm-feed", "--json"),
        )
    )
    telegram = one_json_object(
        await parley(
            cli_env,
            *("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl"),
            *("--kind", "telegram", "--external-id", "7312458890", "--json"),
        )
    )
    imports = one_json_object(
        await parley(
            cli_env,
            *("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl"),
            *("--kind", "import", "--external-id", "youscan-export", "--json"),
        )
    )

    assert len(meta_app["verify_token"]) >= 32
    assert len(generic["secret"]) == 64
    assert len(telegram["secret"]) >= 43
    assert "webhook_url" not in imports
    assert "secret" not in imports
    scope = TenantScope(tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        app = await PlatformAppRepository(uow).get(uuid.UUID(meta_app["id"]))
        channels = ChannelRepository(uow)
        generic_channel = await channels.get(uuid.UUID(generic["id"]))
        telegram_channel = await channels.get(uuid.UUID(telegram["id"]))
        assert read_app_secrets(uow, app) == {
            "app_secret": META_SECRET,
            "verify_token": meta_app["verify_token"],
        }
        assert read_channel_secrets(uow, generic_channel) == {"signing_secret": generic["secret"]}
        assert read_channel_secrets(uow, telegram_channel) == {"secret_token": telegram["secret"]}
    assert app.secrets_ciphertext is not None
    assert META_SECRET.encode() not in app.secrets_ciphertext
    assert generic_channel.kind is ChannelKind.GENERIC_WEBHOOK


async def test_mistakes_are_refused_on_stderr_with_nothing_on_stdout(
    cli_env: dict[str, str], services: Services
) -> None:
    tenant_id = await make_tenant(services.database, "solvia")
    await make_brand(services.database, tenant_id, "solvia-pl")
    other = await make_tenant(services.database, "rival")
    await make_brand(services.database, other, "rival-it")
    created = await parley(
        cli_env,
        *("app", "create", "--tenant", "solvia", "--platform", "x", "--app-id", "27811934"),
        *("--secret", "s3cret", "--json"),
    )
    assert created.exit_code == 0, created.stderr
    channel = ("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl")

    cases = [
        (
            ("app", "create", "--tenant", "rival", "--platform", "x", "--app-id", "27811934"),
            ("--secret", "other"),
            "the webhook URL of x app '27811934' is taken",
        ),
        (
            ("app", "create", "--tenant", "solvia", "--platform", "x", "--app-id", "1"),
            ("--secret", "s", "--verify-token", "t"),
            "only Meta apps take a verify token",
        ),
        (
            ("app", "create", "--tenant", "nobody", "--platform", "x", "--app-id", "2"),
            ("--secret", "s"),
            "no tenant 'nobody'",
        ),
        (
            (*channel, "--kind", "vk", "--external-id", "227771234"),
            ("--secret", VK_SECRET),
            "a VK channel needs the server confirmation code",
        ),
        (
            (*channel, "--kind", "x", "--external-id", "1453096712384562177"),
            ("--app", "999"),
            "no x app '999'",
        ),
        (
            (*channel, "--kind", "facebook_page", "--external-id", "104729384756120"),
            ("--app", "27811934"),
            "no meta app '27811934'",
        ),
        (
            (*channel, "--kind", "telegram", "--external-id", "7312458890"),
            ("--secret", "spaces are not allowed"),
            "a Telegram secret token is 1-256 of A-Z, a-z, 0-9, '_' and '-'",
        ),
        (
            (*channel, "--kind", "facebook_page", "--external-id", "104729384756120"),
            ("--secret", "page-secret"),
            "a facebook_page channel takes no secret",
        ),
        (
            ("channel", "create", "--tenant", "solvia", "--brand", "rival-it"),
            ("--kind", "import", "--external-id", "x"),
            "no brand 'rival-it'",
        ),
    ]
    for command, options, message in cases:
        result = await parley(cli_env, *command, *options, "--json")
        assert (result.exit_code, result.stdout) == (1, ""), command
        assert message in result.stderr, (command, result.stderr)

    first = await parley(cli_env, *channel, "--kind", "import", "--external-id", "feed", "--json")
    again = await parley(cli_env, *channel, "--kind", "import", "--external-id", "feed", "--json")
    assert first.exit_code == 0, first.stderr
    assert again.exit_code == 1
    assert "a channel of kind import with external id 'feed' exists" in again.stderr


async def test_access_tokens_are_stored_encrypted_under_the_names_the_connectors_read(
    cli_env: dict[str, str], services: Services
) -> None:
    tenant_id = await make_tenant(services.database, "solvia")
    await make_brand(services.database, tenant_id, "solvia-pl")
    channel = ("channel", "create", "--tenant", "solvia", "--brand", "solvia-pl")
    kinds = [
        ("facebook_page", "104729384756120", (), "page_access_token", {}),
        ("instagram", "17841405822304914", (), "page_access_token", {}),
        ("x", "1453096712384562177", (), "user_access_token", {}),
        (
            "telegram",
            "7312458890",
            ("--secret", TELEGRAM_SECRET),
            "bot_token",
            {"secret_token": TELEGRAM_SECRET},
        ),
        (
            "vk",
            "227771234",
            ("--secret", VK_SECRET, "--confirmation", VK_CONFIRMATION),
            "access_token",
            {"secret": VK_SECRET, "confirmation_code": VK_CONFIRMATION},
        ),
    ]
    created: list[tuple[dict[str, str], str, dict[str, str]]] = []
    for kind, external_id, options, secret_name, webhook_secrets in kinds:
        token = f"{kind}-api-token-{uuid.uuid4().hex}"
        result = await parley(
            cli_env,
            *channel,
            *("--kind", kind, "--external-id", external_id, *options),
            *("--access-token", token, "--json"),
        )
        assert token not in result.stdout
        printed = one_json_object(result)
        assert printed["api_token_secret"] == secret_name
        created.append((printed, token, {**webhook_secrets, secret_name: token}))

    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        for printed, token, expected in created:
            stored = await ChannelRepository(uow).get(uuid.UUID(printed["id"]))
            assert read_channel_secrets(uow, stored) == expected
            assert stored.secrets_ciphertext is not None
            assert token.encode() not in stored.secrets_ciphertext

    human = await parley(
        cli_env, *channel, "--kind", "x", "--external-id", "99", "--access-token", "t0ken"
    )
    assert human.exit_code == 0, human.stderr
    assert "API token stored as user_access_token" in human.stdout
    assert "t0ken" not in human.stdout
    for kind, token, message in (
        ("import", "t0ken", "import channels have no platform API to send with"),
        ("generic_webhook", "t0ken", "generic_webhook channels have no platform API to send with"),
        ("x", " ", "the access token is empty"),
    ):
        refused = await parley(
            cli_env,
            *channel,
            *("--kind", kind, "--external-id", "refused", "--access-token", token, "--json"),
        )
        assert (refused.exit_code, refused.stdout) == (1, ""), kind
        assert message in refused.stderr, (kind, refused.stderr)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        refused_rows = await uow.session.execute(
            select(Channel.id).where(Channel.external_account_id == "refused")
        )
        assert list(refused_rows.scalars()) == []
