"""The tenant's stored corrections as the pipeline's corrections memory, cached per tenant.

Every triage run asks the table for a cheap stamp (row count and newest time); the
memory is rebuilt from the table only when the stamp changed. Feedback rows are only
ever added, so a correction committed by the API process is seen by the next triage
run of any worker, without a message between them.
"""

import uuid
from dataclasses import dataclass

from domain.db.uow import UnitOfWork
from domain.triage.corrections import CorrectionMemory
from domain.triage.feedback import corrections_from_feedback
from domain.triage.repository import FeedbackStamp, TriageFeedbackRepository

__all__ = ["TenantCorrections"]


@dataclass(frozen=True, slots=True)
class _Cached:
    stamp: FeedbackStamp
    memory: CorrectionMemory


class TenantCorrections:
    """Corrections memories by tenant, loaded from `triage_feedback` when it changed.

    One per process (it is what `PipelineTriage` keeps between jobs). A memory holds
    one tenant's corrections only, so a match can never come from another tenant.
    """

    def __init__(self, *, threshold: float | None = None) -> None:
        self.threshold = threshold
        self._cached: dict[uuid.UUID, _Cached] = {}

    async def memory(self, uow: UnitOfWork) -> CorrectionMemory:
        """The scope's tenant's memory, current as of this unit of work."""
        tenant_id = uow.require_scope().tenant_id
        repository = TriageFeedbackRepository(uow)
        stamp = await repository.stamp()
        cached = self._cached.get(tenant_id)
        if cached is not None and cached.stamp == stamp:
            return cached.memory
        memory = CorrectionMemory() if self.threshold is None else CorrectionMemory(self.threshold)
        if stamp.count:
            values = await repository.memory_values()
            for correction in corrections_from_feedback(str(tenant_id), values):
                memory.add(correction)
        self._cached[tenant_id] = _Cached(stamp, memory)
        return memory
