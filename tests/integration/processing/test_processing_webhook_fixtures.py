"""Every webhook fixture of every platform, processed by the job, on PostgreSQL and SQLite."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.conversations.models import ConversationKind, ConversationStatus
from domain.db.session import Database
from domain.mentions.models import Mention, MentionDirection
from tests.integration.processing.conftest import (
    Solvia,
    conversations_of,
    customers_of,
    deliver,
    events_of,
    mentions_of,
    outbox_of,
)
from tests.unit.channels.webhook_fixture_manifests import WEBHOOK_PLATFORMS, fixtures

pytestmark = pytest.mark.postgres

IN = MentionDirection.INBOUND
OUT = MentionDirection.OUTBOUND
PUBLIC = ConversationKind.PUBLIC_THREAD
DIRECT = ConversationKind.DIRECT

FB_POST = "104729384756120_122158734409283716"
FB_C1 = "122158734409283716_1187723409865521"
FB_R1 = "122158734409283716_1187741236704419"
FB_C2 = "122158734409283716_1187790045123390"
FB_C3 = "122158734409283716_1187792218837645"
FB_R2 = "122158734409283716_1187801159734482"
FB_IT_POST = "108834562209917_122117300845601938"
FB_C4 = "122117300845601938_663201987412056"
FB_DM1 = "m_3Fnm9AF5SzRMtPh2dugd5_VBPuh5zzjoF6SHIjF7q1P6MRlPXgNRLfkJ0YLu1t26a4ZXneAe1lgLFHqhLY3S2g"
FB_DM2 = "m_KD6pKK6lo7Wxmy6kcO7C56W8Q3YIQaADTsBf-v2GJx2sMBedE06FT-V7lW7zdma4Z1Xw_92egIaOsnfhWCwOga"
FB_DM3 = "m_X8l3qoKBhdZDUBSrr3hO_NpoY2JyAAeUszPrPRxFo_J3TTFU5Eaidnu4W4tzpNRwf1sWAx3jp-tK_wnWOXAiZQ"
FB_DM4 = "m_zwXUfVh_ApQtw1dKAf6tiBjuQVo23xp6PQ-afzlwmXL9qF4BXNY9l9Bz0ag9SwdhhNxc0w-wUGdGn6qQBgij7g"
FB_DM_THREAD = "104729384756120:7294018365512047"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def all_prefixes(platform: str) -> list[str]:
    return [item.file[:3] for item in fixtures(platform)]


def row_table(rows: list[Mention]) -> list[tuple[Any, ...]]:
    return [
        (
            row.external_id,
            row.kind,
            row.direction,
            row.parent_external_id,
            row.root_external_id,
            row.version,
        )
        for row in rows
    ]


async def grouped(database: Database, tenant_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """Each conversation as (kind, thread key, status, count, its mentions' external ids)."""
    rows = await mentions_of(database, tenant_id)
    result = []
    for conversation in await conversations_of(database, tenant_id):
        members = sorted(
            (row for row in rows if row.conversation_id == conversation.id),
            key=lambda row: (row.posted_at, row.external_id),
        )
        result.append(
            (
                conversation.kind,
                conversation.thread_key,
                conversation.status,
                conversation.message_count,
                [row.external_id for row in members],
            )
        )
    return result


def expected_links(platform: str, link: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(external id, parent, root) a manifest thread link describes."""
    if platform == "facebook":
        if "mid" in link:
            return [(link["mid"], None, link["conversation"])]
        if "comment_id" in link:
            return [(link["comment_id"], link["parent_id"], link["post_id"])]
        return [(link["post_id"], None, None)]
    if platform == "instagram":
        if "mid" in link:
            return [(link["mid"], None, link["conversation"])]
        if "comment_id" in link:
            parent = link.get("parent_id", link["media_id"])
            return [(link["comment_id"], parent, link["media_id"])]
        return [(link["media_id"], None, None)]
    if platform == "x":
        if "dm_id" in link:
            return [(link["dm_id"], None, link["conversation"])]
        if "edit_of" in link:
            return [(link["edit_of"], None, None)]
        # v1.1 names only the parent; the parents here are thread roots.
        parent = link.get("in_reply_to")
        return [(link["tweet_id"], parent, parent)]
    if platform == "telegram":
        chat, message = link["chat_id"], link.get("message_id")
        if "message_ids" in link:
            conversation = f"Hx3YkVqAAAC9wv0SR1Zdt_dr:{chat}"
            return [
                (f"{conversation}:{number}", None, conversation) for number in link["message_ids"]
            ]
        if "business_connection_id" in link:
            conversation = f"{link['business_connection_id']}:{chat}"
            return [(f"{conversation}:{message}", None, conversation)]
        if chat > 0:
            return [(f"{chat}:{message}", None, str(chat))]
        parent = link.get("parent_message_id")
        if parent is None:
            return [(f"{chat}:{message}", None, None)]
        return [(f"{chat}:{message}", f"{chat}:{parent}", f"{chat}:{parent}")]
    assert platform == "vk"
    if not link:
        return []
    if "peer_id" in link:
        return [(f"227771234:{link['message_id']}", None, str(link["peer_id"]))]
    post = link["post"]
    if "comment" not in link:
        return [(post, None, None)]
    owner = post.split("_")[0]
    parent = f"{owner}_{link['parent_comment']}" if "parent_comment" in link else post
    return [(f"{owner}_{link['comment']}", parent, post)]


@pytest.mark.parametrize("platform", WEBHOOK_PLATFORMS)
async def test_stored_rows_carry_the_manifest_thread_links(
    any_database: Database, solvia_anywhere: Solvia, platform: str
) -> None:
    outcomes = await deliver(any_database, solvia_anywhere, platform, *all_prefixes(platform))
    assert {outcome["status"] for outcome in outcomes} == {"processed"}
    rows = {
        row.external_id: row for row in await mentions_of(any_database, solvia_anywhere.tenant_id)
    }
    expected = [
        triple
        for item in fixtures(platform)
        # A like names the liked Tweet (fixture 02), not content of its own.
        if item.entry["kind"] != "favorite_events"
        for link in item.thread_links
        for triple in expected_links(platform, link)
    ]
    assert expected
    assert [
        (external_id, rows[external_id].parent_external_id, rows[external_id].root_external_id)
        for external_id, _, _ in expected
    ] == expected
    # Nothing but what the manifests name was stored.
    assert set(rows) == {external_id for external_id, _, _ in expected}


async def test_facebook(any_database: Database, solvia_anywhere: Solvia) -> None:
    outcomes = await deliver(any_database, solvia_anywhere, "facebook", *all_prefixes("facebook"))
    assert [(o["created"], o["changed"]) for o in outcomes] == [
        (1, 0),  # 01 page post
        (1, 0),  # 02 C1
        (1, 0),  # 03 page reply R1
        (0, 1),  # 04 C1 edited
        (4, 0),  # 05 batch over two pages
        (0, 1),  # 06 C3 hidden
        (0, 1),  # 07 R2 removed
        (1, 0),  # 08 DM
        (1, 0),  # 09 image-only DM
        (0, 1),  # 10 DM edited
        (2, 0),  # 11 Messenger batch
        (0, 0),  # 12 redelivery of 02
    ]
    rows = await mentions_of(any_database, solvia_anywhere.tenant_id)
    by_id = {row.external_id: row for row in rows}
    assert sorted(row_table(rows)) == sorted(
        [
            (FB_POST, "post", OUT, None, None, 1),
            (FB_C1, "comment", IN, FB_POST, FB_POST, 2),
            (FB_R1, "reply", OUT, FB_C1, FB_POST, 1),
            (FB_C2, "comment", IN, FB_POST, FB_POST, 1),
            (FB_C3, "comment", IN, FB_POST, FB_POST, 2),
            (FB_R2, "reply", IN, FB_C2, FB_POST, 2),
            (FB_C4, "comment", IN, FB_IT_POST, FB_IT_POST, 1),
            (FB_DM1, "dm", IN, None, FB_DM_THREAD, 2),
            (FB_DM2, "dm", IN, None, FB_DM_THREAD, 1),
            (FB_DM3, "dm", IN, None, "104729384756120:6650391827740125", 1),
            (FB_DM4, "dm", IN, None, "104729384756120:25019384756102934", 1),
        ]
    )
    # The batch's second page is the Italian brand's channel.
    assert by_id[FB_C4].channel_id == solvia_anywhere.channel("fb_italia")
    assert by_id[FB_C4].brand_id == solvia_anywhere.italia
    assert {by_id[key].channel_id for key in (FB_POST, FB_C1, FB_DM1)} == {
        solvia_anywhere.channel("fb_polska")
    }

    c1 = by_id[FB_C1]
    assert c1.text.startswith("Zamówiłam Aurę 3 tygodnie temu")
    assert c1.text.endswith("EDIT: dostałam numer przesyłki, dziękuję za szybką reakcję 👍")
    assert c1.text_history == [
        {
            "at": "2025-03-14T09:41:07+00:00",
            "text": "Zamówiłam Aurę 3 tygodnie temu (zamówienie PL-2025-118734) i dalej nic. "
            "Infolinia nie odbiera. Jak długo jeszcze mam czekać?",
        }
    ]
    assert (c1.posted_at, c1.edited_at) == (at("2025-03-14 09:41:07"), at("2025-03-14 10:03:12"))
    # Hidden and deleted content is marked, never erased.
    c3 = by_id[FB_C3]
    assert (c3.hidden_at, c3.moderated_at) == (at("2025-03-14 10:22:10"),) * 2
    assert c3.text.startswith("🔥 Guadagna 500€ al giorno da casa")
    r2 = by_id[FB_R2]
    assert r2.deleted_at == at("2025-03-14 10:40:00")
    assert r2.text.startswith("У меня Aura ANC уже неделю")
    # The page's own content: outbound, no customer, opens nothing.
    assert (by_id[FB_POST].customer_id, by_id[FB_POST].conversation_id) == (None, None)
    assert by_id[FB_R1].customer_id is None
    assert by_id[FB_R1].conversation_id == c1.conversation_id
    assert (by_id[FB_DM2].text, by_id[FB_DM2].has_media, by_id[FB_DM2].media_types) == (
        "",
        True,
        ["image"],
    )
    assert {row.triage_status.value for row in rows} == {"pending"}
    assert {row.received_at.date().isoformat() for row in rows} == {"2025-03-20"}

    assert await grouped(any_database, solvia_anywhere.tenant_id) == [
        (PUBLIC, FB_POST, ConversationStatus.NEW, 2, [FB_C1, FB_R1]),
        (PUBLIC, FB_POST, ConversationStatus.NEW, 1, [FB_C2]),
        (PUBLIC, FB_POST, ConversationStatus.NEW, 1, [FB_C3]),
        (PUBLIC, FB_IT_POST, ConversationStatus.NEW, 1, [FB_C4]),
        (PUBLIC, FB_POST, ConversationStatus.NEW, 1, [FB_R2]),
        (DIRECT, FB_DM_THREAD, ConversationStatus.NEW, 2, [FB_DM1, FB_DM2]),
        (DIRECT, "104729384756120:6650391827740125", ConversationStatus.NEW, 1, [FB_DM3]),
        (DIRECT, "104729384756120:25019384756102934", ConversationStatus.NEW, 1, [FB_DM4]),
    ]
    conversations = await conversations_of(any_database, solvia_anywhere.tenant_id)
    kasia = conversations[0]
    assert (kasia.opened_at, kasia.last_message_at, kasia.last_customer_message_at) == (
        at("2025-03-14 09:41:07"),
        at("2025-03-14 09:58:43"),
        at("2025-03-14 09:41:07"),
    )
    assert kasia.customer_id == c1.customer_id
    assert await events_of(any_database, solvia_anywhere.tenant_id, kasia.id) == [
        ("opened", {"mention_id": str(c1.id)}),
        ("message_added", {"mention_id": str(c1.id)}),
        ("message_added", {"mention_id": str(by_id[FB_R1].id), "direction": "outbound"}),
        ("message_edited", {"mention_id": str(c1.id)}),
    ]
    assert [
        kind
        for kind, _ in await events_of(any_database, solvia_anywhere.tenant_id, conversations[2].id)
    ] == [
        "opened",
        "message_added",
        "message_hidden",
    ]
    assert [
        kind
        for kind, _ in await events_of(any_database, solvia_anywhere.tenant_id, conversations[4].id)
    ] == [
        "opened",
        "message_added",
        "message_deleted",
    ]
    # Feed ids and Messenger ids are separate identities: separate customers until merged.
    names = sorted(
        customer.display_name
        for customer in await customers_of(any_database, solvia_anywhere.tenant_id)
    )
    assert names == [
        "",
        "",
        "",
        "Giulia Bianchi",
        "Katarzyna Wiśniewska",
        "Oliver Bennett",
        "Promo Deals 24",
        "Дмитрий Соколов",
    ]

    index = await outbox_of(any_database, solvia_anywhere.tenant_id, "index_mention")
    assert len(index) == 15
    latest = {payload["mention_id"]: payload["version"] for payload in index}
    assert latest == {str(row.id): row.version for row in rows}
    inbox = await outbox_of(any_database, solvia_anywhere.tenant_id, "inbox_event")
    assert len(inbox) == 22
    assert inbox[0] == {
        "conversation_id": str(kasia.id),
        "brand_id": str(solvia_anywhere.polska),
        "kind": "opened",
        "mention_id": str(c1.id),
    }


async def test_instagram(any_database: Database, solvia_anywhere: Solvia) -> None:
    outcomes = await deliver(any_database, solvia_anywhere, "instagram", *all_prefixes("instagram"))
    assert [(o["created"], o["changed"]) for o in outcomes] == [
        (1, 0),
        (1, 0),
        (1, 0),
        (1, 0),
        (1, 0),
        (1, 0),
        (1, 0),
        (0, 1),
        (0, 1),
        (3, 0),
        (0, 0),
    ]
    by_id = {
        row.external_id: row for row in await mentions_of(any_database, solvia_anywhere.tenant_id)
    }
    # @mention notices carry no author or text: stored for fetching, no customer, no ticket.
    for notice in ("17876543210987654", "18093374120865541"):
        assert (by_id[notice].text, by_id[notice].customer_id, by_id[notice].conversation_id) == (
            "",
            None,
            None,
        )
    assert by_id["17876543210987654"].extra == {
        "fetch": "mentioned_comment",
        "media_id": "18062218745390126",
    }
    brand_reply = by_id["17993402281165720"]
    assert (brand_reply.direction, brand_reply.customer_id) == (OUT, None)
    assert brand_reply.conversation_id == by_id["18028715934470391"].conversation_id
    dm_text = by_id[fixtures("instagram")[5].thread_links[0]["mid"]]
    dm_image = by_id[fixtures("instagram")[6].thread_links[0]["mid"]]
    assert (dm_text.version, len(dm_text.text_history), dm_text.edited_at is not None) == (
        2,
        1,
        True,
    )
    assert dm_image.deleted_at == at("2025-03-14 13:04:30.012")
    assert dm_image.conversation_id == dm_text.conversation_id
    # The batch holds comments for two accounts of two brands.
    assert by_id["18139902745610038"].channel_id == solvia_anywhere.channel("ig_italia")
    assert by_id["18044612398170532"].channel_id == solvia_anywhere.channel("ig_official")
    assert await grouped(any_database, solvia_anywhere.tenant_id) == [
        (
            PUBLIC,
            "18047205561823794",
            ConversationStatus.NEW,
            2,
            ["18028715934470391", "17993402281165720"],
        ),
        (PUBLIC, "18329610245078113", ConversationStatus.NEW, 1, ["18101234409817265"]),
        (
            DIRECT,
            "17841405822304914:7712409385561023",
            ConversationStatus.NEW,
            2,
            [dm_text.external_id, dm_image.external_id],
        ),
        (PUBLIC, "18047205561823794", ConversationStatus.NEW, 1, ["18044612398170532"]),
        (PUBLIC, "18215567098234412", ConversationStatus.NEW, 1, ["18139902745610038"]),
        (PUBLIC, "18329610245078113", ConversationStatus.NEW, 1, ["17988120345561287"]),
    ]


async def test_x(any_database: Database, solvia_anywhere: Solvia) -> None:
    outcomes = await deliver(any_database, solvia_anywhere, "x", *all_prefixes("x"))
    assert [(o["mentions"], o["created"], o["changed"]) for o in outcomes] == [
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (0, 0, 0),  # a like is not a mention
        (2, 2, 0),
        (1, 0, 1),
        (1, 0, 1),
        (1, 0, 0),
    ]
    by_id = {
        row.external_id: row for row in await mentions_of(any_database, solvia_anywhere.tenant_id)
    }
    # The reply in the batch gets its thread root from the Tweet before it.
    assert by_id["1900609100314818218"].root_external_id == "1900608405137490124"
    edited = by_id["1900608405137490124"]
    assert (edited.version, edited.object_key, edited.extra["version_id"]) == (
        2,
        "1900609539547746454",
        "1900609539547746454",
    )
    assert len(edited.text_history) == 1
    assert edited.text != edited.text_history[0]["text"]
    assert edited.permalink == "https://x.com/lucaromano_it/status/1900609539547746454"
    # A truncated Tweet keeps its full text; its deletion keeps it too (compliance hides it).
    deleted = by_id["1900597927238363657"]
    assert deleted.deleted_at == at("2025-03-14 18:30:00.120")
    assert len(deleted.text) > 140
    brand_reply = by_id["1900595226797014078"]
    assert (brand_reply.direction, brand_reply.conversation_id) == (
        OUT,
        by_id["1900592812245836326"].conversation_id,
    )
    assert await grouped(any_database, solvia_anywhere.tenant_id) == [
        (
            PUBLIC,
            "1900592812245836326",
            ConversationStatus.NEW,
            2,
            ["1900592812245836326", "1900595226797014078"],
        ),
        (PUBLIC, "1900597927238363657", ConversationStatus.NEW, 1, ["1900597927238363657"]),
        (
            DIRECT,
            "1453096712384562177-982374651023458304",
            ConversationStatus.NEW,
            2,
            ["1900600583519341904", "1900600782419141779"],
        ),
        (PUBLIC, "1900608405137490124", ConversationStatus.NEW, 1, ["1900608405137490124"]),
        (PUBLIC, "1900608405137490124", ConversationStatus.NEW, 1, ["1900609100314818218"]),
    ]


async def test_telegram(any_database: Database, solvia_anywhere: Solvia) -> None:
    outcomes = await deliver(any_database, solvia_anywhere, "telegram", *all_prefixes("telegram"))
    assert [(o["mentions"], o["created"], o["changed"]) for o in outcomes] == [
        (1, 1, 0),
        (1, 0, 1),  # edit
        (1, 1, 0),
        (1, 1, 0),  # channel post
        (1, 1, 0),  # its copy in the discussion group
        (1, 1, 0),  # comment
        (1, 1, 0),  # album part 1
        (1, 1, 0),  # album part 2
        (1, 1, 0),  # business message
        (1, 0, 1),  # its deletion
        (1, 0, 0),  # redelivery
        (2, 0, 0),  # getUpdates backfill of 01-03: nothing new
    ]
    rows = await mentions_of(any_database, solvia_anywhere.tenant_id)
    by_id = {row.external_id: row for row in rows}
    # A per-channel source: everything lands on the bot's channel, whatever the chat.
    assert {row.channel_id for row in rows} == {solvia_anywhere.channel("telegram")}
    first = by_id["523987114:1184"]
    assert (first.version, first.edited_at) == (2, at("2025-03-14 14:03:40"))
    assert len(first.text_history) == 1
    for own in ("-1002145789630:512", "-1002198765432:3301"):
        assert (by_id[own].direction, by_id[own].conversation_id) == (OUT, None)
    comment = by_id["-1002198765432:3304"]
    assert comment.extra["channel_post"] == "-1002145789630:512"
    album = [by_id["6021457783:41"], by_id["6021457783:42"]]
    assert [item.extra["media_group_id"] for item in album] == ["13891047612230519"] * 2
    assert album[0].text.startswith("جعبه هدفون")
    assert album[1].text == ""
    assert album[0].conversation_id == album[1].conversation_id
    business = by_id["Hx3YkVqAAAC9wv0SR1Zdt_dr:1189345620:5567"]
    assert business.deleted_at == at("2025-03-20 12:00:09")  # the notice carries no time
    assert business.text.startswith("Hi! I was charged twice")
    assert await grouped(any_database, solvia_anywhere.tenant_id) == [
        (DIRECT, "523987114", ConversationStatus.NEW, 2, ["523987114:1184", "523987114:1186"]),
        (PUBLIC, "-1002198765432:3301", ConversationStatus.NEW, 1, ["-1002198765432:3304"]),
        (DIRECT, "6021457783", ConversationStatus.NEW, 2, ["6021457783:41", "6021457783:42"]),
        (
            DIRECT,
            "Hx3YkVqAAAC9wv0SR1Zdt_dr:1189345620",
            ConversationStatus.NEW,
            1,
            [business.external_id],
        ),
    ]


async def test_vk(any_database: Database, solvia_anywhere: Solvia) -> None:
    outcomes = await deliver(any_database, solvia_anywhere, "vk", *all_prefixes("vk"))
    assert [(o["mentions"], o["created"], o["changed"]) for o in outcomes] == [
        (0, 0, 0),  # confirmation
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 0, 1),  # edit
        (1, 1, 0),
        (1, 0, 1),  # deletion
        (1, 1, 0),
        (1, 1, 0),
        (1, 0, 0),  # retry
        (3, 3, 0),  # long-poll batch
    ]
    by_id = {
        row.external_id: row for row in await mentions_of(any_database, solvia_anywhere.tenant_id)
    }
    edited = by_id["-227771234_1851"]
    # VK edits repeat the creation date: the edit is dated by its arrival (event 05).
    assert (edited.posted_at, edited.edited_at) == (
        at("2025-03-14 08:47:33"),
        at("2025-03-20 12:00:04"),
    )
    assert edited.text_history[0]["at"] == "2025-03-14T08:47:33+00:00"
    assert by_id["-227771234_1856"].deleted_at == at("2025-03-20 12:00:06")
    community = by_id["-227771234_1853"]
    assert (community.direction, community.conversation_id) == (OUT, edited.conversation_id)
    assert (by_id["-227771234_1843"].direction, by_id["-227771234_1843"].conversation_id) == (
        OUT,
        None,
    )
    assert await grouped(any_database, solvia_anywhere.tenant_id) == [
        (
            PUBLIC,
            "-227771234_1843",
            ConversationStatus.NEW,
            2,
            ["-227771234_1851", "-227771234_1853"],
        ),
        (PUBLIC, "-227771234_1843", ConversationStatus.NEW, 1, ["-227771234_1856"]),
        (DIRECT, "644218905", ConversationStatus.NEW, 1, ["227771234:9021"]),
        (DIRECT, "715342219", ConversationStatus.NEW, 1, ["227771234:9024"]),
        (DIRECT, "590237781", ConversationStatus.NEW, 1, ["227771234:9030"]),
        (PUBLIC, "-227771234_1843", ConversationStatus.NEW, 1, ["-227771234_1861"]),
        (DIRECT, "582340917", ConversationStatus.NEW, 1, ["227771234:9031"]),
    ]
    # VK user ids are one namespace per community: the commenter of 1851 also wrote DM 9024.
    assert edited.customer_id == by_id["227771234:9024"].customer_id
