"""joblint's own runtime (``joblint.runtime``) as the job model knows it: where its API
lives and what its base job class is called.

The index decides which project classes are jobs by this test, the runtime's frontend
finds enqueue sites by it, and rules (JOB105's base job, the error policies) read the
same names; so it lives below all of them, in the analysis layer. The runtime itself is
never imported here.
"""

from __future__ import annotations

RUNTIME_PACKAGE = "joblint.runtime"
JOB_BASE = "joblint.runtime.Job"


def is_runtime_job_base(qualified_name: str) -> bool:
    """``joblint.runtime.Job`` however the runtime re-exports it (``joblint.runtime.job.Job``)."""
    return qualified_name == JOB_BASE or (
        qualified_name.startswith(RUNTIME_PACKAGE + ".") and qualified_name.endswith(".Job")
    )
