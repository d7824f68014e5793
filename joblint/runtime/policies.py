"""Error policies (``retry_on``, ``discard_on``, ``rescue_from``) and which one handles an error.

This module is the one definition of handler precedence; the runtime and the linter's
rules JOB511 and JOB512 both use it.

Handler precedence (ActiveJob's, in Python's source order)
----------------------------------------------------------
ActiveJob keeps one list of handlers per class. ``retry_on``, ``discard_on`` and
``rescue_from`` all append to it, in the order the lines are written; a subclass starts from
its parent's list and appends its own. When a job raises, the list is searched from the end:
the most recently declared handler whose exception class matches wins. If none matches, the
search runs again for the exception's cause, and so on down the chain.

Python has no class-body statements like Ruby's ``retry_on`` line, so "declared" is defined
by where the declaration is written, read top to bottom, as a Rails developer reads it:

1. Within one class, the class decorators come first, from the topmost to the one written
   just above ``class``; then the ``@rescue_from`` methods of the class body, in the order
   they are written. (Python *applies* decorators bottom-up; that order is not used.)
2. A class's declarations come after those of every class it inherits from, following the
   reversed MRO: for ``class C(Mixin, Base)``, Base's, then Mixin's, then C's own.
3. The search goes from the last declaration back to the first. The first declaration one
   of whose exception classes matches (``isinstance``) handles the error.
4. If none matches, the same search is made for ``error.__cause__`` (set by
   ``raise ... from error``), then its cause, until one matches or the chain ends. The handler
   receives the exception it matched, which may be a cause. Implicit context
   (``__context__``) is not followed: an error raised while handling another was not
   necessarily caused by it.

So, as in Rails, the general handler goes on top and the specific one below it::

    @retry_on(Exception, attempts=3)    # declared first: searched last
    @discard_on(ValueError)             # declared after: wins for ValueError
    class ImportJob(ApplicationJob):
        @rescue_from(KeyError)          # declared last of all: searched first
        def missing_key(self, error: KeyError) -> None: ...

The generic functions ``declaration_order``, ``search_order`` and ``first_match`` implement
rules 1-4 over any declaration and exception representation (the linter works on names from
source code); ``resolve_handler`` applies them to live classes.

``retry_on`` keeps one attempt counter per declaration (keyed by its exception names, as
ActiveJob does), and ``attempts`` counts the first run: ``attempts=5`` runs the job at most
five times. When attempts run out the error is re-raised (the job fails) unless
``on_exhausted`` is given.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, TypeVar

DECORATOR_HANDLERS_ATTRIBUTE = "__joblint_decorator_handlers__"
METHOD_HANDLERS_ATTRIBUTE = "__joblint_method_handlers__"
RESCUE_MARK_ATTRIBUTE = "__joblint_rescue_from__"

DEFAULT_WAIT_SECONDS = 3.0
DEFAULT_ATTEMPTS = 5
DEFAULT_JITTER = 0.15


class Algorithm(enum.Enum):
    POLYNOMIALLY_LONGER = "polynomially_longer"


class Unlimited(enum.Enum):
    UNLIMITED = "unlimited"


polynomially_longer = Algorithm.POLYNOMIALLY_LONGER
"""``wait=polynomially_longer``: ``executions**4 + 2`` seconds plus up to jitter * executions**4."""

unlimited = Unlimited.UNLIMITED
"""``attempts=unlimited``: retry for ever."""

Wait = float | int | timedelta | Algorithm | Callable[[int], "float | int | timedelta"]
Attempts = int | Literal[Unlimited.UNLIMITED]
JobCallback = Callable[[Any, BaseException], None]


class HandlerKind(enum.StrEnum):
    RETRY = "retry_on"
    DISCARD = "discard_on"
    RESCUE = "rescue_from"


@dataclass(frozen=True)
class Handler:
    """One declaration: what it handles, what it does, and where it was declared."""

    kind: HandlerKind
    exceptions: tuple[type[BaseException], ...]
    declared_in: str
    wait: Wait = DEFAULT_WAIT_SECONDS
    attempts: Attempts = DEFAULT_ATTEMPTS
    queue: str | None = None
    priority: int | None = None
    jitter: float = DEFAULT_JITTER
    callback: JobCallback | None = None
    method_name: str | None = None

    @property
    def counter_key(self) -> str:
        """The key of this declaration's attempt counter, stable across processes."""
        return ",".join(_qualified_name(exception) for exception in self.exceptions)

    def matches(self, error: BaseException) -> bool:
        return isinstance(error, self.exceptions)


