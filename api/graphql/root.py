"""The schema's root types, merged from the areas.

Each area under `api/graphql/<area>/` defines its own query, mutation and
subscription classes; add them to the tuples below. Roots without any area
are left out of the schema.
"""

from typing import Any

from strawberry.tools import merge_types

from api.graphql.admin.mutations import AdminMutations
from api.graphql.admin.queries import AdminQueries
from api.graphql.approvals.mutations import ApprovalMutations
from api.graphql.approvals.queries import ApprovalQueries
from api.graphql.assignment.mutations import AssignmentMutations
from api.graphql.assignment.queries import AssignmentQueries
from api.graphql.brands.mutations import BrandMutations
from api.graphql.brands.queries import BrandQueries
from api.graphql.conversations.mutations import ConversationMutations
from api.graphql.conversations.queries import ConversationQueries
from api.graphql.customers.mutations import CustomerMutations
from api.graphql.customers.queries import CustomerQueries
from api.graphql.inbox.queries import InboxQueries
from api.graphql.incidents.mutations import IncidentMutations
from api.graphql.incidents.queries import IncidentQueries
from api.graphql.knowledge.mutations import KnowledgeMutations
from api.graphql.knowledge.queries import KnowledgeQueries
from api.graphql.mentions.mutations import TriageMutations
from api.graphql.mentions.queries import MentionQueries
from api.graphql.nodes import NodeQueries
from api.graphql.replies.mutations import ReplyMutations
from api.graphql.replies.queries import ReplyQueries
from api.graphql.sla.mutations import SlaMutations
from api.graphql.sla.queries import SlaQueries
from api.graphql.subscriptions.subscriptions import InboxSubscriptions
from api.graphql.viewer.queries import ViewerQueries

QUERY_AREAS: tuple[type, ...] = (
    ViewerQueries,
    NodeQueries,
    InboxQueries,
    ConversationQueries,
    CustomerQueries,
    MentionQueries,
    AdminQueries,
    BrandQueries,
    SlaQueries,
    AssignmentQueries,
    ReplyQueries,
    IncidentQueries,
    KnowledgeQueries,
    ApprovalQueries,
)
MUTATION_AREAS: tuple[type, ...] = (
    ConversationMutations,
    CustomerMutations,
    TriageMutations,
    AdminMutations,
    BrandMutations,
    SlaMutations,
    AssignmentMutations,
    ReplyMutations,
    IncidentMutations,
    KnowledgeMutations,
    ApprovalMutations,
)
SUBSCRIPTION_AREAS: tuple[type, ...] = (InboxSubscriptions,)


def _merged(name: str, areas: tuple[type, ...]) -> Any:
    return merge_types(name, areas) if areas else None


Query: Any = merge_types("Query", QUERY_AREAS)
Mutation: Any = _merged("Mutation", MUTATION_AREAS)
Subscription: Any = _merged("Subscription", SUBSCRIPTION_AREAS)
