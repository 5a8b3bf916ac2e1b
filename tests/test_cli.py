"""The `govrag` command line end to end on the sample laws: ingest, show, status, errors."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govrag.cli import app
from govrag.index.docstore import DocStore

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path) -> Path:
    data = tmp_path_factory.mktemp("data")
    job = data / "job.toml"
    job.write_text(
        f'name = "t"\n[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ingest", "run", str(job), "--data-dir", str(data), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1810" in result.output
    return data


def test_show_a_citation(data_dir: Path) -> None:
    result = runner.invoke(app, ["laws", "show", "民法第七百九条", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "民法 第七百九条  https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709" in result.output
    assert "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は" in result.output


def test_show_by_abbreviation_and_paragraph(data_dir: Path) -> None:
    result = runner.invoke(app, ["laws", "show", "個情法27条3項", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "#Mp-At_27-Pr_3" in result.output
    assert "#Mp-At_27-Pr_1" not in result.output


def test_show_errors(data_dir: Path) -> None:
    missing = runner.invoke(app, ["laws", "show", "民法9999条", "--data-dir", str(data_dir)])
    assert missing.exit_code == 2 and "民法 has no provision 第九千九百九十九条" in missing.output
    unknown = runner.invoke(app, ["laws", "show", "架空法1条", "--data-dir", str(data_dir)])
    assert unknown.exit_code == 2 and "no law in the store matches" in unknown.output
    empty = runner.invoke(app, ["laws", "show", "  ", "--data-dir", str(data_dir)])
    assert empty.exit_code == 2 and "empty citation" in empty.output


def test_status(data_dir: Path) -> None:
    result = runner.invoke(app, ["status", "--data-dir", str(data_dir)])
    assert result.exit_code == 0 and "1810" in result.output


def test_ingest_bad_sources(tmp_path: Path) -> None:
    wrong = runner.invoke(app, ["ingest", "laws", "--source", str(tmp_path / "nope.tar.xz"), "--data-dir", str(tmp_path)])
    assert wrong.exit_code == 2 and "no such file or directory" in wrong.output
    empty = tmp_path / "empty.tar.xz"
    tarfile.open(empty, "w:xz").close()
    result = runner.invoke(app, ["ingest", "laws", "--source", str(empty), "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "nothing found to ingest" in result.output
    job = runner.invoke(app, ["ingest", "run", str(tmp_path / "missing.toml"), "--data-dir", str(tmp_path)])
    assert job.exit_code == 2 and "no such job file" in job.output


def test_index_and_search_before_ingest(tmp_path: Path) -> None:
    """Each command says which command to run first instead of building or searching nothing."""
    nothing = runner.invoke(app, ["index", "build", "--data-dir", str(tmp_path)])
    assert nothing.exit_code == 2 and "govrag ingest" in nothing.output
    search = runner.invoke(app, ["search", "民法", "--data-dir", str(tmp_path)])
    assert search.exit_code == 2 and "govrag ingest" in search.output
    # A store that exists but holds nothing (an ingest that found no laws) is refused too.
    DocStore(tmp_path / "chunks.sqlite", create=True).close()
    refused = runner.invoke(app, ["index", "build", "--data-dir", str(tmp_path)])
    assert refused.exit_code == 2 and "is empty" in refused.output
    status = runner.invoke(app, ["index", "status", "--data-dir", str(tmp_path)])
    assert status.exit_code == 2


def test_k_out_of_range_is_an_error_not_no_results(tmp_path: Path) -> None:
    for command, k in (("search", "0"), ("search", "-1"), ("search", "51"), ("ask", "0"), ("ask", "21")):
        result = runner.invoke(app, [command, "民法", "-k", k, "--data-dir", str(tmp_path)])
        assert result.exit_code == 2 and "Invalid value" in result.output, (command, k, result.output)
        assert "no results" not in result.output
