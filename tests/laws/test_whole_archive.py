"""The whole 8,502-law archive goes through parse → LawId → chunks with nothing lost (~25 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.sources.laws.archive import Skipped
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport, LawSummary, ParsedLaw, iter_corpus
from govrag.sources.laws.lawid import LawIdResolver


def _summary(parsed: ParsedLaw) -> tuple[LawSummary, int]:
    return parsed.summary(), len({c.id for c in parsed.chunks})


@pytest.mark.slow
def test_every_law_in_the_archive(egov_archive: Path) -> None:
    report = CorpusReport()
    unique = 0
    resolver = LawIdResolver.from_dir(egov_archive.parent)
    for result in iter_corpus(egov_archive, resolver, ChunkOptions(version="2020-11-18"), finish=_summary):
        if isinstance(result, Skipped):
            report.add(result)
        else:
            report.add(result[0])
            unique += result[1]
    assert report.skipped == []
    assert report.laws == 8502
    assert 330_000 < report.articles < 340_000  # the data README: ≈336k articles
    assert unique == report.chunks  # no two chunks of a law share an id
    assert report.law_id_status["unknown"] < 1500
