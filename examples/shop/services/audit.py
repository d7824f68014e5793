"""An audit trail of what happened to each order.

Deliberately defines a job outside the `jobs` package (JOB104, and JOB102 for the module
name): `RecordAuditJob` belongs in `jobs/record_audit_job.py`.
"""

from shop.jobs.application_job import ApplicationJob
from shop.models import Order


class RecordAuditJob(ApplicationJob):
    """Append an event to an order's audit trail, once."""

    queue_as = "low"

    def perform(self, order_id: int, event: str) -> None:
        order = Order.get(order_id)
        if event in order.audit_trail:
            return
        with order.lock():
            if event in order.audit_trail:
                return
            order.update(audit_trail=[*order.audit_trail, event])
