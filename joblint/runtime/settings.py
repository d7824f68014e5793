"""Process timings: Solid Queue's defaults, overridable so tests run in seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ProcessSettings:
    heartbeat_interval: float = 60.0
    """Seconds between a process's heartbeats."""
    alive_threshold: float = 300.0
    """A process whose last heartbeat is older than this is dead; its claimed jobs return."""
    shutdown_timeout: float = 5.0
    """Seconds in-flight jobs get to finish on SIGTERM before they are released."""
    max_crashes: int = 3
    """A job that has taken down this many workers is failed instead of released again."""
    supervisor_check_interval: float = 0.2
    """How often the supervisor looks at its children."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcessSettings:
        return cls(**data)
