"""reviewflow.contrib.django in a real Django project (tests/django_host), on SQLite,
PostgreSQL and MariaDB (issue #15).

Django's settings are made once per process, so the project runs in subprocesses, one a
database: ``manage.py migrate`` creates the tables, tests/django_host/scenarios.py runs what the
host does (its own row and a step in one ``transaction.atomic``, requests through its view, two
requests at once) and prints what it saw, and ``manage.py reviewflow`` runs the command line.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE
from reviewflow.store.sql import DIALECTS, SCHEMA_VERSION, SqlStore
from test_cli import _scenario_csvs

HOST = Path(__file__).parent / "django_host"
PYTHON = sys.executable


@dataclass
class Project:
    """The host project on one database."""

    url: str
    tmp: Path

    def run(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python <args>`` in the project's directory, on its database."""
        env = {**os.environ, "HOST_DATABASE": self.url, **(env or {})}
        done = subprocess.run(
            [PYTHON, *args],
            check=False,
            cwd=HOST,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def manage(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.run("manage.py", *args, check=check, env=env)

    def scenario(self, name: str) -> dict[str, Any]:
        """What the scenario saw (its last line of output)."""
        seen: dict[str, Any] = json.loads(self.run("scenarios.py", name).stdout.splitlines()[-1])
        return seen


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    """The host project on a fresh database, migrated (MariaDB through PyMySQL standing in
    for mysqlclient: see hostsite/settings.py)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'host.db'}"
    else:
        url = request.getfixturevalue(f"{request.param}_url")
    found = Project(url, tmp_path)
    found.manage("migrate", "-v0")
    return found


# -- the schema by Django's migrations ------------------------------------------------------------


def test_migrate_creates_the_library_schema_beside_the_host_tables(project: Project) -> None:
    store = rf.open_store(project.url)  # refuses a database at another schema version
    assert isinstance(store, SqlStore)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    shown = project.manage("showmigrations", "reviewflow").stdout
    assert shown.count("[X]") == SCHEMA_VERSION


def test_a_project_not_migrated_is_told_to_migrate(tmp_path: Path) -> None:
    """The store refuses a database without the library's schema, and says how a Django
    project gets it: its own migrations, not reviewflow's command."""
    project = Project(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    done = project.manage("reviewflow", "--as", "office-chen", "reviews", check=False)
    assert done.returncode == 4, done  # the command line's code for a store it cannot use
    assert "Traceback" not in done.stderr
    assert "升级一次数据库结构（python manage.py migrate reviewflow）" in done.stderr, done


def test_a_database_the_library_set_up_before_is_brought_on_by_migrate(tmp_path: Path) -> None:
    """A project that took the app in after ``reviewflow db upgrade`` had set up schema 5: the
    migrations to 5 find it done, those after bring it to the current version."""
    url = f"sqlite:///{tmp_path / 'older.db'}"
    older = SqlStore(url, DIALECTS["sqlite"](), check=False)
    assert older.upgrade(to=5) == 5
    older.close()
    Project(url, tmp_path).manage("migrate", "-v0")
    store = rf.open_store(url)
    assert isinstance(store, SqlStore)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


def test_every_schema_version_has_its_migration(tmp_path: Path) -> None:
    """Adding schema version N to the library fails here until
    ``migrations/000N_schema_N.py`` is there (a copy of the one before, numbers changed)."""
    found = Project(f"sqlite:///{tmp_path / 'host.db'}", tmp_path).scenario("migrations")
    names = [f"{v:04d}_schema_{v}" for v in range(1, SCHEMA_VERSION + 1)]
    assert list(found) == names
    for version, name in enumerate(names, 1):
        assert found[name]["operations"] == [f"to_schema_{version}"]
        before = [] if version == 1 else [["reviewflow", names[version - 2]]]
        assert found[name]["dependencies"] == before


# -- the database and its driver ------------------------------------------------------------------


def test_sqlite_without_immediate_transactions_is_warned_of(tmp_path: Path) -> None:
    host = Project(f"sqlite:///{tmp_path / 'host.db'}", tmp_path)
    assert "reviewflow.W001" not in host.manage("check").stderr
    deferred = host.manage("check", env={"HOST_SQLITE_TRANSACTION_MODE": "DEFERRED"})
    assert "reviewflow.W001" in deferred.stderr
    assert '"transaction_mode"] = "IMMEDIATE"' in deferred.stderr


def test_a_dialect_drives_the_connections_of_its_own_driver_only(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    assert [DIALECTS[name]().drives(conn) for name in ("sqlite", "postgresql", "mysql")] == [
        True,
        False,
        False,
    ]
    conn.close()


# -- the host's transaction -----------------------------------------------------------------------


def test_a_commit_keeps_the_host_row_and_the_step_and_then_delivers_the_event(
    project: Project,
) -> None:
    seen = project.scenario("commit")
    assert seen["state"] == "fact_finding"
    assert seen["history"] == ["schedule", "start"]
    assert seen["visits"] == ["走访市医院"]
    assert seen["verify"] == []
    assert seen["heard_inside"] == []  # not while the transaction is open
    assert seen["heard_after"] == ["StepTaken"]


def test_an_exception_rolls_back_the_host_row_the_step_and_its_history(
    project: Project,
) -> None:
    seen = project.scenario("rollback")
    assert seen["state"] == "scheduled"
    assert seen["history"] == ["schedule"]
    assert seen["visits"] == []
    assert seen["heard_after"] == []  # never delivered


def test_requests_through_the_host_view(project: Project) -> None:
    """A request that commits keeps its visit and step; one that fails after the step (500)
    keeps neither; one the library refuses (409) leaves nothing of the host's either."""
    seen = project.scenario("view")
    assert seen["statuses"] == [200, 500, 409]
    assert seen["ok"] == {"state": "fact_finding", "version": 2}
    assert seen["refused"] == {"error": "OutOfScope"}
    assert seen["cdc"] == "scheduled"
    assert seen["visits"] == ["一"]
    assert seen["verify"] == []


def test_two_requests_on_one_review_conflict_and_nothing_is_lost(project: Project) -> None:
    seen = project.scenario("concurrent")
    assert seen["a"] == 2
    assert seen["b_read"] == 1
    assert seen["b_waited"] is True  # B waited for A's lock
    assert seen["b"] == "ConcurrencyConflict"
    assert seen["history"] == ["schedule", "start"]  # A's step, once
    assert seen["verify"] == []


# -- manage.py reviewflow --------------------------------------------------------------------------


def test_the_management_command_runs_the_office_work(project: Project, tmp_path: Path) -> None:
    files = [str(p) for p in _scenario_csvs(tmp_path)]
    project.manage("reviewflow", "roster", "import", *files, "--as", OFFICE)
    project.manage("reviewflow", "schedule", "2023-Q4", "--as", OFFICE)
    coverage = project.manage("reviewflow", "coverage", "2023-Q4", "--as", OFFICE).stdout
    assert "应点评 41" in coverage
    reviews = project.manage("reviewflow", "reviews", "--as", "li").stdout
    assert "点评（6 条）" in reviews
    workbook = tmp_path / "coverage.xlsx"
    project.manage("reviewflow", "export", "coverage", "2023-Q4", str(workbook), "--as", OFFICE)
    assert workbook.stat().st_size > 0
    upgrade = project.manage("reviewflow", "--as", OFFICE, "db", "upgrade").stdout
    assert "No migrations to apply" in upgrade
    assert "校验通过" in project.manage("reviewflow", "db", "verify", "--as", OFFICE).stdout
    # What it wrote is in the project's database, seen by another process.
    store = rf.open_store(project.url)
    assert len(store.roster().organizations) > 0
    store.close()


def test_the_management_command_keeps_the_command_line_exit_codes(project: Project) -> None:
    refused = project.manage("reviewflow", "coverage", "2023-Q4", "--as", "nobody", check=False)
    assert refused.returncode == 1
    assert "错误" in refused.stderr
    elsewhere = project.manage("reviewflow", "--store", "sqlite:///x.db", "db", "init", check=False)
    assert elsewhere.returncode == 2
    assert "--store" in elsewhere.stderr
    demo = project.manage("reviewflow", "demo", check=False)
    assert demo.returncode == 2


# -- docs/django.md --------------------------------------------------------------------------------

PAGE = (Path(__file__).parent.parent / "docs" / "django.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```$", PAGE, re.M | re.S)


def test_the_page_quotes_the_view_the_tests_run() -> None:
    assert (HOST / "visits" / "views.py").read_text(encoding="utf-8") in BLOCKS


def test_the_page_settings_are_the_ones_the_app_reads() -> None:
    (settings_block,) = [b for b in BLOCKS if "REVIEWFLOW = " in b]
    found: dict[str, Any] = {}
    exec(settings_block, found)  # noqa: S102 - the page's own example
    assert "reviewflow.contrib.django" in found["INSTALLED_APPS"]
    assert set(found["REVIEWFLOW"]) == {"DATABASE", "POLICY", "CALENDAR"}


def test_the_page_receiver_connects_to_the_signal(tmp_path: Path) -> None:
    """Run in the project (Django is not set up in the test process: tests/test_workflow_
    definition.py looks at every object in memory, and Django's lazy settings would be set up by
    the look)."""
    project = Project(f"sqlite:///{tmp_path / 'host.db'}", tmp_path)
    project.manage("migrate", "-v0")
    seen = project.scenario("docs_receiver")
    assert seen["heard"] == ["ReviewsScheduled", "StepTaken"]  # after each commit
    assert (seen["before"], seen["after"], seen["disconnected"]) == (False, True, True)
