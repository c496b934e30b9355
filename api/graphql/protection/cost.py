"""Query cost: how many objects an operation may return, and how many it did.

The rules (the contract's "Limits and cost" section explains them to clients):

- every object (a field of object, interface or union type) costs 1 point,
  scalars and enums cost nothing;
- a list counts as its largest possible length: `first`/`last` of the
  connection it belongs to (the default page size when absent), the number of
  `ids` for fields taking ids; other lists are short by the schema's design
  (anything long is a connection) and count `DEFAULT_LIST_SIZE`;
- a mutation field costs `MUTATION_COST` instead of 1;
- introspection fields (`__schema`, `__type`) are free;
- a field may declare its own cost or list size in its strawberry metadata
  (`strawberry.field(metadata=cost_metadata(cost=5, list_size=3))`).

The requested cost is computed from the document before execution (skipped
fields count: it is an upper bound); the actual cost walks the result.
"""

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_interface_type,
    is_object_type,
)
from graphql.language import ValueNode

DEFAULT_PAGE_SIZE = 20
#: Lists that are not connections: business hours, a brand's teams, user errors.
DEFAULT_LIST_SIZE = 5
MUTATION_COST = 10
#: Keys of a field's strawberry metadata that override the rules above.
COST_KEY = "cost"
LIST_SIZE_KEY = "list_size"
_PAGE_ARGUMENTS = ("first", "last")
_IDS_ARGUMENT = "ids"


def cost_metadata(*, cost: int | None = None, list_size: int | None = None) -> dict[str, int]:
    """Metadata for `strawberry.field(metadata=…)` overriding a field's cost or list size."""
    metadata: dict[str, int] = {}
    if cost is not None:
        metadata[COST_KEY] = cost
    if list_size is not None:
        metadata[LIST_SIZE_KEY] = list_size
    return metadata


