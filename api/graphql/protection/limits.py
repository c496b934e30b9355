"""Limits on an operation document's shape, checked before validation.

One pass over the parsed document with fragments expanded once each, so a
hostile document (fragment bombs, circular fragments, thousands of copies of a
field or directive) is refused in time linear in its size, before graphql-core's
validation rules (some of them quadratic) look at it.
"""

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    visit,
)


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """The most an operation document may contain."""

    max_depth: int = 12
    max_aliases: int = 30
    max_directives: int = 50
    #: Copies of one response key in one selection set (clients legitimately
    #: repeat `id` or `__typename` now and then, never hundreds of times).
    max_field_copies: int = 3


def limit_error(code: str, message: str, **details: int) -> GraphQLError:
    """A refusal with `extensions.code` and the figures that explain it."""
    return GraphQLError(message, extensions={"code": code, **details})


def check_document(document: DocumentNode, limits: DocumentLimits) -> GraphQLError | None:
    """The first limit `document` exceeds, as an error with `extensions.code`; None if within.

    Codes: MAX_ALIASES_EXCEEDED, MAX_DIRECTIVES_EXCEEDED, DUPLICATED_FIELDS,
    MAX_DEPTH_EXCEEDED (introspection fields do not count towards depth).
    Circular fragments are not refused here (validation reports them) but never
    make the check loop.
    """
    counter = _NodeCounter()
    visit(document, counter)
    if counter.aliases > limits.max_aliases:
        return limit_error(
            "MAX_ALIASES_EXCEEDED",
            f"The operation uses {counter.aliases} aliases; at most "
            f"{limits.max_aliases} are allowed.",
            aliases=counter.aliases,
            maxAliases=limits.max_aliases,
        )
    if counter.directives > limits.max_directives:
        return limit_error(
            "MAX_DIRECTIVES_EXCEEDED",
            f"The operation uses {counter.directives} directives; at most "
            f"{limits.max_directives} are allowed.",
            directives=counter.directives,
            maxDirectives=limits.max_directives,
        )
    if counter.most_field_copies > limits.max_field_copies:
        return limit_error(
            "DUPLICATED_FIELDS",
            f"A selection repeats the field '{counter.most_copied_field}' "
            f"{counter.most_field_copies} times; at most {limits.max_field_copies} "
            "copies are allowed.",
            copies=counter.most_field_copies,
            maxCopies=limits.max_field_copies,
        )
    depth = _DepthMeasure(document).deepest()
    if depth > limits.max_depth:
        return limit_error(
            "MAX_DEPTH_EXCEEDED",
            f"The operation is {depth} levels deep; at most {limits.max_depth} are allowed.",
            depth=depth,
            maxDepth=limits.max_depth,
        )
    return None


class _NodeCounter(Visitor):
    """Counts aliases and directives as written, and field copies per selection set."""

    def __init__(self) -> None:
        super().__init__()
        self.aliases = 0
        self.directives = 0
        self.most_field_copies = 0
        self.most_copied_field = ""

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.alias is not None:
            self.aliases += 1

    def enter_directive(self, *_: object) -> None:
        self.directives += 1

    def enter_selection_set(self, node: SelectionSetNode, *_: object) -> None:
        copies: dict[str, int] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                copies[key] = copies.get(key, 0) + 1
                if copies[key] > self.most_field_copies:
                    self.most_field_copies = copies[key]
                    self.most_copied_field = key


class _DepthMeasure:
    """Depth of the deepest operation, each fragment measured once."""

    def __init__(self, document: DocumentNode) -> None:
        self._fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._operations = [
            definition
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        self._fragment_depths: dict[str, int] = {}
        self._measuring: set[str] = set()

    def deepest(self) -> int:
        return max(
            (self._selection_depth(operation.selection_set) for operation in self._operations),
            default=0,
        )

    def _selection_depth(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        return max((self._depth(selection) for selection in selection_set.selections), default=0)

    def _depth(self, selection: Node) -> int:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                # Introspection (off in production) nests type references
                # deeply by design; GraphiQL's own query must pass.
                return 0
            return 1 + self._selection_depth(selection.selection_set)
        if isinstance(selection, InlineFragmentNode):
            return self._selection_depth(selection.selection_set)
        if isinstance(selection, FragmentSpreadNode):
            return self._fragment_depth(selection.name.value)
        return 0

    def _fragment_depth(self, name: str) -> int:
        if name in self._fragment_depths:
            return self._fragment_depths[name]
        fragment = self._fragments.get(name)
        # Unknown and circular fragments add nothing; validation refuses them.
        if fragment is None or name in self._measuring:
            return 0
        self._measuring.add(name)
        depth = self._selection_depth(fragment.selection_set)
        self._measuring.discard(name)
        self._fragment_depths[name] = depth
        return depth