def _qualified_name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


# --- the precedence rules, over any representation -------------------------------------

D = TypeVar("D")
E = TypeVar("E")


def declaration_order(
    decorators_top_to_bottom: Iterable[D], methods_in_order: Iterable[D]
) -> list[D]:
    """One class's own declarations, oldest first (rule 1)."""
    return [*decorators_top_to_bottom, *methods_in_order]


def search_order(declarations_base_first: Iterable[Sequence[D]]) -> list[D]:
    """The order to search: newest first, given each class's own declarations with the most
    basic class first and the job class last (rules 2 and 3)."""
    combined = [declaration for own in declarations_base_first for declaration in own]
    combined.reverse()
    return combined


def first_match(
    searched: Sequence[D], errors: Iterable[E], handles: Callable[[D, E], bool]
) -> tuple[D, E] | None:
    """The handler for the first error in ``errors`` (the error, then its causes) that any
    declaration handles, with the error it matched (rules 3 and 4)."""
    for error in errors:
        for declaration in searched:
            if handles(declaration, error):
                return declaration, error
    return None


def cause_chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then its ``__cause__``, and so on; each exception once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


# --- live classes --------------------------------------------------------------------------


def own_handlers(job_class: type) -> tuple[Handler, ...]:
    own = job_class.__dict__
    decorators: tuple[Handler, ...] = own.get(DECORATOR_HANDLERS_ATTRIBUTE, ())
    methods: tuple[Handler, ...] = own.get(METHOD_HANDLERS_ATTRIBUTE, ())
    return tuple(declaration_order(decorators, methods))


def handler_search_order(job_class: type) -> list[Handler]:
    return search_order(own_handlers(klass) for klass in reversed(job_class.__mro__))


def resolve_handler(job_class: type, error: BaseException) -> Handler | None:
    """The handler that takes ``error`` raised by a job of ``job_class``, or None."""
    found = resolve_handler_and_error(job_class, error)
    return found[0] if found is not None else None


def resolve_handler_and_error(
    job_class: type, error: BaseException
) -> tuple[Handler, BaseException] | None:
    searched = handler_search_order(job_class)
    return first_match(searched, cause_chain(error), lambda handler, exc: handler.matches(exc))


# --- waits ---------------------------------------------------------------------------------


def retry_delay(
    wait: Wait, executions: int, jitter: float, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number ``executions``, as ActiveJob computes it:
    jitter adds up to ``jitter * delay`` to a fixed or polynomial delay, never to a callable's."""
    if isinstance(wait, Algorithm):
        base = float(executions**4)
        return base + _jitter(base, jitter, rand) + 2.0
    if isinstance(wait, timedelta):
        base = wait.total_seconds()
        return base + _jitter(base, jitter, rand)
    if isinstance(wait, int | float):
        base = float(wait)
        return base + _jitter(base, jitter, rand)
    computed = wait(executions)
    return computed.total_seconds() if isinstance(computed, timedelta) else float(computed)


def _jitter(delay: float, jitter: float, rand: Callable[[], float]) -> float:
    return 0.0 if jitter == 0 else rand() * delay * jitter


# --- the decorators ------------------------------------------------------------------------

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])


