"""The adapter example of docs/storage.md (examples/adapter/json_file_store.py) passes the
shipped conformance kit, agrees with the reference store, and keeps what it was given across a
reopening."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

import reviewflow as rf
from reviewflow.demo import run_quarter
from reviewflow.testing import StoreContract, agreement_test, scenario_on

EXAMPLE = Path(__file__).parent.parent / "examples" / "adapter" / "json_file_store.py"
_spec = importlib.util.spec_from_file_location("json_file_store", EXAMPLE)
assert _spec is not None
assert _spec.loader is not None
json_file_store = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(json_file_store)
JsonFileStore = json_file_store.JsonFileStore


class TestJsonFileStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[rf.Store]:
        store = JsonFileStore(tmp_path / "reviews.json")
        yield store
        store.close()


def _fresh_file() -> rf.Store:
    import tempfile  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="reviewflow-json-")
    return JsonFileStore(Path(folder) / "reviews.json")  # type: ignore[no-any-return]


TestJsonFileStoreAgreesWithMemory = agreement_test(_fresh_file)


def test_a_reopened_file_store_holds_what_was_written_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "reviews.json"
    service = scenario_on(JsonFileStore(path))
    run_quarter(service)
    before = service.reviews("office-chen")
    reopened = rf.ReviewService(JsonFileStore(path))
    assert reopened.reviews("office-chen") == before
    assert reopened.verify("office-chen") == ()
    assert reopened.attempts("office-chen") == service.attempts("office-chen")


def test_a_change_the_file_cannot_take_is_refused_and_leaves_the_store_as_the_file_is(
    tmp_path: Path,
) -> None:
    """The new file cannot be made (a folder stands where it goes): the step is refused with
    StoreUnavailable, and the store still holds what the file holds."""
    path = tmp_path / "reviews.json"
    store = JsonFileStore(path)
    service = scenario_on(store)
    service.schedule("office-chen", "2023-10", root_id="internal")
    before = store.reviews(rf.ReviewQuery())
    (tmp_path / "reviews.json.new").mkdir()
    with pytest.raises(rf.StoreUnavailable, match="could not be written"):
        service.start("zhou", before[0].id)
    assert store.reviews(rf.ReviewQuery()) == before
    assert JsonFileStore(path).reviews(rf.ReviewQuery()) == before
