"""`govrag keys …`, `govrag audit …` and `govrag risk report`: the safeguards' commands."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from govrag.clikit import DataDir, console, err, fail, settings_for
from govrag.safeguards.audit import AuditLog
from govrag.safeguards.keys import KeyFileError, KeyStore, Role
from govrag.safeguards.risk import period, render_markdown, risk_cases, summary

Since = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD (Japan time).")]
Until = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day, YYYY-MM-DD, included.")]


def _days(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    if since and until and since > until:
        fail("--since is after --until")
    return period(since.date() if since else None, until.date() if until else None)


def _store(data_dir: Path | None) -> KeyStore:
    return KeyStore(settings_for(data_dir).keys_path)


def commands(app: typer.Typer) -> None:
    """Add the keys, audit and risk command groups to the main app."""
    keys_app = typer.Typer(help="API keys (only their hashes are stored; while there is none the API is open).",
                           no_args_is_help=True)
    audit_app = typer.Typer(help="The audit log: export records for a PJMO request, check the hash chain.",
                            no_args_is_help=True)
    risk_app = typer.Typer(help="Risk cases from the audit log.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.add_typer(risk_app, name="risk")

    @keys_app.command("add")
    def keys_add(
        name: Annotated[str, typer.Argument(help="Who the key is for, e.g. soumu-taro or batch-01.")],
        rate: Annotated[int | None, typer.Option(min=1, help="Requests per minute (default: the "
                                                                "rate_limit_per_minute setting).")] = None,
        role: Annotated[Role, typer.Option(help="admin may also read /risk.")] = "user",
        data_dir: DataDir = None,
    ) -> None:
        """Create a key and print it once: it cannot be shown again."""
        settings = settings_for(data_dir)
        try:
            key = KeyStore(settings.keys_path).add(name, rate_per_minute=rate or settings.rate_limit_per_minute,
                                                   role=role)
        except (ValueError, KeyFileError) as exc:
            fail(str(exc))
        typer.echo(key)
        err.print(f"key {name!r} ({role}) added to {settings.keys_path}; copy it now, it is not shown again",
                  markup=False, soft_wrap=True)

    @keys_app.command("list")
    def keys_list(data_dir: DataDir = None) -> None:
        """The keys by name, role, rate and creation time (never the keys themselves)."""
        try:
            keys = _store(data_dir).list()
        except KeyFileError as exc:
            fail(str(exc))
        if not keys:
            console.print("no keys: the API is open to anyone who can reach it", markup=False)
            return
        table = Table("name", "role", "per minute", "created")
        for info in keys:
            table.add_row(info.name, info.role, str(info.rate_per_minute), info.created)
        console.print(table)

    @keys_app.command("revoke")
    def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")], data_dir: DataDir = None) -> None:
        """Remove a key; a running server refuses it from its next request."""
        store = _store(data_dir)
        try:
            store.revoke(name)
        except KeyError:
            fail(f"no key named {name!r}")
        except KeyFileError as exc:
            fail(str(exc))
        console.print(f"revoked {name}" + ("; no keys are left, so the API is open" if store.is_open else ""),
                      markup=False)

    @audit_app.command("export")
    def audit_export(
        out: Annotated[Path, typer.Option(help="The JSONL file to write; a .manifest.json is written beside it.")],
        since: Since = None,
        until: Until = None,
        key: Annotated[str | None, typer.Option(help="Only this key's records.")] = None,
        data_dir: DataDir = None,
    ) -> None:
        """The records of a period (and key) as stored, with a manifest of count, range, SHA-256 and chain check."""
        start, end = _days(since, until)
        log = AuditLog.from_settings(settings_for(data_dir))
        result = log.export(out, start, end, key)
        manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
        for line in manifest["skipped_lines"]:
            err.print(f"skipped: {line}", style="yellow", markup=False, soft_wrap=True)
        for problem in manifest["chain"]["problems"]:
            err.print(f"chain: {problem}", style="red", markup=False, soft_wrap=True)
        console.print(f"{result.records} records → {result.path}\nsha256 {result.sha256}\nmanifest {result.manifest}",
                      markup=False, soft_wrap=True)

    @audit_app.command("verify")
    def audit_verify(data_dir: DataDir = None) -> None:
        """Check the hash chain over every audit file; exit status 1 if a line was edited or removed."""
        log = AuditLog.from_settings(settings_for(data_dir))
        problems = log.verify()
        for problem in problems:
            err.print(problem, style="red", markup=False, soft_wrap=True)
        if problems:
            raise typer.Exit(code=1)
        files = log.files()
        console.print(f"chain intact: {len(files)} file(s) in {log.folder}" if files else
                      f"no audit records in {log.folder}", markup=False, soft_wrap=True)

    @risk_app.command("report")
    def risk_report(
        since: Since = None,
        until: Until = None,
        format: Annotated[Literal["md", "json"], typer.Option(
            "--format", help="md: the report to file; json: the cases and counts.")] = "md",
        out: Annotated[Path | None, typer.Option(help="Write here instead of printing.")] = None,
        data_dir: DataDir = None,
    ) -> None:
        """生成AIリスク事案報告: risk cases of a period, counted per kind and day, one row each."""
        start, end = _days(since, until)
        cases = risk_cases(AuditLog.from_settings(settings_for(data_dir)).records(
            start, end, on_problem=lambda p: err.print(f"skipped: {p}", style="yellow", markup=False)))
        if format == "md":
            text = render_markdown(cases, start, end)
        else:
            text = json.dumps({"since": start and start.isoformat(), "until": end and end.isoformat(),
                               "summary": summary(cases), "cases": [c.record() for c in cases]},
                              ensure_ascii=False, indent=2) + "\n"
        if out is None:
            typer.echo(text, nl=False)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        console.print(f"{len(cases)} cases → {out}", markup=False)

