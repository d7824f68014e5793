"""Module names: the dotted name a module is imported by, which a package's own imports
decide when its folder is named otherwise (a copy, a clone, a mounted folder)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from lint_support import lint_tree, write_tree

from joblint.parse.modnames import absolute_imports, imported_names, module_name_for, package_root
from joblint.parse.source import SourceFile, read_source


def names_in(project: Path, files: Mapping[str, str]) -> dict[str, str]:
    """Each file's module name, as a run over ``project`` names it."""
    for name, content in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    sources = [read_source(project / name) for name in files]
    assert all(isinstance(source, SourceFile) for source in sources)
    imported_as = imported_names([s for s in sources if isinstance(s, SourceFile)], project)
    return {name: module_name_for(project / name, imported_as)[0] for name in files}


SHOP = {
    "__init__.py": "",
    "models.py": "class Order:\n    pass\n",
    "jobs/__init__.py": "",
    "jobs/application_job.py": (
        "from joblint.runtime import Job\nclass ApplicationJob(Job):\n    pass\n"
    ),
    "jobs/charge_job.py": (
        "from shop.jobs.application_job import ApplicationJob\n"
        "from shop.models import Order\n"
        "class ChargeJob(ApplicationJob):\n"
        "    queue_as = 'default'\n"
        "    def perform(self, order_id: int) -> None:\n"
        "        print(Order, order_id)\n"
    ),
}


@pytest.mark.parametrize("folder", ["shop", "shopcopy", "shop-main", "deeper/shop2"])
def test_a_package_is_named_by_its_own_imports_wherever_it_lies(
    tmp_path: Path, folder: str
) -> None:
    names = names_in(tmp_path, {f"{folder}/{name}": text for name, text in SHOP.items()})
    assert names[f"{folder}/jobs/charge_job.py"] == "shop.jobs.charge_job"
    assert names[f"{folder}/models.py"] == "shop.models"
    assert names[f"{folder}/__init__.py"] == "shop"
    assert names[f"{folder}/jobs/__init__.py"] == "shop.jobs"


def test_a_renamed_copy_still_has_its_jobs(tmp_path: Path) -> None:
    """The base job is imported as `shop.jobs.application_job.ApplicationJob`: in a copy
    named otherwise, ChargeJob is a job all the same (JOB101 shows it was recognised)."""
    job = SHOP["jobs/charge_job.py"].replace("ChargeJob", "ChargerJob")
    write_tree(tmp_path / "copy", {**SHOP, "jobs/charge_job.py": job})
    codes = {d.code for d in lint_tree(tmp_path / "copy", enabled={"JOB101"})}
    assert codes == {"JOB101"}


def test_without_imports_of_itself_a_package_keeps_its_folders_name(tmp_path: Path) -> None:
    names = names_in(
        tmp_path,
        {
            "shopcopy/__init__.py": "",
            "shopcopy/models.py": "import os\nfrom . import jobs\nfrom django.db import models\n",
            "shopcopy/jobs.py": "from .models import Order\n",
        },
    )
    assert names["shopcopy/jobs.py"] == "shopcopy.jobs"


def test_one_import_by_the_folders_name_keeps_it(tmp_path: Path) -> None:
    names = names_in(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": "from shop.jobs import x\n",
            "shop/views.py": "from store.models import Order\n",
            "shop/jobs.py": "x = 1\n",
        },
    )
    assert names["shop/views.py"] == "shop.views"


def test_a_sibling_package_of_the_project_is_not_the_packages_name(tmp_path: Path) -> None:
    """A Django app importing `core.models` from its sibling app `core` has a
    `models.py` of its own; it is still `orders`."""
    names = names_in(
        tmp_path,
        {
            "orders/__init__.py": "",
            "orders/models.py": "from core.models import TimeStampedModel\n",
            "orders/views.py": "from core.models import TimeStampedModel\n",
            "core/__init__.py": "",
            "core/models.py": "class TimeStampedModel:\n    pass\n",
        },
    )
    assert names["orders/views.py"] == "orders.views"


def test_a_module_importing_a_library_module_of_its_own_name_rules_the_library_out(
    tmp_path: Path,
) -> None:
    names = names_in(
        tmp_path,
        {
            "blog/__init__.py": "",
            "blog/models.py": "from wagtail.models import Page\n",
            "blog/views.py": "from wagtail.models import Page\n",
        },
    )
    assert names["blog/views.py"] == "blog.views"


def test_an_import_naming_no_module_of_the_package_rules_the_name_out(tmp_path: Path) -> None:
    names = names_in(
        tmp_path,
        {
            "blog/__init__.py": "",
            "blog/models.py": "class Post:\n    pass\n",
            "blog/views.py": "from wagtail.models import Page\nfrom wagtail.fields import Rich\n",
        },
    )
    assert names["blog/views.py"] == "blog.views"


def test_standard_library_names_and_two_candidates_are_not_taken(tmp_path: Path) -> None:
    names = names_in(
        tmp_path,
        {
            "mail/__init__.py": "",
            "mail/mime/__init__.py": "",
            "mail/mime/text.py": "",
            "mail/send.py": "from email.mime.text import MIMEText\n",
            "both/__init__.py": "",
            "both/models.py": "",
            "both/views.py": "from one.models import A\nfrom two.models import B\n",
        },
    )
    assert names["mail/send.py"] == "mail.send"
    assert names["both/views.py"] == "both.views"


def test_package_root_is_the_outermost_folder_with_an_init(tmp_path: Path) -> None:
    write_tree(tmp_path / "my-shop", {"jobs/ns/x.py": ""})
    (tmp_path / "my-shop" / "__init__.py").touch()
    (tmp_path / "my-shop" / "jobs" / "ns" / "__init__.py").unlink()
    assert (
        package_root(tmp_path / "my-shop" / "jobs" / "ns" / "x.py")
        == (tmp_path / "my-shop").resolve()
    )
    assert package_root(tmp_path / "loose.py") is None


def testabsolute_imports_are_read_from_import_lines() -> None:
    source = (
        b"import os.path, shop.models as models\n"
        b"from shop.jobs import x  # comment\n"
        b"from . import y\n"
        b"from .z import w\n"
        b"if TYPE_CHECKING:\n"
        b"    from shop.typing import T\n"
        b"text = 'nothing to import here'\r\n"
        b"import shop.last"
    )
    assert sorted(absolute_imports(source)) == [
        "os.path", "shop.jobs", "shop.last", "shop.models", "shop.typing",
    ]  # fmt: skip


def test_one_import_of_a_library_shaped_like_the_package_does_not_rename_it(
    tmp_path: Path,
) -> None:
    """A Django app with relative imports and one `from taggit.models import Tag` beside
    its own `models.py` is the app `blog`, not a copy of the library."""
    files = {
        "blog/__init__.py": "",
        "blog/models.py": "from taggit.models import Tag\n\n\nclass Post:\n    tags = Tag\n",
        "blog/views.py": "from .models import Post\n",
    }
    names = names_in(tmp_path, files)
    assert names["blog/models.py"] == "blog.models"
    assert names["blog/views.py"] == "blog.views"
