"""Speeches → meetings → chunks → document store, resumable.

Speeches arrive in any order and any grouping (API pages of 100, a meeting
spread over two files), so they are gathered by meeting first. A meeting stored
with the same content hash is skipped; a changed one (more speeches arrived)
replaces its chunks, so a killed run resumes without duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable

from govrag.index.docstore import ChunkRow, DocStore, DocumentRecord, chunk_row
from govrag.sources.base import IngestReport, Skipped, Tick
from govrag.sources.diet.chunk import SOURCE, chunk_meeting, meeting_hash
from govrag.sources.diet.records import Speech

BATCH_MEETINGS = 50


def ingest_speeches(
    store: DocStore, items: Iterable[Speech | Skipped], *, max_chars: int = 600, tick: Tick | None = None,
) -> IngestReport:
    meetings: dict[str, dict[int, Speech]] = {}
    report = IngestReport(SOURCE)
    read = 0
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        read += 1
        meetings.setdefault(item.issue_id, {})[item.speech_order] = item  # read twice: the last copy counts
    done = store.done_files(SOURCE)
    batch: list[tuple[DocumentRecord, list[ChunkRow]]] = []
    speeches = chunks = pairs = 0
    for issue_id in sorted(meetings):
        records = list(meetings[issue_id].values())
        speeches += sum(1 for s in records if s.speech_order)
        if (issue_id, meeting_hash(records)) in done:
            report.unchanged += 1
        else:
            meeting = chunk_meeting(records, max_chars)
            batch.append((meeting.document, [chunk_row(c) for c in meeting.chunks]))
            report.stored += 1
            chunks += len(meeting.chunks)
            pairs += meeting.pairs
        if len(batch) >= BATCH_MEETINGS:
            store.write(batch)
            batch = []
        if tick:
            tick()
    store.write(batch, skipped=[(SOURCE, s.name, s.reason) for s in report.skipped])
    report.rows = {
        "speech records read": read, "speeches (without 会議録情報)": speeches, "meetings": len(meetings),
        "meetings stored": report.stored, "chunks stored": chunks, "question–answer pairs stored": pairs,
    }
    return report