def select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation a request runs: the named one, or the only one."""
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next(
        (op for op in operations if op.name is not None and op.name.value == operation_name),
        None,
    )


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int:
    """The most points `operation` can cost; tolerant of documents that fail validation."""
    return _RequestedCost(schema, document, variables or {}).of_operation(operation)


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    data: Mapping[str, Any] | None,
) -> int:
    """The points the objects in `data` (the execution's result) cost."""
    if data is None:
        return 0
    return _ActualCost(schema, document).of_operation(operation, data)


def _metadata_of(field: GraphQLField) -> Mapping[str, Any]:
    definition = (field.extensions or {}).get("strawberry-definition")
    metadata = getattr(definition, "metadata", None)
    return metadata if isinstance(metadata, Mapping) else {}


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if parent is None or not (is_object_type(parent) or is_interface_type(parent)):
        return None
    fields: dict[str, GraphQLField] = parent.fields
    return fields.get(name)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _root_type(
    schema: GraphQLSchema, operation: OperationDefinitionNode
) -> GraphQLObjectType | None:
    if operation.operation is OperationType.MUTATION:
        return schema.mutation_type
    if operation.operation is OperationType.SUBSCRIPTION:
        return schema.subscription_type
    return schema.query_type


class _RequestedCost:
    """Static cost of selection sets, each (selection set, page size) computed once."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self._schema = schema
        self._fragments = _fragments(document)
        self._variables = variables
        self._memo: dict[tuple[int, str, int | None], int] = {}
        self._in_progress: set[tuple[int, str, int | None]] = set()

    def of_operation(self, operation: OperationDefinitionNode) -> int:
        root = _root_type(self._schema, operation)
        is_mutation = operation.operation is OperationType.MUTATION
        return self._selection_cost(operation.selection_set, root, None, is_mutation)

    def _selection_cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        page_size: int | None,
        is_mutation_root: bool = False,
    ) -> int:
        if selection_set is None or parent is None:
            return 0
        key = (id(selection_set), parent.name, page_size)
        if key in self._memo:
            return self._memo[key]
        if key in self._in_progress:  # a circular fragment: validation refuses it
            return 0
        self._in_progress.add(key)
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, page_size, is_mutation_root)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_parent = (
                    self._schema.get_type(condition.name.value) if condition else parent
                )
                total += self._selection_cost(
                    selection.selection_set, fragment_parent, page_size, is_mutation_root
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None:
                    total += self._selection_cost(
                        fragment.selection_set,
                        self._schema.get_type(fragment.type_condition.name.value),
                        page_size,
                        is_mutation_root,
                    )
        self._in_progress.discard(key)
        self._memo[key] = total
        return total

    def _field_cost(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        page_size: int | None,
        is_mutation_root: bool,
    ) -> int:
        if node.name.value.startswith("__"):
            return 0
        field = _field_definition(parent, node.name.value)
        if field is None:
            return 0
        named = get_named_type(field.type)
        if not is_composite_type(named):
            return 0
        metadata = _metadata_of(field)
        own = MUTATION_COST if is_mutation_root else 1
        own = int(metadata.get(COST_KEY, own))
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        child_page_size = None
        if any(name in field.args for name in _PAGE_ARGUMENTS):
            child_page_size = self._page_size(arguments)
        per_item = own + self._selection_cost(node.selection_set, named, child_page_size)
        if not _is_list(field.type):
            return per_item
        return self._list_size(field, arguments, page_size, metadata) * per_item

    def _list_size(
        self,
        field: GraphQLField,
        arguments: Mapping[str, ValueNode],
        page_size: int | None,
        metadata: Mapping[str, Any],
    ) -> int:
        if LIST_SIZE_KEY in metadata:
            return int(metadata[LIST_SIZE_KEY])
        if _IDS_ARGUMENT in field.args and _IDS_ARGUMENT in arguments:
            ids = self._value(arguments[_IDS_ARGUMENT])
            if isinstance(ids, list):
                return len(ids)
        return page_size if page_size is not None else DEFAULT_LIST_SIZE

    def _page_size(self, arguments: Mapping[str, ValueNode]) -> int:
        sizes = [self._value(arguments[name]) for name in _PAGE_ARGUMENTS if name in arguments]
        numbers = [size for size in sizes if isinstance(size, int) and not isinstance(size, bool)]
        return max(numbers, default=DEFAULT_PAGE_SIZE)

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self._variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            try:
                return int(node.value)
            except ValueError:
                return None
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


class _ActualCost:
    """Cost of the objects actually returned, following the operation's selections."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self._schema = schema
        self._fragments = _fragments(document)
        self._fields_memo: dict[int, dict[str, list[FieldNode]]] = {}
        self._children_memo: dict[tuple[int, ...], list[tuple[str, list[SelectionSetNode]]]] = {}

    def of_operation(self, operation: OperationDefinitionNode, data: Mapping[str, Any]) -> int:
        own = MUTATION_COST if operation.operation is OperationType.MUTATION else 1
        return self._object_cost([operation.selection_set], data, field_cost=own)

    def _object_cost(
        self,
        selection_sets: list[SelectionSetNode],
        data: Mapping[str, Any],
        field_cost: int = 1,
    ) -> int:
        total = 0
        for key, children in self._object_fields(selection_sets):
            if key in data:
                total += self._value_cost(children, data[key], field_cost)
        return total

    def _value_cost(self, selection_sets: list[SelectionSetNode], value: Any, own: int) -> int:
        if isinstance(value, list):
            return sum(self._value_cost(selection_sets, item, own) for item in value)
        if not isinstance(value, Mapping):
            return 0
        return own + self._object_cost(selection_sets, value)

    def _object_fields(
        self, selection_sets: list[SelectionSetNode]
    ) -> list[tuple[str, list[SelectionSetNode]]]:
        """The response keys of an object that select objects, with their selection sets.

        Scalar and introspection fields are left out: they cost nothing, so the
        walk never descends into them. Memoised per combination of selection
        sets, since every row of a list shares it.
        """
        memo_key = tuple(id(selection_set) for selection_set in selection_sets)
        found = self._children_memo.get(memo_key)
        if found is None:
            fields: dict[str, list[FieldNode]] = {}
            for selection_set in selection_sets:
                for key, nodes in self._fields_by_key(selection_set).items():
                    fields.setdefault(key, []).extend(nodes)
            found = [
                (key, children)
                for key, nodes in fields.items()
                if not nodes[0].name.value.startswith("__")
                and (children := [node.selection_set for node in nodes if node.selection_set])
            ]
            self._children_memo[memo_key] = found
        return found

    def _fields_by_key(self, selection_set: SelectionSetNode | None) -> dict[str, list[FieldNode]]:
        if selection_set is None:
            return {}
        memo_key = id(selection_set)
        if memo_key in self._fields_memo:
            return self._fields_memo[memo_key]
        self._fields_memo[memo_key] = {}  # guards against circular fragments
        fields: dict[str, list[FieldNode]] = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields.setdefault((selection.alias or selection.name).value, []).append(selection)
            else:
                nested: SelectionSetNode | None = None
                if isinstance(selection, InlineFragmentNode):
                    nested = selection.selection_set
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self._fragments.get(selection.name.value)
                    nested = fragment.selection_set if fragment else None
                for key, nodes in self._fields_by_key(nested).items():
                    fields.setdefault(key, []).extend(nodes)
        self._fields_memo[memo_key] = fields
        return fields
