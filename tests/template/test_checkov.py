"""checkov on template.yaml: no failed check, and each skipped one is skipped in the template with a written reason.

The open-source checkov reports no severities (they need a Prisma Cloud key), so every finding counts as high:
each is fixed in the template or suppressed in the resource's ``Metadata.checkov.skip`` with a ``comment``.
"""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
CHECKOV = ROOT / ".checkov" / "bin" / "checkov"
INSTALL = "python3.11 -m venv .checkov && .checkov/bin/pip install -r requirements/checkov.txt"
# Data protection that must hold, never be suppressed: public access blocked, encryption at rest, backups.
MUST_PASS = {
    ("CKV_AWS_53", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_54", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_55", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_56", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_19", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_20", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_57", "AWS::S3::Bucket.AudioBucket"),
    ("CKV_AWS_28", "AWS::DynamoDB::Table.InterviewTable"),
    ("CKV_AWS_28", "AWS::DynamoDB::Table.IdempotencyTable"),
    ("CKV_AWS_45", "AWS::Serverless::Function.GatewayFunction"),
    ("CKV_AWS_45", "AWS::Serverless::Function.AuthorizerFunction"),
    ("CKV_AWS_45", "AWS::Serverless::Function.InterviewFunction"),
    ("CKV_AWS_45", "AWS::Serverless::Function.VoiceFunction"),
}


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.skip(f".checkov is absent; `make` creates it ({INSTALL})")
    run = subprocess.run(
        [str(CHECKOV), "--file", str(TEMPLATE), "--framework", "cloudformation", "--output", "json", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["summary"]["parsing_errors"] == 0, report["summary"]
    return report["results"]


def _ids(checks: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(c["check_id"], c["resource"]) for c in checks}


def test_no_check_fails(results: dict[str, Any]) -> None:
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]]
    assert failed == [], "fix these in template.yaml or skip them there with a reason:\n" + "\n".join(failed)


def test_every_skip_is_written_in_the_template_with_a_reason(results: dict[str, Any]) -> None:
    for check in results["skipped_checks"]:
        reason = (check["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) >= 40, f"{check['check_id']} on {check['resource']} is skipped without a real reason"


def test_data_protection_checks_pass_and_are_never_skipped(results: dict[str, Any]) -> None:
    passed = _ids(results["passed_checks"])
    assert passed >= MUST_PASS, sorted(MUST_PASS - passed)
