import json
from pathlib import Path
from typing import Any

import pytest

from domain import triage
from domain.triage.checksums import Checksum
from domain.triage.config import escalation_route_rules, identifier_formats, region_hints
from domain.triage.routes import EscalationRouteRule
from domain.triage.sensitive import IdentifierFormat, SensitiveKind

BRANDS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "brands.json"


@pytest.fixture(scope="module")
def brands() -> dict[str, dict[str, Any]]:
    tenant = json.loads(BRANDS_FILE.read_text(encoding="utf-8"))["tenant"]
    return {brand["slug"]: brand for brand in tenant["brands"]}


def test_identifier_formats_of_the_insurer(brands: dict[str, dict[str, Any]]) -> None:
    assert identifier_formats(brands["wierzba"]["identifier_formats"], country="PL") == {
        "policy_number": IdentifierFormat(
            SensitiveKind.POLICY_NUMBER, r"^WRZ\d{9}$", None, country="PL"
        ),
        "national_id": IdentifierFormat(
            SensitiveKind.NATIONAL_ID, r"^\d{11}$", Checksum.PESEL, country="PL"
        ),
        "account_number": IdentifierFormat(
            SensitiveKind.ACCOUNT_NUMBER, r"^(PL)?\d{26}$", Checksum.IBAN, country="PL"
        ),
    }


def test_non_sensitive_and_regex_less_formats_are_skipped(
    brands: dict[str, dict[str, Any]],
) -> None:
    assert sorted(identifier_formats(brands["forchetta"]["identifier_formats"])) == [
        "account_number",
        "national_id",
    ]
    assert sorted(identifier_formats(brands["kestrel"]["identifier_formats"])) == [
        "booking_reference",
        "passport_number",
    ]
    assert identifier_formats(brands["nilgoon"]["identifier_formats"]) == {}


def test_checksum_is_recognised_from_the_description(brands: dict[str, dict[str, Any]]) -> None:
    formats = identifier_formats(brands["forchetta"]["identifier_formats"])

    assert formats["national_id"].checksum_name is Checksum.CODICE_FISCALE
    assert formats["account_number"].checksum_name is Checksum.IBAN
    assert identifier_formats({"card_number": {"regex": "^x$", "checksum": "Luhn"}}) == {
        "card_number": IdentifierFormat(SensitiveKind.CARD_NUMBER, "^x$", Checksum.LUHN)
    }
    assert identifier_formats({"card_number": {"regex": "^x$", "checksum": "secret sauce"}}) == {
        "card_number": IdentifierFormat(SensitiveKind.CARD_NUMBER, "^x$")
    }


def test_malformed_entries_are_skipped_not_raised() -> None:
    assert identifier_formats({"passport_number": "^\\d{9}$", "phone": {"regex": 7}}) == {}
    assert identifier_formats({"booking_reference": {"regex": "^[A-Z"}}) == {}
    assert (
        escalation_route_rules([{"criteria": {}}, {"department": "pr", "criteria": "press"}]) == ()
    )


def test_escalation_route_rules(brands: dict[str, dict[str, Any]]) -> None:
    rules = escalation_route_rules(brands["kestrel"]["escalation_routes"])

    assert [rule.department for rule in rules] == [
        "claims",
        "logistics",
        "billing",
        "technical",
        "legal_compliance",
        "pr",
    ]
    assert rules[5] == EscalationRouteRule(
        "pr",
        ("question", "complaint", "general_mention"),
        ("journalist", "press", "media", "influencer", "viral"),
    )


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("wierzba", ("PL",)),
        ("biryuza", ("RU",)),
        ("forchetta", ("IT",)),
        ("nilgoon", ("IR", "AF")),
        ("kestrel", ("GB", "US")),
    ],
)
def test_region_hints_from_locales(
    brands: dict[str, dict[str, Any]], slug: str, expected: tuple[str, ...]
) -> None:
    assert region_hints(brands[slug]["locales"]) == expected


def test_region_hints_of_no_locales() -> None:
    assert region_hints([]) == ()


def test_public_api_of_the_package() -> None:
    assert triage.__all__ == [
        "Checksum",
        "EscalationRouteRule",
        "IdentifierFormat",
        "RouteSuggestion",
        "SensitiveKind",
        "SensitiveMatch",
        "find_sensitive_data",
        "needs_private",
        "suggest_department",
    ]