def _check_exceptions(exceptions: tuple[type[BaseException], ...], decorator: str) -> None:
    if not exceptions:
        raise TypeError(f"{decorator} needs at least one exception class")
    for exception in exceptions:
        if not (isinstance(exception, type) and issubclass(exception, BaseException)):
            raise TypeError(f"{decorator} takes exception classes, not {exception!r}")


def _declare(job_class: C, handler: Handler) -> C:
    if not isinstance(job_class, type):
        raise TypeError(f"{handler.kind} decorates a job class")
    # Decorators run bottom-up; prepending keeps the tuple in source order (rule 1).
    existing: tuple[Handler, ...] = job_class.__dict__.get(DECORATOR_HANDLERS_ATTRIBUTE, ())
    setattr(job_class, DECORATOR_HANDLERS_ATTRIBUTE, (handler, *existing))
    return job_class


def retry_on(
    *exceptions: type[BaseException],
    wait: Wait = DEFAULT_WAIT_SECONDS,
    attempts: Attempts = DEFAULT_ATTEMPTS,
    queue: str | None = None,
    priority: int | None = None,
    jitter: float = DEFAULT_JITTER,
    on_exhausted: JobCallback | None = None,
) -> Callable[[C], C]:
    """Retry the job when it raises one of ``exceptions``: re-enqueue it after ``wait``,
    at most ``attempts`` runs in all; then re-raise, or call ``on_exhausted(job, error)``."""
    _check_exceptions(exceptions, "retry_on")
    if not isinstance(attempts, Unlimited) and (isinstance(attempts, bool) or attempts < 1):
        raise ValueError("retry_on attempts must be a positive int or unlimited")
    if jitter < 0:
        raise ValueError("retry_on jitter must not be negative")

    def decorate(job_class: C) -> C:
        return _declare(
            job_class,
            Handler(
                kind=HandlerKind.RETRY,
                exceptions=exceptions,
                declared_in=_qualified_name(job_class),
                wait=wait,
                attempts=attempts,
                queue=queue,
                priority=priority,
                jitter=jitter,
                callback=on_exhausted,
            ),
        )

    return decorate


def discard_on(
    *exceptions: type[BaseException], on_discard: JobCallback | None = None
) -> Callable[[C], C]:
    """Drop the job when it raises one of ``exceptions``, after ``on_discard(job, error)``."""
    _check_exceptions(exceptions, "discard_on")

    def decorate(job_class: C) -> C:
        return _declare(
            job_class,
            Handler(
                kind=HandlerKind.DISCARD,
                exceptions=exceptions,
                declared_in=_qualified_name(job_class),
                callback=on_discard,
            ),
        )

    return decorate


def rescue_from(*exceptions: type[BaseException]) -> Callable[[F], F]:
    """Mark a method ``def handler(self, error)`` to run instead of failing the job.

    Raising inside the handler fails the job; calling ``self.retry_job()`` retries it.
    """
    _check_exceptions(exceptions, "rescue_from")

    def mark(method: F) -> F:
        if isinstance(method, type):
            raise TypeError("rescue_from decorates a method `def handler(self, error)`")
        previous: tuple[type[BaseException], ...] = getattr(method, RESCUE_MARK_ATTRIBUTE, ())
        setattr(method, RESCUE_MARK_ATTRIBUTE, (*previous, *exceptions))
        return method

    return mark


def collect_method_handlers(job_class: type) -> None:
    """Record the class body's ``@rescue_from`` methods, in source order (rule 1)."""
    handlers = tuple(
        Handler(
            kind=HandlerKind.RESCUE,
            exceptions=getattr(member, RESCUE_MARK_ATTRIBUTE),
            declared_in=_qualified_name(job_class),
            method_name=name,
        )
        for name, member in job_class.__dict__.items()
        if callable(member) and hasattr(member, RESCUE_MARK_ATTRIBUTE)
    )
    setattr(job_class, METHOD_HANDLERS_ATTRIBUTE, handlers)
