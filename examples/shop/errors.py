"""Errors shared by the fake external services."""


class ServiceError(Exception):
    """An error answered by an external service (payments, mail, the warehouse).

    ApplicationJob reports these with the job's context; each job decides per subclass
    whether to retry, discard or handle them."""
