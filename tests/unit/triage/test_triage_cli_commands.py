"""`parley triage classify` and `parley triage eval` (the click group, run in-process)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.commands.triage import commands, triage

DEV_SET = Path(__file__).resolve().parents[2] / "fixtures" / "mentions" / "mentions_dev.jsonl"
BURST = [
    {
        "id": f"b{n}",
        "brand": "nilgoon",
        "channel_kind": "x",
        "kind": "post",
        "text": text,
        "author_handle": f"@user{n}",
        "posted_at": f"2026-11-20T21:{15 + 4 * n:02d}:00+03:30",
    }
    for n, text in enumerate(
        [
            "اینترنت نیلگون قطع شده؟ هیچی باز نمی‌شه",
            "منم همینطور، اینترنت کار نمی‌کنه",
            "Nilgoon mobile data completely down here, anyone else?",
            "اینترنت کلاً قطع! کی وصل می‌شه؟",
            "آنتن دارم ولی اینترنت وصل نمی‌شه، خطای شبکه",
            "Is Nilgoon down? No internet for 15 minutes",
        ]
    )
]


def test_the_area_exposes_the_group() -> None:
    assert commands == [triage]


def test_classify_writes_one_line_per_input_and_detects_the_burst() -> None:
    lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in BURST) + "\n"

    result = CliRunner().invoke(triage, ["classify"], input=lines)

    assert result.exit_code == 0, result.output
    outputs = [json.loads(line) for line in result.output.splitlines()]
    assert [output["id"] for output in outputs] == [f"b{n}" for n in range(6)]
    for output in outputs:
        assert set(output) == {"id", "labels", "reasons", "incident"}
        assert set(output["labels"]) == {
            "language",
            "priority",
            "category",
            "sentiment",
            "sensitive_data",
            "needs_private",
            "escalate_to",
        }
        assert output["labels"]["priority"] == "hot"
        assert output["labels"]["escalate_to"] == "technical"
        assert all(isinstance(reason, str) for reason in output["reasons"])
    assert [output["labels"]["language"] for output in outputs] == [
        "fa",
        "fa",
        "en",
        "fa",
        "fa",
        "en",
    ]
    # Streaming: lines before the incident opened were already written.
    assert [output["incident"] for output in outputs] == [None, None, None] + [
        "nilgoon-outage-20261120-1745"
    ] * 3


def test_classify_reports_bad_lines_and_goes_on() -> None:
    lines = "\n".join(
        [
            "not json",
            json.dumps(
                {"id": "x1", "brand": "acme", "channel_kind": "x", "kind": "post", "text": "hi"}
            ),
            json.dumps({"id": "x2", "brand": "kestrel", "kind": "post", "text": "hi"}),
            json.dumps(BURST[0], ensure_ascii=False),
        ]
    )

    result = CliRunner().invoke(triage, ["classify", "--cascade-threshold", "0"], input=lines)

    assert result.exit_code == 1
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert outputs[:3] == [
        {"id": None, "error": "Expecting value: line 1 column 1 (char 0)"},
        {"id": "x1", "error": "unknown brand 'acme'"},
        {"id": "x2", "error": "field 'channel_kind' must be a string"},
    ]
    assert outputs[3]["labels"]["category"] == "outage"
    assert "3 line(s) could not be classified" in result.stderr


def test_classify_reads_another_brand_catalogue(tmp_path: Path) -> None:
    catalogue = tmp_path / "brands.json"
    catalogue.write_text(
        json.dumps({"brands": [{"slug": "acme", "name": "Acme", "locales": ["en-GB"]}]}),
        encoding="utf-8",
    )
    line = json.dumps(
        {
            "id": "a1",
            "brand": "acme",
            "channel_kind": "x",
            "kind": "post",
            "text": "Thanks Acme, great support!",
        }
    )

    result = CliRunner().invoke(
        triage, ["classify", "--brands", str(catalogue), "--cascade-threshold", "0"], input=line
    )

    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["labels"]["language"] == "en"
    assert output["labels"]["category"] == "praise"
    assert output["labels"]["escalate_to"] is None


@pytest.mark.parametrize("threshold", ["0", "0.5"])
def test_eval_prints_a_json_report(tmp_path: Path, threshold: str) -> None:
    subset = tmp_path / "subset.jsonl"
    subset.write_text(
        "\n".join(DEV_SET.read_text(encoding="utf-8").splitlines()[:60]) + "\n", encoding="utf-8"
    )

    result = CliRunner().invoke(triage, ["eval", str(subset), "--cascade-threshold", threshold])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["items"] == 60
    assert report["method"]["scored_without_their_training_twin"] == 60
    assert set(report["labels"]) == {
        "priority",
        "category",
        "sentiment",
        "language",
        "escalate_to",
        "needs_private",
    }
    assert set(report["labels"]["priority"]) == {"accuracy", "macro_f1", "classes"}
    assert set(report["sensitive_data"]) == {"overall", "kinds"}
    assert report["labels"]["priority"]["macro_f1"] > 0.7


def test_eval_scores_new_items_with_the_model_trained_on_all_seeds(tmp_path: Path) -> None:
    known, new = (json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()[:2])
    new["id"] = "new-1"
    new["text"] = "Do you sell eSIMs for tourists at the airport? Landing on Friday."
    items = tmp_path / "items.jsonl"
    items.write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in (known, new)) + "\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(triage, ["eval", str(items)])

    assert result.exit_code == 0, result.output
    method = json.loads(result.output)["method"]
    assert method["scored_without_their_training_twin"] == 1
    assert method["scored_by_the_model_trained_on_all_examples"] == 1
    assert method["training_examples"] == 400
