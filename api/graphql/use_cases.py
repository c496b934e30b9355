"""Running one mutation's use case: one unit of work as the caller, committed on success."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from api.graphql.context import ParleyContext
from domain.authz.policy import Grantee
from domain.db.uow import UnitOfWork

ResultT = TypeVar("ResultT")

UseCase = Callable[[UnitOfWork, Grantee], Awaitable[ResultT]]


async def run_use_case(context: ParleyContext, use_case: UseCase[ResultT]) -> ResultT:
    """Run `use_case` in one unit of work as the caller and commit; returns its result.

    Domain errors propagate with nothing committed: each area turns them into
    its own user errors.
    """
    async with context.unit_of_work() as uow:
        grantee = await context.grantee_in(uow)
        value = await use_case(uow, grantee)
        await uow.commit()
    return value
