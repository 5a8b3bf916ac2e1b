"""`govrag research run|list|show|delete` on the three real sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govrag.cli import app


def test_run_list_show_delete(all_sources_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVRAG_RESEARCH_HISTORY_FILE", str(tmp_path / "research.sqlite"))
    monkeypatch.setenv("GOVRAG_AUDIT_DIR", str(tmp_path / "audit"))
    runner = CliRunner()
    data = ["--data-dir", str(all_sources_index)]
    ran = runner.invoke(app, ["research", "run", "個人情報の第三者提供の要件は", "--source", "law", *data])
    assert ran.exit_code == 0, ran.output
    assert "# 調査報告: 個人情報の第三者提供の要件は" in ran.stdout
    assert "サブクエリ生成:" in ran.stderr and "履歴に保存:" in ran.stderr
    report_id = ran.stderr.split("report ", 1)[1].split(":", 1)[0]

    listed = runner.invoke(app, ["research", "list", *data])
    assert listed.exit_code == 0 and "1 of 1 reports" in listed.stderr

    shown = runner.invoke(app, ["research", "show", report_id, "--format", "json", *data])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    assert report["id"] == report_id and {s["source"] for s in report["sources"]} == {"law"}

    html = runner.invoke(app, ["research", "show", report_id, "--format", "html", *data])
    assert html.stdout.startswith("<!doctype html>")

    assert runner.invoke(app, ["research", "delete", report_id, *data]).exit_code == 0
    missing = runner.invoke(app, ["research", "show", report_id, *data])
    assert missing.exit_code != 0 and "no report with id" in missing.output


def test_an_empty_question_is_a_clear_error(all_sources_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVRAG_RESEARCH_HISTORY_FILE", str(tmp_path / "research.sqlite"))
    result = CliRunner().invoke(app, ["research", "run", "  ", "--data-dir", str(all_sources_index)])
    assert result.exit_code != 0 and "empty question" in result.output
