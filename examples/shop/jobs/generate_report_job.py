"""Build a sales report someone asked for."""

from shop.jobs.application_job import ApplicationJob
from shop.models import Order, Report


class GenerateReportJob(ApplicationJob):
    """Fill in a requested sales report."""

    queue_as = "default"

    def perform(self, report_id: int) -> None:
        report = Report.get(report_id)
        if report.status == "ready":
            return
        rows = Order.sales_by_day(report.period_start, report.period_end)
        report.update(rows=rows, status="ready")
