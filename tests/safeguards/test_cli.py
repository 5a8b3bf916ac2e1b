"""`govrag keys`, `govrag audit` and `govrag risk report` through typer's runner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from govrag.config import Settings
from govrag.safeguards.audit import AuditLog
from govrag.safeguards.cli import commands
from govrag.safeguards.keys import KeyStore
from tests.safeguards.conftest import Clock

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    commands(app)
    return app


def test_keys_add_prints_the_key_once_and_stores_its_hash(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "add", "soumu-taro", "--rate", "5", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("grk_")
    assert key not in (tmp_path / "api_keys.json").read_text(encoding="utf-8")
    info = KeyStore(tmp_path / "api_keys.json").check(key)
    assert info is not None and (info.role, info.rate_per_minute) == ("user", 5)


def test_keys_add_takes_the_default_rate_from_the_settings(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "add", "boss", "--role", "admin", "--data-dir", str(tmp_path)])
    info = KeyStore(tmp_path / "api_keys.json").check(result.stdout.strip())
    assert info is not None and (info.role, info.rate_per_minute) == ("admin", Settings().rate_limit_per_minute)
    assert runner.invoke(app, ["keys", "add", "x", "--role", "root", "--data-dir", str(tmp_path)]).exit_code == 2
    again = runner.invoke(app, ["keys", "add", "boss", "--data-dir", str(tmp_path)])
    assert again.exit_code == 2 and "exists" in again.output


def test_keys_list_and_revoke(app: typer.Typer, tmp_path: Path) -> None:
    assert "the API is open" in runner.invoke(app, ["keys", "list", "--data-dir", str(tmp_path)]).output
    key = runner.invoke(app, ["keys", "add", "taro", "--data-dir", str(tmp_path)]).stdout.strip()
    listing = runner.invoke(app, ["keys", "list", "--data-dir", str(tmp_path)]).output
    assert "taro" in listing and key not in listing
    result = runner.invoke(app, ["keys", "revoke", "taro", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and "the API is open" in result.output
    missing = runner.invoke(app, ["keys", "revoke", "taro", "--data-dir", str(tmp_path)])
    assert missing.exit_code == 2 and "no key named 'taro'" in missing.output


@pytest.fixture
def audit(tmp_path: Path, clock: Clock) -> AuditLog:
    log = AuditLog(tmp_path / "audit", max_bytes=1_000_000, retention_days=None, clock=clock)
    for day in range(4):
        clock.now = datetime(2025, 7, 1 + day, 3, 0, tzinfo=UTC)
        log.write({"kind": "ask", "key_id": "taro" if day % 2 else "hanako", "question": f"質問{day}",
                   "flags": ["llm_error"] if day else []})
    return log


def test_audit_export_for_a_period_and_a_key(app: typer.Typer, tmp_path: Path, audit: AuditLog) -> None:
    out = tmp_path / "out" / "export.jsonl"
    result = runner.invoke(app, ["audit", "export", "--out", str(out), "--since", "2025-07-02", "--until", "2025-07-04",
                                 "--key", "taro", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["question"] for line in out.read_text(encoding="utf-8").splitlines()] == ["質問1", "質問3"]
    manifest = json.loads((tmp_path / "out" / "export.manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == 2 and manifest["sha256"] in result.output
    bad = runner.invoke(app, ["audit", "export", "--out", str(out), "--since", "2025-07-05", "--until", "2025-07-01",
                              "--data-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "--since is after --until" in bad.output


def test_audit_verify_fails_on_an_edited_line(app: typer.Typer, tmp_path: Path, audit: AuditLog) -> None:
    ok = runner.invoke(app, ["audit", "verify", "--data-dir", str(tmp_path)])
    assert ok.exit_code == 0 and "chain intact" in ok.output
    path = tmp_path / "audit" / "audit.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("質問1", "質問X"), encoding="utf-8")
    broken = runner.invoke(app, ["audit", "verify", "--data-dir", str(tmp_path)])
    assert broken.exit_code == 1 and "line 3: prev does not match" in broken.output


def test_risk_report_as_markdown_and_json(app: typer.Typer, tmp_path: Path, audit: AuditLog) -> None:
    md = runner.invoke(app, ["risk", "report", "--since", "2025-07-02", "--data-dir", str(tmp_path)])
    assert md.exit_code == 0 and md.stdout.startswith("# 生成AIリスク事案報告")
    assert "- 事案数: 3件" in md.stdout
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["risk", "report", "--format", "json", "--until", "2025-07-02", "--out", str(out),
                                 "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and "1 cases" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["cases"] == 1 and report["summary"]["by_flag"]["llm_error"] == 1
    assert report["cases"][0]["question"] == "質問1" and report["until"] == "2025-07-03T00:00:00+09:00"
