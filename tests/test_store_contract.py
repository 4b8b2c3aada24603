"""Every store passes the conformance kit (reviewflow.testing): memory, SQLite, PostgreSQL and
MariaDB, the last two against real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import reviewflow as rf
from reviewflow.testing import (
    CountingStoreContract,
    OutboxStoreContract,
    StoreContract,
    agreement_test,
)
from servers import fresh_mysql, fresh_postgres, later


class TestMemoryStore(StoreContract, OutboxStoreContract):
    @pytest.fixture
    def store(self) -> rf.Store:
        return rf.MemoryStore()


class TestSqliteStore(CountingStoreContract, OutboxStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[rf.Store]:
        store = rf.open_store(f"sqlite:///{tmp_path / 'reviews.db'}")
        yield store
        store.close()


@pytest.mark.postgres
class TestPostgresStore(CountingStoreContract, OutboxStoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[rf.Store]:
        store = rf.open_store(postgres_url)
        yield store
        store.close()


@pytest.mark.mysql
class TestMysqlStore(CountingStoreContract, OutboxStoreContract):
    @pytest.fixture
    def store(self, mysql_url: str) -> Iterator[rf.Store]:
        store = rf.open_store(mysql_url)
        yield store
        store.close()


TestSqliteAgreesWithMemory = agreement_test(lambda: rf.open_store("sqlite://"))


TestPostgresAgreesWithMemory = pytest.mark.usefixtures("postgres_url")(
    pytest.mark.postgres(agreement_test(lambda: rf.open_store(later(fresh_postgres))))
)
TestMysqlAgreesWithMemory = pytest.mark.usefixtures("mysql_url")(
    pytest.mark.mysql(agreement_test(lambda: rf.open_store(later(fresh_mysql))))
)
