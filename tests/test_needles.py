"""What the prefilter parses (``joblint.engine.needles``): a framework's enqueue API by
its whole words, and a job's name only where the file also names a module the job can be
imported from. Every case compares with a run that parses every file: leaving a file out
never loses a job or an enqueue site."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lint_support import write_tree

from joblint.config import Settings
from joblint.engine.linter import Linter
from joblint.engine.needles import Needles, _pattern
from joblint.parse.source import SourceFile

_TASKS = (
    "from celery import shared_task\n\n\n"
    "@shared_task\ndef create_customer(customer_id):\n    return customer_id\n"
)
# A service whose method has the job's name: it never imports the job.
_SERVICE = (
    "class CustomerService:\n"
    "    def create_customer(self, name):\n        return name\n\n\n"
    "def register(service):\n    return service.create_customer('ada')\n"
)


def _parsed_and_sites(root: Path, prefilter: bool) -> tuple[set[str], list[tuple[str, int]]]:
    analysis, _ = Linter(Settings(project_root=root), use_prefilter=prefilter).analyse_paths([root])
    parsed = {module.path.relative_to(root).as_posix() for module in analysis.modules}
    sites = sorted(
        (site.path.relative_to(root).as_posix(), site.span.start.line)
        for site in analysis.enqueue_sites
    )
    return parsed, sites


def _check(root: Path, files: dict[str, str]) -> set[str]:
    """Write the tree; the files the prefilter parses, once the enqueue sites are shown
    to be those of a run parsing every file."""
    write_tree(root, files)
    parsed, sites = _parsed_and_sites(root, prefilter=True)
    _, all_sites = _parsed_and_sites(root, prefilter=False)
    assert sites == all_sites
    assert sites, "the tree enqueues something"
    return parsed


def test_a_file_naming_a_job_but_importing_it_from_nowhere_is_not_parsed(
    tmp_path: Path,
) -> None:
    parsed = _check(
        tmp_path,
        {
            "shop/tasks.py": _TASKS,
            "shop/service.py": _SERVICE,
            "shop/views.py": "from shop.tasks import create_customer\n\ncreate_customer.delay(1)\n",
        },
    )
    assert "shop/views.py" in parsed
    assert "shop/service.py" not in parsed


def test_every_way_of_importing_a_job_keeps_the_file(tmp_path: Path) -> None:
    parsed = _check(
        tmp_path,
        {
            "shop/tasks.py": _TASKS,
            "web/by_module.py": "from shop import tasks\n\ntasks.create_customer.delay(1)\n",
            "web/dotted.py": "import shop.tasks\n\nshop.tasks.create_customer.delay(2)\n",
            "web/aliased.py": (
                "from shop.tasks import create_customer as make\n\n"
                "create_customer = make\ncreate_customer.delay(3)\n"
            ),
            "shop/relative.py": "from .tasks import create_customer\n\ncreate_customer.delay(4)\n",
        },
    )
    assert {"web/by_module.py", "web/dotted.py", "web/aliased.py", "shop/relative.py"} <= parsed


def test_a_job_re_exported_by_packages_is_followed_through_each(tmp_path: Path) -> None:
    # `api` re-exports what `shop` re-exports from `shop.tasks`; the view names neither
    # `tasks` nor `shop`.
    parsed = _check(
        tmp_path,
        {
            "shop/tasks.py": _TASKS,
            "shop/__init__.py": "from shop.tasks import create_customer\n",
            "api/__init__.py": "from shop import create_customer\n",
            "web/views.py": "from api import create_customer\n\ncreate_customer.delay(1)\n",
            "web/service.py": _SERVICE,
        },
    )
    assert {"shop/__init__.py", "api/__init__.py", "web/views.py"} <= parsed
    assert "web/service.py" not in parsed


def test_rq_is_named_by_its_enqueue_api_not_by_words_containing_it(tmp_path: Path) -> None:
    # A Dramatiq app's own `enqueue_job` helper is no RQ call: the files using it alone
    # need no tree. RQ's `enqueue_at` on a queue from another module is one.
    parsed = _check(
        tmp_path,
        {
            "reports/queues.py": "from rq import Queue\n\nlow = Queue('low')\n",
            "reports/jobs.py": "def build_report(report_id):\n    return report_id\n",
            "reports/views.py": (
                "from reports.jobs import build_report\nfrom reports.queues import low\n\n"
                "def schedule(when):\n    low.enqueue_at(when, build_report, 1)\n"
            ),
            "billing/service.py": (
                "from billing.worker import enqueue_job\n\n"
                "def refund(order_id):\n    enqueue_job('billing.refund', order_id)\n"
            ),
            "billing/worker.py": "def enqueue_job(name, *args):\n    return name, args\n",
        },
    )
    assert "reports/views.py" in parsed
    assert not {"billing/service.py", "billing/worker.py"} & parsed


# -- the matcher itself ------------------------------------------------------------------

_ALPHABET = b'ab_1. ()"\n'
_texts = st.binary(max_size=40).map(lambda raw: bytes(_ALPHABET[b % len(_ALPHABET)] for b in raw))
_words = st.binary(min_size=1, max_size=3).map(lambda raw: bytes(b"ab_1"[b % 4] for b in raw))
_paired = st.dictionaries(_words, st.frozensets(_words, min_size=1, max_size=3), max_size=3)


@given(_paired, _texts)
def test_a_paired_name_counts_with_one_of_its_words(
    paired: dict[bytes, frozenset[bytes]], data: bytes
) -> None:
    def has(word: bytes) -> bool:
        return _pattern({word}, whole_words=True).search(data) is not None

    expected = any(has(name) and any(has(word) for word in words) for name, words in paired.items())
    source = SourceFile(Path("x.py"), data, data.decode(), "utf-8")
    assert Needles(set(), set(), paired).mentioned_in(source) == expected
