"""The authorisation matrix: one case per root field of the schema.

A case names the permission the field needs (from `domain.authz.policy`) and
whether its target is a brand's (acme, granted to the client roles) or the
tenant's; the roles allowed are derived from the policy, not listed by hand.
Operation documents are generated from the built schema, so a field's shape
never drifts from what is served.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

from api.graphql.schema import build_schema
from domain.authz.policy import CLIENT_ROLES, Grantee, Permission, Role, decide, scopes_for_role
from tests.api.authz.conftest import (
    CLIENT_BRAND,
    World,
    brand_event_fields,
    error_codes,
    gid,
    ids_in,
    qna_entry_fields,
    sla_policy_fields,
)

Variables = Callable[[World], Awaitable[dict[str, Any]]]
P = Permission
#: Stands for acme in the policy's decision (any id works: only membership counts).
_GRANTED = uuid.UUID(int=1)
#: Least privileged first: a mutation's permitted call is made by the first allowed role.
ROLES_BY_PRIVILEGE = (
    Role.CLIENT_VIEWER,
    Role.CLIENT_APPROVER,
    Role.ANALYST,
    Role.AGENT,
    Role.ADMIN,
    Role.OWNER,
)


@dataclass(frozen=True)
class Case:
    """How to call one root field, and who may.

    `permissions`: any one of them admits a role (None: every member of the
    tenant). `on_brand`: the target is acme's (client roles qualify), otherwise
    the action is tenant-wide. `listing`: refused callers get an empty answer
    (the policy filters) instead of an error. `empty_ok`: the
    seeded world has nothing for this field to list. `queues_job`: the permitted call
    enqueues one job (a send to the platform).
    """

    variables: Variables
    permissions: tuple[Permission, ...] | None
    on_brand: bool = True
    listing: bool = False
    empty_ok: bool = False
    queues_job: bool = False

    def allows(self, grantee: Grantee) -> bool:
        """Whether the policy lets `grantee` use this field (on acme, for a brand's target)."""
        if self.permissions is None:
            return True
        brand_id = _GRANTED if self.on_brand else None
        return any(decide(grantee, p, brand_id=brand_id).allowed for p in self.permissions)

    @property
    def allowed_roles(self) -> frozenset[Role]:
        """The roles, each with every scope it may hold, that the policy lets through."""
        return frozenset(
            role
            for role in Role
            if self.allows(
                Grantee(
                    role=role,
                    brand_ids=frozenset({_GRANTED}) if role in CLIENT_ROLES else frozenset(),
                    scopes=frozenset(scopes_for_role(role)),
                )
            )
        )

    @property
    def permitted_role(self) -> Role:
        return next(role for role in ROLES_BY_PRIVILEGE if role in self.allowed_roles)


def const(build: Callable[[World], dict[str, Any]]) -> Variables:
    async def variables(world: World) -> dict[str, Any]:
        return build(world)

    return variables


def acme(world: World) -> str:
    return gid("Brand", world.brand_ids[CLIENT_BRAND])


def conversation(world: World) -> str:
    return gid("Conversation", world.conversation_ids[CLIENT_BRAND])


async def fresh_conversation(world: World) -> str:
    conversation_id, _mention = await world.acme_conversation()
    return gid("Conversation", conversation_id)


def with_fresh_conversation(build: Callable[[str], dict[str, Any]]) -> Variables:
    async def variables(world: World) -> dict[str, Any]:
        return {"input": build(await fresh_conversation(world))}

    return variables


def fresh(make: str, key: str, extra: dict[str, Any] | None = None) -> Variables:
    """`{"input": {key: <a fresh object from World.<make>()>, **extra}}`."""

    async def variables(world: World) -> dict[str, Any]:
        made = await getattr(world, make)()
        return {"input": {key: made, **(extra or {})}}

    return variables


async def _fresh_membership_update(world: World) -> dict[str, Any]:
    _user, membership_id = await world.member()
    return {
        "input": {
            "membershipId": gid("Membership", membership_id),
            "role": "ANALYST",
            "reactivate": False,
        }
    }


async def _fresh_merge(world: World) -> dict[str, Any]:
    source = await world.customer("Cal Customer")
    target = await world.customer("Dee Customer")
    return {
        "input": {
            "sourceCustomerId": gid("Customer", source),
            "targetCustomerId": gid("Customer", target),
        }
    }


async def _fresh_incident(world: World) -> dict[str, Any]:
    return {"input": {"incidentId": gid("Incident", await world.incident())}}


async def _fresh_mention(world: World) -> dict[str, Any]:
    _conversation, mention_id = await world.acme_conversation()
    return {"input": {"mentionId": gid("Mention", mention_id), "priority": "COLD"}}


async def _react(world: World) -> dict[str, Any]:
    _conversation, mention_id = await world.acme_conversation()
    return {"input": {"mentionId": gid("Mention", mention_id), "reaction": "LIKE"}}


async def _qna_update(world: World) -> dict[str, Any]:
    entry_id, _version = await world.qna_entry()
    return {
        "input": {
            "entryId": entry_id,
            "answer": "Track it in the app; parcels arrive within two days now.",
            "questionVariants": ["Where is my parcel?"],
        }
    }


async def _qna_submit(world: World) -> dict[str, Any]:
    _entry, version_id = await world.qna_entry()
    return {"input": {"versionId": version_id}}


async def _sla_update(world: World) -> dict[str, Any]:
    return {
        "input": {
            "policyId": await world.sla_policy(),
            "policy": sla_policy_fields("Renamed policy"),
        }
    }


async def _team_update(world: World) -> dict[str, Any]:
    return {
        "input": {
            "teamId": await world.team(),
            "team": {
                "name": "Renamed team",
                "memberIds": [gid("User", world.users[Role.AGENT])],
                "leadUserId": None,
                "strategy": "LEAST_LOADED",
                "unassignAfterMinutes": None,
            },
        }
    }


async def _event_update(world: World) -> dict[str, Any]:
    return {"input": {"eventId": await world.brand_event(), "event": brand_event_fields("Renamed")}}


async def _auto_assign(world: World) -> dict[str, Any]:
    return {
        "input": {"conversationId": await fresh_conversation(world), "teamId": world.extra["team"]}
    }


async def _assign(world: World) -> dict[str, Any]:
    return {
        "input": {
            "conversationId": await fresh_conversation(world),
            "assigneeId": gid("User", world.users[Role.AGENT]),
        }
    }


async def _draft_update(world: World) -> dict[str, Any]:
    return {"input": {"replyId": await world.reply_draft(), "text": "Updated reply text."}}


def _brand_create(world: World) -> dict[str, Any]:
    number = world._next()
    return {
        "input": {
            "slug": f"initech-{number}",
            "name": f"Initech {number}",
            "industry": "software",
            "locales": ["en"],
            "primaryLanguage": "en",
            "serviceTier": "STANDARD",
            "timezone": "Europe/Berlin",
            "holidayCountry": None,
        }
    }


def _channel_create(world: World) -> dict[str, Any]:
    return {
        "input": {
            "brandId": acme(world),
            "kind": "TELEGRAM",
            "externalAccountId": f"acme-bot-{world._next()}",
            "name": "Acme bot",
            "secret": "telegram-bot-token-1234567890",
        }
    }


def _membership_create(world: World) -> dict[str, Any]:
    return {
        "input": {
            "email": f"new-{world._next()}@agency.example",
            "displayName": "New Member",
            "role": "AGENT",
            "brandIds": [],
        }
    }


def _api_client_create(world: World) -> dict[str, Any]:
    return {
        "input": {
            "name": f"Integration {world._next()}",
            "grantTypes": ["CLIENT_CREDENTIALS"],
            "redirectUris": [],
            "scopes": ["inbox:read"],
            "role": "AGENT",
            "brandIds": [],
            "public": False,
        }
    }


QUERIES: dict[str, Case] = {
    "agentAvailability": Case(
        const(lambda w: {"userIds": [gid("User", w.users[Role.AGENT])]}),
        (P.MEMBERS_READ,),
        on_brand=False,
    ),
    "apiClients": Case(const(lambda w: {}), (P.API_CLIENTS_MANAGE,), on_brand=False),
    "approvalQueue": Case(
        # Auditors see decided requests only; the seeded one is pending.
        const(lambda w: {}),
        (P.APPROVAL_DECIDE,),
        listing=True,
    ),
    "brand": Case(const(lambda w: {"id": acme(w)}), (P.BRAND_READ,)),
    "brandEvents": Case(const(lambda w: {"brandId": acme(w)}), (P.BRAND_READ,)),
    "brands": Case(const(lambda w: {}), (P.BRAND_READ,), listing=True),
    "channel": Case(
        const(lambda w: {"id": gid("Channel", w.channel_ids[CLIENT_BRAND])}), (P.CHANNEL_READ,)
    ),
    "channels": Case(const(lambda w: {}), (P.CHANNEL_READ,), listing=True),
    "conversation": Case(const(lambda w: {"id": conversation(w)}), (P.INBOX_READ,)),
    "conversationBriefings": Case(
        const(lambda w: {"conversationId": conversation(w)}), (P.INBOX_READ,), empty_ok=True
    ),
    "conversationPresence": Case(
        const(lambda w: {"conversationId": conversation(w)}), (P.INBOX_READ,)
    ),
    "conversationReplies": Case(
        const(lambda w: {"conversationId": conversation(w)}), (P.INBOX_READ,)
    ),
    "conversationSla": Case(const(lambda w: {"conversationId": conversation(w)}), (P.INBOX_READ,)),
    "customer": Case(
        const(lambda w: {"id": gid("Customer", w.customer_id)}), (P.INBOX_READ,), on_brand=False
    ),
    "customers": Case(const(lambda w: {}), (P.INBOX_READ,), on_brand=False),
    "inbox": Case(const(lambda w: {"orderBy": "PRIORITY"}), (P.INBOX_READ,), listing=True),
    "incident": Case(const(lambda w: {"id": w.extra["incident"]}), (P.INBOX_READ,)),
    "incidents": Case(const(lambda w: {}), (P.INBOX_READ,), listing=True),
    "memberships": Case(const(lambda w: {}), (P.MEMBERS_READ,), on_brand=False),
    "node": Case(const(lambda w: {"id": conversation(w)}), (P.INBOX_READ,), listing=True),
    "nodes": Case(const(lambda w: {"ids": [conversation(w)]}), (P.INBOX_READ,), listing=True),
    "qnaEntries": Case(const(lambda w: {}), (P.KNOWLEDGE_READ,), listing=True),
    "qnaEntry": Case(const(lambda w: {"id": w.extra["qnaEntry"]}), (P.KNOWLEDGE_READ,)),
    "qnaSuggest": Case(
        const(lambda w: {"conversationId": conversation(w), "first": 3}),
        (P.INBOX_READ,),
    ),
    "searchMentions": Case(const(lambda w: {"query": "parcel"}), (P.INBOX_READ,), listing=True),
    "slaPolicies": Case(const(lambda w: {"brandId": acme(w)}), (P.INBOX_READ,)),
    "teams": Case(const(lambda w: {"brandId": acme(w)}), (P.INBOX_READ,)),
    "tenant": Case(const(lambda w: {}), None, on_brand=False),
    "toneCheck": Case(
        const(lambda w: {"input": {"brandId": acme(w), "text": "Thanks for waiting!"}}),
        (P.KNOWLEDGE_READ,),
    ),
    "toneGuidelines": Case(const(lambda w: {"brandId": acme(w)}), (P.KNOWLEDGE_READ,)),
    "users": Case(const(lambda w: {}), (P.MEMBERS_READ,), on_brand=False),
    "viewer": Case(const(lambda w: {}), None, on_brand=False),
}

MUTATIONS: dict[str, Case] = {
    "agentAvailabilitySet": Case(
        const(lambda w: {"input": {"status": "ONLINE", "capacity": 5 + w._next()}}),
        (P.INBOX_WRITE,),
        on_brand=False,
    ),
    "apiClientCreate": Case(const(_api_client_create), (P.API_CLIENTS_MANAGE,), on_brand=False),
    "apiClientRevoke": Case(
        fresh("api_client", "apiClientId"), (P.API_CLIENTS_MANAGE,), on_brand=False
    ),
    "approvalDecide": Case(
        fresh("approval", "approvalId", {"decision": "APPROVED", "comment": None}),
        (P.APPROVAL_DECIDE,),
    ),
    "brandCreate": Case(const(_brand_create), (P.BRAND_MANAGE,), on_brand=False),
    "brandEventCreate": Case(
        const(lambda w: {"input": {"brandId": acme(w), "event": brand_event_fields("Sale")}}),
        (P.BRAND_MANAGE,),
    ),
    "brandEventDelete": Case(fresh("brand_event", "eventId"), (P.BRAND_MANAGE,)),
    "brandEventUpdate": Case(_event_update, (P.BRAND_MANAGE,)),
    "brandUpdate": Case(
        const(lambda w: {"input": {"brandId": acme(w), "industry": "retail"}}), (P.BRAND_MANAGE,)
    ),
    "channelCreate": Case(const(_channel_create), (P.CHANNEL_MANAGE,)),
    "channelUpdate": Case(
        const(
            lambda w: {
                "input": {
                    "channelId": gid("Channel", w.channel_ids[CLIENT_BRAND]),
                    "name": f"Acme page {w._next()}",
                    "rotateSecret": False,
                }
            }
        ),
        (P.CHANNEL_MANAGE,),
    ),
    "conversationAddNote": Case(
        with_fresh_conversation(lambda c: {"conversationId": c, "body": "Called the courier."}),
        (P.INBOX_WRITE,),
    ),
    "conversationAssign": Case(_assign, (P.INBOX_WRITE,)),
    "conversationAutoAssign": Case(_auto_assign, (P.INBOX_WRITE,)),
    "conversationMarkHandledBy": Case(
        with_fresh_conversation(lambda c: {"conversationId": c, "handledBy": "HUMAN"}),
        (P.INBOX_WRITE,),
    ),
    "conversationMoveToPrivate": Case(
        with_fresh_conversation(
            lambda c: {
                "conversationId": c,
                "publicText": "We have sent you a private message.",
                "privateText": "Could you share your order number?",
            }
        ),
        (P.INBOX_WRITE,),
    ),
    "conversationPresenceTouch": Case(
        with_fresh_conversation(lambda c: {"conversationId": c, "activity": "VIEWING"}),
        (P.INBOX_READ,),
    ),
    "conversationSetStatus": Case(
        with_fresh_conversation(lambda c: {"conversationId": c, "status": "OPEN"}),
        (P.INBOX_WRITE,),
    ),
    "conversationSnooze": Case(
        with_fresh_conversation(
            lambda c: {"conversationId": c, "until": "2026-12-24T09:00:00+00:00"}
        ),
        (P.INBOX_WRITE,),
    ),
    "customerMerge": Case(_fresh_merge, (P.INBOX_WRITE,), on_brand=False),
    "customerUpdate": Case(
        const(
            lambda w: {
                "input": {"customerId": gid("Customer", w.customer_id), "notes": f"n{w._next()}"}
            }
        ),
        (P.INBOX_WRITE,),
        on_brand=False,
    ),
    "incidentResolve": Case(_fresh_incident, (P.INBOX_WRITE,)),
    "membershipCreate": Case(const(_membership_create), (P.MEMBERS_MANAGE,), on_brand=False),
    "membershipDeactivate": Case(
        fresh("member_gid", "membershipId"), (P.MEMBERS_MANAGE,), on_brand=False
    ),
    "membershipUpdate": Case(_fresh_membership_update, (P.MEMBERS_MANAGE,), on_brand=False),
    "mentionReact": Case(_react, (P.REPLY_SEND,), queues_job=True),
    "qnaEntryCreate": Case(
        const(lambda w: {"input": qna_entry_fields(w.brand_ids, w._next())}),
        (P.KNOWLEDGE_EDIT,),
    ),
    "qnaEntryRetire": Case(fresh("qna_entry_id", "entryId"), (P.KNOWLEDGE_EDIT,)),
    "qnaEntryUpdate": Case(_qna_update, (P.KNOWLEDGE_EDIT,)),
    "qnaVersionSubmit": Case(_qna_submit, (P.KNOWLEDGE_EDIT,)),
    "replyCancel": Case(fresh("reply_draft", "replyId"), (P.INBOX_WRITE,)),
    "replyDraftCreate": Case(
        with_fresh_conversation(
            lambda c: {"conversationId": c, "text": "We are on it.", "qnaVersionIds": []}
        ),
        (P.INBOX_WRITE,),
    ),
    "replyDraftUpdate": Case(_draft_update, (P.INBOX_WRITE,)),
    "replySend": Case(
        fresh("reply_draft", "replyId"),
        (P.REPLY_SEND,),
        queues_job=True,
    ),
    "replySubmit": Case(fresh("reply_draft", "replyId"), (P.INBOX_WRITE,)),
    "slaPolicyCreate": Case(
        const(
            lambda w: {"input": {"brandId": acme(w), "policy": sla_policy_fields(f"P{w._next()}")}}
        ),
        (P.SLA_MANAGE,),
    ),
    "slaPolicyRetire": Case(fresh("sla_policy", "policyId"), (P.SLA_MANAGE,)),
    "slaPolicyUpdate": Case(_sla_update, (P.SLA_MANAGE,)),
    "teamCreate": Case(
        const(
            lambda w: {
                "input": {
                    "brandId": acme(w),
                    "team": {
                        "name": f"Team {w._next()}",
                        "memberIds": [],
                        "leadUserId": None,
                        "strategy": "ROUND_ROBIN",
                        "unassignAfterMinutes": None,
                    },
                }
            }
        ),
        (P.SLA_MANAGE,),
    ),
    "teamDelete": Case(fresh("team", "teamId"), (P.SLA_MANAGE,)),
    "teamUpdate": Case(_team_update, (P.SLA_MANAGE,)),
    "toneGuidelineSubmit": Case(fresh("tone_version", "versionId"), (P.KNOWLEDGE_EDIT,)),
    "toneGuidelineUpdate": Case(
        const(
            lambda w: {
                "input": {"brandId": acme(w), "language": "en", "maxReplyChars": 300 + w._next()}
            }
        ),
        (P.KNOWLEDGE_EDIT,),
    ),
    "triageCorrect": Case(_fresh_mention, (P.INBOX_WRITE,)),
}

SUBSCRIPTIONS: dict[str, Case] = {
    "conversationEvents": Case(const(lambda w: {"id": conversation(w)}), (P.INBOX_READ,)),
    "inboxEvents": Case(const(lambda w: {}), (P.INBOX_READ,), listing=True),
}

CASES: dict[str, Case] = {
    **{f"Query.{name}": case for name, case in QUERIES.items()},
    **{f"Mutation.{name}": case for name, case in MUTATIONS.items()},
    **{f"Subscription.{name}": case for name, case in SUBSCRIPTIONS.items()},
}


_SCHEMA: GraphQLSchema | None = None


def schema() -> GraphQLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = build_schema(production=False)._schema
    return _SCHEMA


def root_fields() -> dict[str, GraphQLField]:
    found: dict[str, GraphQLField] = {}
    for root in (schema().query_type, schema().mutation_type, schema().subscription_type):
        if root is not None:
            found |= {f"{root.name}.{name}": field for name, field in root.fields.items()}
    return found


def _selection(type_: GraphQLType, depth: int) -> str:
    named: GraphQLNamedType = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    parts = ["__typename"]
    fields = named.fields
    if "id" in fields:
        parts.append("id")
    else:
        parts.extend(
            name
            for name, sub in fields.items()
            if is_leaf_type(get_named_type(sub.type)) and not sub.args
        )
    if "userErrors" in fields:
        parts.append("userErrors { code field message }")
    if "nodes" in fields and depth < 2:
        parts.append("nodes " + _selection(fields["nodes"].type, depth + 1))
    elif "edges" in fields and depth < 2:
        parts.append("edges " + _selection(fields["edges"].type, depth + 1))
    elif "node" in fields and depth < 3:
        parts.append("node " + _selection(fields["node"].type, depth + 1))
    if depth == 0 and "userErrors" in fields:
        for name, sub in fields.items():
            needs_args = any(is_non_null_type(arg.type) for arg in sub.args.values())
            if (
                name != "userErrors"
                and not needs_args
                and not is_leaf_type(get_named_type(sub.type))
            ):
                parts.append(f"{name} {_selection(sub.type, depth + 1)}")
    return "{ " + " ".join(parts) + " }"


def document(key: str, variables: dict[str, Any]) -> str:
    """An operation calling the root field `key` with `variables` as its arguments."""
    root, name = key.split(".")
    field_ = root_fields()[key]
    declared = ", ".join(f"${arg}: {field_.args[arg].type}" for arg in variables)
    passed = ", ".join(f"{arg}: ${arg}" for arg in variables)
    operation = root.lower()
    head = f"{operation} AuthzCase" + (f"({declared})" if declared else "")
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {_selection(field_.type, 0)} }}"


REFUSAL_CODES = {"FORBIDDEN", "NOT_FOUND"}


def has_content(value: Any) -> bool:
    """Whether an answer carries anything beyond type names, empty lists and zero counts."""
    if isinstance(value, dict):
        return any(has_content(item) for key, item in value.items() if key != "__typename")
    if isinstance(value, list):
        return any(has_content(item) for item in value)
    return value not in (None, 0, False, "")


def refused(body: dict[str, Any], field: str, *, listing: bool) -> bool:
    """A top-level FORBIDDEN/NOT_FOUND with no data, such a userError with no object,
    or (for listings the policy filters) an answer with nothing in it."""
    codes = set(error_codes(body))
    data = (body.get("data") or {}).get(field)
    if codes:
        return codes <= REFUSAL_CODES and not ids_in(data)
    if isinstance(data, dict) and "userErrors" in data:
        user_codes = {error["code"] for error in data["userErrors"]}
        objects = {key: value for key, value in data.items() if key != "userErrors"}
        return bool(user_codes) and user_codes <= REFUSAL_CODES and not ids_in(objects)
    return listing and not has_content(data)
