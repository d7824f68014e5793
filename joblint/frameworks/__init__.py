"""Framework frontends: each reads one parsed module and lowers what it finds into the job
model (``joblint.model``). Rules never look at framework APIs; frontends never judge.

A frontend provides:
- ``NEEDLES``: byte strings at least one of which any file it cares about must contain
  (the prefilter's static part);
- ``collect_classes(parsed)``: the class facts the cross-file index needs;
- ``recognise(parsed, index)``: the module's jobs and enqueue sites.
"""

from __future__ import annotations

from types import ModuleType

from joblint.frameworks import runtime

FRONTENDS: tuple[ModuleType, ...] = (runtime,)
