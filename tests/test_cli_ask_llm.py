"""`govrag ask` with a model configured: the words stream to stderr, the verified answer goes to stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govrag.cli import app
from tests.llm.fake_openai import Reply, scripted_openai

TORT = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"


def test_ask_streams_then_prints_the_verified_answer_and_audits_it(
    sample_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pieces = ["民法第七百九条は", f"「{TORT}」", "と定めています[1]。"]
    with scripted_openai([Reply(stream_chunks=pieces)]) as server:
        monkeypatch.setenv("GOVRAG_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("GOVRAG_AUDIT_DIR", str(tmp_path / "audit"))
        result = CliRunner().invoke(app, ["ask", "民法709条", "--data-dir", str(sample_index)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("".join(pieces))
    assert "[1] 民法 第七百九条  https://laws.e-gov.go.jp/" in result.stdout
    assert "生成中（検証前）" in result.stderr and "verification: passed" in result.stderr
    record = json.loads((tmp_path / "audit" / "audit.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert record["endpoint"] == "cli" and record["key_id"].startswith("cli") and record["mode"] == "generated"


def test_ask_extractive_flag_never_calls_the_model(sample_index: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted_openai([]) as server:
        monkeypatch.setenv("GOVRAG_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("GOVRAG_AUDIT_DIR", str(tmp_path / "audit"))
        result = CliRunner().invoke(app, ["ask", "民法709条", "--extractive", "--data-dir", str(sample_index)])
        assert server.requests == []
    assert result.exit_code == 0 and TORT in result.stdout
