"""Reports and exports people ask for, built in the background.

``Report.create`` commits before it returns, so the job enqueued after it always finds
its report.
"""

from datetime import date, datetime, time, timedelta, timezone

from shop.jobs.export_orders_job import ExportOrdersJob
from shop.jobs.generate_report_job import GenerateReportJob
from shop.models import Report


def request_report(user_id: int, since: date, until: date) -> Report:
    """A report someone is waiting for: build it as soon as a worker is free."""
    report = _create_report("sales", user_id, since, until)
    GenerateReportJob.perform_later(report.id)
    return report


def schedule_overnight_report(user_id: int, since: date, until: date) -> Report:
    """A report nobody is waiting for: build it after midnight, on the low queue."""
    report = _create_report("sales", user_id, since, until)
    GenerateReportJob.set(queue="low", wait_until=next_midnight_utc()).perform_later(report.id)
    return report


def request_export(user_id: int, since: date, until: date) -> Report:
    """The job picks its own queue from the dates (see ``ExportOrdersJob.queue_as``)."""
    report = _create_report("export", user_id, since, until)
    ExportOrdersJob.perform_later(report.id, since.isoformat(), until.isoformat())
    return report


def next_midnight_utc() -> datetime:
    """An aware datetime, so there is no doubt which midnight is meant."""
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=timezone.utc)


def _create_report(kind: str, user_id: int, since: date, until: date) -> Report:
    return Report.create(
        kind=kind,
        owner_id=user_id,
        period_start=since.isoformat(),
        period_end=until.isoformat(),
    )
