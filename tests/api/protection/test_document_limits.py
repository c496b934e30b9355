"""Document limits, checked in one pass before validation (no I/O)."""

from graphql import parse

from api.graphql.protection.limits import DocumentLimits, check_document

LIMITS = DocumentLimits(max_depth=4, max_aliases=3, max_directives=2, max_field_copies=3)


def code_of(query: str) -> str | None:
    error = check_document(parse(query), LIMITS)
    return None if error is None else str((error.extensions or {})["code"])


def test_documents_within_the_limits_pass() -> None:
    assert code_of("{ a: viewer { b: role c: role } viewer { id id id } }") is None
    assert code_of("{ a { b { c { d } } } }") is None
    assert code_of("{ a @include(if: true) { b @skip(if: false) } }") is None


def test_each_limit_has_its_code_and_figures() -> None:
    aliases = check_document(parse("{ a: x b: x c: x d: x }"), LIMITS)
    assert aliases is not None
    assert aliases.extensions == {"code": "MAX_ALIASES_EXCEEDED", "aliases": 4, "maxAliases": 3}
    assert aliases.message == "The operation uses 4 aliases; at most 3 are allowed."
    assert code_of("{ x @a @b @c }") == "MAX_DIRECTIVES_EXCEEDED"
    copies = check_document(parse("{ viewer { role role role role } }"), LIMITS)
    assert copies is not None
    assert copies.extensions == {"code": "DUPLICATED_FIELDS", "copies": 4, "maxCopies": 3}
    assert "'role'" in copies.message
    assert code_of("{ a { b { c { d { e } } } } }") == "MAX_DEPTH_EXCEEDED"


def test_depth_counts_through_fragments() -> None:
    query = "{ a { ...B } } fragment B on A { b { ... on B { c { d { e } } } } }"
    error = check_document(parse(query), LIMITS)
    assert error is not None
    assert error.extensions == {"code": "MAX_DEPTH_EXCEEDED", "depth": 5, "maxDepth": 4}


def test_circular_fragments_do_not_loop() -> None:
    query = "{ a { ...A } } fragment A on T { b ...B } fragment B on T { c ...A }"
    assert code_of(query) is None


def test_hostile_documents_are_checked_in_linear_time() -> None:
    limits = DocumentLimits()
    levels = 60
    bomb = " ".join(f"fragment F{i} on T {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    documents = [
        parse(f"{{ a {{ ...F0 }} }} {bomb} fragment F{levels} on T {{ x }}"),
        parse("{ viewer { " + " ".join(["role"] * 5000) + " } }"),
        parse("{ viewer " + "@include(if: true) " * 5000 + "{ role } }"),
    ]
    codes = [check_document(document, limits) for document in documents]
    assert codes[0] is None
    assert [(error.extensions or {}).get("code") for error in codes[1:] if error] == [
        "DUPLICATED_FIELDS",
        "MAX_DIRECTIVES_EXCEEDED",
    ]
