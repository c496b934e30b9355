"""The five demo brands' tone guidelines and a compact view of findings, for the tone tests."""

import json
from functools import cache
from pathlib import Path

from domain.tone.rules import ToneGuidelines, check_tone, tone_guidelines_from_config

BRANDS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "brands.json"
LANGUAGE = {"wierzba": "pl", "biryuza": "ru", "forchetta": "it", "nilgoon": "fa", "kestrel": "en"}


@cache
def brand_config(slug: str) -> dict[str, object]:
    brands = json.loads(BRANDS_FILE.read_text("utf-8"))["tenant"]["brands"]
    found: dict[str, object] = next(brand for brand in brands if brand["slug"] == slug)
    return found


def guidelines(slug: str) -> ToneGuidelines:
    tone = brand_config(slug)["tone_guidelines"]
    assert isinstance(tone, dict)
    return tone_guidelines_from_config(tone)


def findings(
    slug: str,
    text: str,
    *,
    language: str | None = None,
    channel_kind: str | None = None,
    context: str | None = None,
) -> list[tuple[str, str, str]]:
    """(code, severity, the text the finding spans) for each finding, in order."""
    return [
        (finding.code.value, finding.severity.value, text[finding.start : finding.end])
        for finding in check_tone(
            text,
            guidelines=guidelines(slug),
            language=language or LANGUAGE[slug],
            channel_kind=channel_kind,
            context_category=context,
        )
    ]
