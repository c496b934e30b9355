"""One triage pipeline for the whole test run (its model takes seconds to load)."""

import pytest

from domain.ingestion.processing import TriageService
from domain.triage.ingestion import PipelineTriage, shared_triager


@pytest.fixture(scope="session")
def pipeline_triage() -> TriageService:
    return PipelineTriage(shared_triager())
