"""Pure rules of tenant administration: owners, grants, statuses, brand settings."""

import pytest

from domain.authz.policy import Role
from domain.brands.rules import check_brand_fields, is_known_timezone, normalize_slug
from domain.shared.errors import PermissionDeniedError, ValidationError
from domain.tenants.rules import (
    MembershipStatus,
    check_brand_grants,
    check_owner_removal,
    check_role_assignment,
    membership_status,
)

STAFF = [Role.OWNER, Role.ADMIN, Role.AGENT, Role.ANALYST]
CLIENTS = [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER]


@pytest.mark.parametrize("new_role", list(Role))
@pytest.mark.parametrize("current_role", [None, *Role])
def test_owners_may_assign_any_role(current_role: Role | None, new_role: Role) -> None:
    check_role_assignment(actor_role=Role.OWNER, current_role=current_role, new_role=new_role)


@pytest.mark.parametrize("current_role", [None, Role.ADMIN, Role.AGENT, *CLIENTS])
def test_admins_never_make_owners(current_role: Role | None) -> None:
    with pytest.raises(PermissionDeniedError):
        check_role_assignment(actor_role=Role.ADMIN, current_role=current_role, new_role=Role.OWNER)


@pytest.mark.parametrize("new_role", list(Role))
def test_admins_never_touch_owners(new_role: Role) -> None:
    with pytest.raises(PermissionDeniedError):
        check_role_assignment(actor_role=Role.ADMIN, current_role=Role.OWNER, new_role=new_role)


@pytest.mark.parametrize("new_role", [Role.ADMIN, Role.AGENT, Role.ANALYST, *CLIENTS])
@pytest.mark.parametrize("current_role", [None, Role.ADMIN, Role.AGENT, Role.CLIENT_VIEWER])
def test_admins_manage_everyone_else(current_role: Role | None, new_role: Role) -> None:
    check_role_assignment(actor_role=Role.ADMIN, current_role=current_role, new_role=new_role)


@pytest.mark.parametrize("new_role", [None, Role.ADMIN, Role.CLIENT_VIEWER])
def test_the_last_owner_stays(new_role: Role | None) -> None:
    with pytest.raises(ValidationError) as raised:
        check_owner_removal(current_role=Role.OWNER, new_role=new_role, active_owner_count=1)
    assert raised.value.field == "role"
    check_owner_removal(current_role=Role.OWNER, new_role=new_role, active_owner_count=2)


def test_non_owners_and_owner_to_owner_need_no_count() -> None:
    check_owner_removal(current_role=Role.ADMIN, new_role=None, active_owner_count=0)
    check_owner_removal(current_role=Role.OWNER, new_role=Role.OWNER, active_owner_count=1)


@pytest.mark.parametrize("role", CLIENTS)
def test_client_roles_need_brands(role: Role) -> None:
    with pytest.raises(ValidationError):
        check_brand_grants(role, 0)
    check_brand_grants(role, 2)


@pytest.mark.parametrize("role", STAFF)
def test_staff_roles_take_no_brands(role: Role) -> None:
    check_brand_grants(role, 0)
    with pytest.raises(ValidationError):
        check_brand_grants(role, 1)


@pytest.mark.parametrize(
    ("flags", "status"),
    [
        ((False, True, True, True), MembershipStatus.DEACTIVATED),
        ((True, False, True, True), MembershipStatus.DEACTIVATED),
        ((True, True, False, False), MembershipStatus.INVITED),
        ((True, True, True, False), MembershipStatus.ACTIVE),
        ((True, True, False, True), MembershipStatus.ACTIVE),
    ],
)
def test_membership_status(flags: tuple[bool, bool, bool, bool], status: MembershipStatus) -> None:
    membership_active, user_active, has_password, has_signed_in = flags
    assert (
        membership_status(
            membership_active=membership_active,
            user_active=user_active,
            has_password=has_password,
            has_signed_in=has_signed_in,
        )
        is status
    )


@pytest.mark.parametrize("slug", ["a", "acme", "kestrel-airways", "b2b", "x" * 63])
def test_good_slugs(slug: str) -> None:
    assert normalize_slug(f" {slug} ") == slug


@pytest.mark.parametrize("slug", ["", "-acme", "acme-", "Acme", "ac me", "x" * 64, "żuraw"])
def test_bad_slugs(slug: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_slug(slug)
    assert raised.value.field == "slug"


def test_timezones_come_from_the_zone_database() -> None:
    assert is_known_timezone("Europe/Warsaw")
    assert is_known_timezone("Asia/Tehran")
    assert not is_known_timezone("Mars/Olympus")
    assert not is_known_timezone("../../etc/passwd")
    assert not is_known_timezone("")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"timezone": "UTC+2"}, "timezone"),
        ({"primary_language": "EN"}, "primaryLanguage"),
        ({"locales": ["pl_PL"]}, "locales"),
        ({"locales": ["pl"] * 21}, "locales"),
        ({"holiday_country": "pl"}, "holidayCountry"),
        ({"service_tier": "gold"}, "serviceTier"),
        ({"industry": "x" * 61}, "industry"),
    ],
)
def test_bad_brand_fields(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check_brand_fields(fields)
    assert raised.value.field == field


def test_good_brand_fields() -> None:
    check_brand_fields(
        {
            "name": "Бирюза Банк",
            "timezone": "Europe/Moscow",
            "primary_language": "ru",
            "locales": ["ru-RU", "en", "sr-Latn", "es-419"],
            "holiday_country": "RU",
            "service_tier": "premium",
            "industry": "banking",
        }
    )
    check_brand_fields({"holiday_country": None})
