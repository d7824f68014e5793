"""Yesterday's sales report, run from config/recurring.yml."""

from datetime import datetime, timedelta, timezone

from shop.jobs.application_job import ApplicationJob
from shop.models import Order, Report


class GenerateDailyJob(ApplicationJob):
    """Build yesterday's sales report (``reports.GenerateDailyJob``) for the morning.

    The recurring schedule fires once per slot, but a retry after a crash runs again: the
    guard makes the second run a no-op.
    """

    queue_as = "low"

    def perform(self) -> None:
        day = (datetime.now(timezone.utc).date() - timedelta(days=1)).isoformat()
        if Report.find_by(kind="daily", period_start=day) is not None:
            return
        Report.create(
            kind="daily",
            period_start=day,
            period_end=day,
            status="ready",
            rows=Order.sales_by_day(day, day),
        )
