"""Export a date range of sales as CSV."""

import csv
import io
from datetime import date

from shop.jobs.application_job import ApplicationJob
from shop.models import Order, Report

BIG_EXPORT_DAYS = 31


class ExportOrdersJob(ApplicationJob):
    """Write a CSV of daily sales between two ISO dates into the report."""

    def queue_as(self) -> str:
        """An export of more than a month is slow: it goes to ``low`` so it never holds up
        the day's work on ``default``."""
        _, since, until = self.arguments
        span = date.fromisoformat(until) - date.fromisoformat(since)
        return "low" if span.days > BIG_EXPORT_DAYS else "default"

    def perform(self, report_id: int, since: str, until: str) -> None:
        report = Report.get(report_id)
        if report.status == "ready":
            return
        rows = Order.sales_by_day(since, until)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["day", "orders", "total_cents"])
        writer.writeheader()
        writer.writerows(rows)
        report.update(rows=rows, content=buffer.getvalue(), status="ready")
