"""The audit log: the hash chain, rotation, retention, concurrent writers, damaged lines and the export."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from govrag.safeguards.audit import GENESIS, AuditLog
from tests.safeguards.conftest import Clock


def ask(n: int, key_id: str = "taro", **more: Any) -> dict[str, Any]:
    return {"kind": "ask", "key_id": key_id, "endpoint": "/ask", "question": f"不法行為の損害賠償について{n}",
            "source_ids": [f"law:129AC0000000089:709:{n}"], "answer": "民法第709条により賠償する責任を負う。",
            "flags": [], **more}


def lines(path: Path) -> list[bytes]:
    return [raw for raw in path.read_bytes().split(b"\n") if raw]


def test_every_line_names_the_hash_of_the_line_before(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None, clock=clock)
    ids = [log.write(ask(n)) for n in range(3)]
    stored = lines(tmp_path / "audit.jsonl")
    records = [json.loads(raw) for raw in stored]
    assert [r["id"] for r in records] == ids and len(set(ids)) == 3
    assert records[0]["prev"] == GENESIS
    assert [r["prev"] for r in records[1:]] == [hashlib.sha256(raw).hexdigest() for raw in stored[:-1]]
    assert records[0]["time"] == "2025-07-01T00:00:00.000000+00:00"
    assert "不法行為の損害賠償" in stored[0].decode("utf-8")  # not \u-escaped
    assert log.verify() == []


def test_the_log_sets_id_time_and_prev_itself(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None)
    with pytest.raises(ValueError, match="prev"):
        log.write({"kind": "ask", "prev": "0"})


def test_line_separators_inside_a_field_do_not_split_a_record(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None)
    question = "一行目\n二行目\u2028三行目\u0085四行目\r"
    log.write(ask(0, question=question))
    log.write(ask(1))
    assert next(log.records())["question"] == question
    assert log.verify() == []


def test_rotation_keeps_each_file_under_max_bytes_and_the_chain_across_files(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000, retention_days=None, clock=clock)
    ids = []
    for n in range(12):
        ids.append(log.write(ask(n)))
        clock.advance(seconds=1)
    files = log.files()
    assert len(files) >= 4 and files[-1].name == "audit.jsonl"
    assert all(re.fullmatch(r"audit-\d{8}T\d{12}Z\.jsonl", p.name) for p in files[:-1])
    assert all(p.stat().st_size <= 1_000 for p in files)
    assert [r["id"] for r in log.records()] == ids
    first_of_second = json.loads(lines(files[1])[0])
    assert first_of_second["prev"] == hashlib.sha256(lines(files[0])[-1]).hexdigest()
    assert log.verify() == []


def test_a_rotated_file_is_never_overwritten(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000, retention_days=None, clock=clock)  # the clock stands still
    ids = [log.write(ask(n)) for n in range(12)]
    names = [p.name for p in log.files()]
    assert names[0] == "audit-20250701T000000000000Z.jsonl"
    assert names[1] == "audit-20250701T000000000000Z-1.jsonl"
    assert [r["id"] for r in log.records()] == ids  # -10 sorts after -9, and all after the first
    assert log.verify() == []


def test_retention_deletes_old_rotated_files_and_says_so_in_the_chain(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000, retention_days=30, clock=clock)
    for n in range(8):
        log.write(ask(n))
    old = log.files()
    last_hashes = {hashlib.sha256(lines(p)[-1]).hexdigest() for p in old}
    assert len(old) >= 3
    clock.advance(days=31)
    for n in range(8, 12):
        log.write(ask(n))
    assert not any(p.exists() for p in old[:-1])
    (retention,) = log.records(kinds={"retention"})
    # the old rotated files, and the file rotated at that moment: its records were as old
    assert {d["last_hash"] for d in retention["deleted"]} == last_hashes
    assert [d["file"] for d in retention["deleted"]] == [p.name for p in old[:-1]] + ["audit-20250801T000000000000Z.jsonl"]
    assert retention["retention_days"] == 30
    assert [r["question"].removeprefix("不法行為の損害賠償について") for r in log.records(kinds={"ask"})] == [
        "8", "9", "10", "11"]
    assert log.verify() == []


def test_retention_never_deletes_the_current_file(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=1, clock=clock)
    log.write(ask(0))
    clock.advance(days=400)
    log.write(ask(1))
    assert len(list(log.records())) == 2


def test_verify_finds_an_edited_line(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None)
    for n in range(5):
        log.write(ask(n))
    path = tmp_path / "audit.jsonl"
    path.write_bytes(path.read_bytes().replace("について1".encode(), "について7".encode()))
    problems = log.verify()
    assert len(problems) == 1 and problems[0].startswith("audit.jsonl line 3: prev does not match")


def test_verify_finds_a_deleted_line(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None)
    for n in range(5):
        log.write(ask(n))
    path = tmp_path / "audit.jsonl"
    kept = lines(path)
    path.write_bytes(b"\n".join(kept[:2] + kept[3:]) + b"\n")
    problems = log.verify()
    assert len(problems) == 1 and "line 3" in problems[0]


def test_verify_finds_a_rotated_file_deleted_by_hand(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000, retention_days=None, clock=clock)
    for n in range(10):
        log.write(ask(n))
        clock.advance(seconds=1)
    log.files()[0].unlink()
    problems = log.verify()
    assert len(problems) == 1 and "no retention record declares it" in problems[0]


def test_threads_writing_at_once_leave_whole_lines_and_an_intact_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=20_000, retention_days=None)

    def writer(t: int) -> None:
        for n in range(25):
            log.write(ask(n, key_id=f"thread-{t}"))

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    problems: list[str] = []
    records = list(log.records(on_problem=problems.append))
    assert problems == [] and len(records) == 200 and len({r["id"] for r in records}) == 200
    assert len(log.files()) > 1  # rotation happened under contention
    assert log.verify() == []


def _process_writer(folder: str, name: str) -> None:
    log = AuditLog(Path(folder), max_bytes=10_000, retention_days=None)
    for n in range(30):
        log.write(ask(n, key_id=name))


def test_processes_writing_at_once_share_one_chain(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_process_writer, args=(str(tmp_path), f"proc-{i}")) for i in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    log = AuditLog(tmp_path, max_bytes=10_000, retention_days=None)
    assert len(list(log.records())) == 60
    assert log.verify() == []


def test_a_torn_last_line_is_skipped_reported_and_kept_apart(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None)
    for n in range(3):
        log.write(ask(n))
    with open(tmp_path / "audit.jsonl", "ab") as fh:
        fh.write('{"id": "abc", "time": "2025-07-01T00:00:00+00:00", "question": "途中で'.encode())  # a crash
    problems: list[str] = []
    assert len(list(log.records(on_problem=problems.append))) == 3
    assert problems == ["audit.jsonl line 4: not an audit record (truncated or damaged), skipped"]
    log.write(ask(3))  # the next write starts a line of its own
    problems.clear()
    assert [r["question"][-1] for r in log.records(on_problem=problems.append)] == ["0", "1", "2", "3"]
    assert len(problems) == 1
    assert log.verify() == ["audit.jsonl line 4: not a JSON record (truncated or damaged)"]


def test_records_filter_by_time_key_and_kind(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None, clock=clock)
    for day in range(5):
        log.write(ask(day, key_id="taro" if day % 2 else "hanako"))
        log.write({"kind": "search", "key_id": "taro", "question": f"検索{day}"})
        clock.advance(days=1)
    since, until = datetime(2025, 7, 2, tzinfo=UTC), datetime(2025, 7, 4, tzinfo=UTC)
    assert [r["question"] for r in log.records(since, until, key_id="taro", kinds={"ask"})] == ["不法行為の損害賠償について1"]
    assert len(list(log.records(since, until))) == 4
    assert len(list(log.records(kinds={"search"}))) == 5
    assert len(list(log.records(datetime(2025, 7, 2)))) == 8  # a naive time is UTC


def test_export_writes_the_stored_lines_and_a_manifest(tmp_path: Path, clock: Clock) -> None:
    log = AuditLog(tmp_path / "audit", max_bytes=1_000, retention_days=None, clock=clock)
    for n in range(10):
        log.write(ask(n, key_id="taro" if n % 2 else "hanako"))
        clock.advance(hours=12)
    out = tmp_path / "pjmo" / "request-42.jsonl"
    result = log.export(out, since=datetime(2025, 7, 2, tzinfo=UTC), until=None, key_id="taro")
    exported = lines(out)
    stored = {raw for p in log.files() for raw in lines(p)}
    assert result.records == len(exported) == 4 and set(exported) <= stored
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    manifest = json.loads((tmp_path / "pjmo" / "request-42.manifest.json").read_text(encoding="utf-8"))
    assert result.manifest.name == "request-42.manifest.json"
    assert manifest["records"] == 4 and manifest["sha256"] == result.sha256
    assert manifest["requested"] == {"since": "2025-07-02T00:00:00+00:00", "until": None, "key_id": "taro"}
    assert manifest["first_time"] == "2025-07-02T12:00:00.000000+00:00"
    assert manifest["last_time"] == "2025-07-05T12:00:00.000000+00:00"
    assert manifest["chain"] == {"intact": True, "problems": []} and manifest["skipped_lines"] == []
