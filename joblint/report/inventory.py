"""``joblint inventory``: what joblint understood, job by job, so a user can check that it
sees their jobs, and the tests can check the frontends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from joblint.analysis.model import JobDefinition, QueueKind
from joblint.analysis.queues import KnownQueues, source_knows
from joblint.engine.linter import Analysis


def queue_label(job: JobDefinition) -> str | None:
    if job.queue.kind is QueueKind.STATIC:
        return job.queue.name
    if job.queue.kind is QueueKind.DYNAMIC:
        return "dynamic"
    return None


def inventory(analysis: Analysis, known: KnownQueues | None = None) -> list[dict[str, Any]]:
    """Concrete jobs (abstract bases are never enqueued), in file order, each with the
    enqueue sites that target it and, given the project's queues, the sources that declare
    the job's queue (``queue_sources``: empty for a queue no source knows)."""
    sites_by_job: dict[str, list[dict[str, Any]]] = {}
    for site in sorted(analysis.enqueue_sites, key=lambda s: (str(s.path), s.span.start)):
        if site.target is not None:
            sites_by_job.setdefault(site.target, []).append(
                {"filename": str(site.path), "line": site.span.start.line, "method": site.method}
            )
    jobs = sorted(
        (job for job in analysis.jobs if not job.is_abstract),
        key=lambda job: (str(job.path), job.name_span.start),
    )
    return [
        {
            "framework": job.framework,
            "name": job.name,
            "qualified_name": job.qualified_name,
            "registered_name": job.registered_name,
            "queue": queue_label(job),
            "filename": str(job.path),
            "line": job.name_span.start.line,
            "enqueue_sites": sites_by_job.get(job.qualified_name, []),
            **({} if known is None else {"queue_sources": _queue_sources(job, known)}),
        }
        for job in jobs
    ]


def _queue_sources(job: JobDefinition, known: KnownQueues) -> list[str]:
    name = job.queue.name if job.queue.kind is QueueKind.STATIC else None
    if name is None:
        return []
    # A source that accepts any name (a computed setting) does not declare this one.
    return [
        source.description
        for source in known.sources
        if source_knows(replace(source, any_queue=None), name)
    ]


def render_queue_sources(known: KnownQueues, out: TextIO) -> None:
    """Where the project's queues came from, after the table."""
    if not known.exists:
        out.write("\nQueues: none declared ([tool.joblint] queues, config/queue.yml).\n")
        return
    out.write("\nQueues:\n")
    for source in known.sources:
        out.write(f"  {source.description}: {source.describe()}\n")


def render_json(rows: Sequence[dict[str, Any]], out: TextIO) -> None:
    json.dump(list(rows), out, indent=2)
    out.write("\n")


def render_text(rows: Sequence[dict[str, Any]], out: TextIO, cwd: Path) -> None:
    def shown(filename: str, line: int) -> str:
        path = Path(filename)
        try:
            return f"{path.relative_to(cwd).as_posix()}:{line}"
        except ValueError:
            return f"{path}:{line}"

    if not rows:
        out.write("No jobs found.\n")
        return
    table = [("FRAMEWORK", "JOB", "QUEUE", "DEFINED AT")] + [
        (
            row["framework"],
            row["name"],
            row["queue"] or "(none)",
            shown(row["filename"], row["line"]),
        )
        for row in rows
    ]
    widths = [max(len(cells[column]) for cells in table) for column in range(3)]
    for index, cells in enumerate(table):
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
            + f"  {cells[3]}\n"
        )
        if index == 0:
            continue
        for site in rows[index - 1]["enqueue_sites"]:
            where = shown(site["filename"], site["line"])
            out.write(f"{'':{widths[0]}}  <- {site['method']} at {where}\n")
    sites = sum(len(row["enqueue_sites"]) for row in rows)
    out.write(f"\n{len(rows)} jobs, {sites} enqueue sites.\n")
