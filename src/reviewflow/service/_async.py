"""The service for async hosts (FastAPI, Sanic, Starlette, aiohttp): :class:`AsyncReviewService`.

The stores block: a SQL store waits on its database (a row another transaction holds, a slow
coverage count) while it holds its connection's lock. Called straight from a coroutine, such a
call would stop the host's event loop and every request it serves. The async service runs each
call of :class:`~reviewflow.ReviewService` on a thread pool of its own instead, and awaits it:
the loop keeps serving while the call waits. It changes nothing of the process: not the loop's
default executor, not the event-loop policy.

Its methods are the service's, made with :func:`_coroutine` from the service's own functions,
so that their names, signatures and docstrings are the service's (mypy and ``help()`` see
them), and a test holds the two classes to the same set of methods.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from reviewflow.errors import InvalidInput
from reviewflow.events import Listener
from reviewflow.reasons import because
from reviewflow.service._facade import ReviewService

__all__ = ["AsyncReviewService"]

P = ParamSpec("P")
R = TypeVar("R")


def _coroutine(
    method: Callable[Concatenate[ReviewService, P], R],
) -> Callable[Concatenate[AsyncReviewService, P], Coroutine[Any, Any, R]]:
    """``method`` of the service as a coroutine method of the async service, its name,
    signature and docstring kept (``__wrapped__`` is the service's function)."""

    @functools.wraps(method)
    async def call(self: AsyncReviewService, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self.run(method, *args, **kwargs)

    return call


class AsyncReviewService:
    """:class:`~reviewflow.ReviewService` for async code: each method is a coroutine that runs
    the service's method on a thread pool the async service owns, so that a call waiting on the
    database never blocks the event loop.

    ``AsyncReviewService(service)`` shares one service (and its store) between ``workers``
    threads: a SQL store serves them one at a time on its one connection, which suits SQLite
    and small loads. :meth:`per_thread` gives each worker thread a service of its own, made by
    the host's function (a store, so a connection, per thread): calls run in parallel on
    PostgreSQL and MySQL/MariaDB.

    Every method of the service is here under its name, with its signature, as a coroutine,
    except :meth:`subscribe`, which is called where the host sets up. Errors are those the
    service raises, unchanged. The properties (``policy``, ``workflow`` ...) are read with
    :meth:`run`: ``await aservice.run(lambda s: s.policy)``. Close it with :meth:`aclose`, or
    use it as ``async with``; it closes the stores it made, not a service it was given.

    Listeners are called on the worker thread that made the change, after the store has it and
    before the coroutine returns; to hand an event to the event loop, a listener calls
    ``loop.call_soon_threadsafe``. A cancelled coroutine does not stop its call: a step that
    has begun is written, or refused, all the same.
    """

    def __init__(self, service: ReviewService, *, workers: int = 4) -> None:
        self._init(service, workers)

    @classmethod
    def per_thread(cls, make_service: Callable[[], ReviewService], *, workers: int = 4) -> Self:
        """An async service whose worker threads each use a service of their own, made by
        ``make_service`` on that thread when it first needs one (so a store and a connection
        per thread, closed by :meth:`aclose`).

        The services must agree: the same store URL, policy, workflow and clock; ids from the
        default factory or one that is safe across threads (not :func:`sequential_ids` made
        per service, whose ids would collide).
        """
        self = cls.__new__(cls)
        self._init(make_service, workers)
        return self

    def _init(self, source: ReviewService | Callable[[], ReviewService], workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InvalidInput("workers", workers, because("whole_at_least_one"))
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="reviewflow")
        self._workers = workers
        self._source = source  # the one service, or what makes one per thread
        self._local = threading.local()
        self._lock = threading.Lock()
        self._services: list[ReviewService] = [source] if isinstance(source, ReviewService) else []
        self._listeners: list[tuple[Listener, list[Callable[[], None]]]] = []
        self._closed = False

    def __repr__(self) -> str:
        how = "shared" if isinstance(self._source, ReviewService) else "per thread"
        return f"AsyncReviewService(workers={self._workers}, {how})"

    # -- the kernel --------------------------------------------------------------------------------

    async def run(
        self, function: Callable[Concatenate[ReviewService, P], R], /, *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:  # fmt: skip
        """``function(service, *args, **kwargs)`` on a worker thread, with that thread's
        service, awaited; the caller's context variables are seen on the thread. Every method
        is this call with the service's method; use it for several calls in one go, or to
        read a property."""
        if self._closed:
            raise RuntimeError("this AsyncReviewService is closed")

        def call() -> R:
            return function(self._service(), *args, **kwargs)

        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._executor, context.run, call)

    def _service(self) -> ReviewService:
        """The calling worker thread's service (made on first use when per thread)."""
        source = self._source
        if isinstance(source, ReviewService):
            return source
        service: ReviewService | None = getattr(self._local, "service", None)
        if service is None:
            service = source()
            with self._lock:
                self._services.append(service)
                for listener, unsubscribes in self._listeners:
                    unsubscribes.append(service.subscribe(listener))
            self._local.service = service
        return service

    # -- listeners, the coverage kept, closing -----------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event after its change is stored (on the worker thread
        that made the change; see the class); returns an unsubscribe. Per thread, the listener
        hears the changes of every thread's service, those made later included."""
        entry: tuple[Listener, list[Callable[[], None]]]
        with self._lock:
            entry = (listener, [service.subscribe(listener) for service in self._services])
            self._listeners.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry not in self._listeners:
                    return
                self._listeners.remove(entry)
            for remove in entry[1]:
                remove()

        return unsubscribe

    async def forget_coverage(self) -> None:
        """Drop the coverage kept for each period and subtree, by every thread's service: the
        next :meth:`coverage` counts afresh (see :meth:`ReviewService.forget_coverage`)."""
        with self._lock:
            services = tuple(self._services)
        for service in services:
            service.forget_coverage()  # in memory, under a lock held only to update it

    async def aclose(self) -> None:
        """Wait for the calls under way, stop the threads and close the stores it made (per
        thread); a service it was given stays open. Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._shut_down)

    def _shut_down(self) -> None:
        self._executor.shutdown(wait=True)
        if not isinstance(self._source, ReviewService):
            for service in self._services:
                service.store.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the service's methods, as coroutines ------------------------------------------------------

    now = _coroutine(ReviewService.now)
    today = _coroutine(ReviewService.today)
    parties = _coroutine(ReviewService.parties)

    roster = _coroutine(ReviewService.roster)
    import_roster = _coroutine(ReviewService.import_roster)
    assign_liaison = _coroutine(ReviewService.assign_liaison)
    end_liaison = _coroutine(ReviewService.end_liaison)
    change_head = _coroutine(ReviewService.change_head)
    change_liaison = _coroutine(ReviewService.change_liaison)
    move_member = _coroutine(ReviewService.move_member)
    member_leaves = _coroutine(ReviewService.member_leaves)
    dissolve_organization = _coroutine(ReviewService.dissolve_organization)

    schedule = _coroutine(ReviewService.schedule)
    reopen = _coroutine(ReviewService.reopen)
    mark_slot_not_applicable = _coroutine(ReviewService.mark_slot_not_applicable)

    review = _coroutine(ReviewService.review)
    reviews = _coroutine(ReviewService.reviews)
    history = _coroutine(ReviewService.history)
    attempts = _coroutine(ReviewService.attempts)
    work_list = _coroutine(ReviewService.work_list)
    verify = _coroutine(ReviewService.verify)

    take = _coroutine(ReviewService.take)
    take_many = _coroutine(ReviewService.take_many)
    start = _coroutine(ReviewService.start)
    report = _coroutine(ReviewService.report)
    conclude_fact_finding = _coroutine(ReviewService.conclude_fact_finding)
    record_method = _coroutine(ReviewService.record_method)
    comment = _coroutine(ReviewService.comment)
    set_direction = _coroutine(ReviewService.set_direction)
    judge_commitment = _coroutine(ReviewService.judge_commitment)
    add_participant = _coroutine(ReviewService.add_participant)
    require = _coroutine(ReviewService.require)
    declare_no_rectification = _coroutine(ReviewService.declare_no_rectification)
    conclude_review = _coroutine(ReviewService.conclude_review)
    fill_form = _coroutine(ReviewService.fill_form)
    file = _coroutine(ReviewService.file)
    publicize = _coroutine(ReviewService.publicize)
    begin_rectification = _coroutine(ReviewService.begin_rectification)
    plan_item = _coroutine(ReviewService.plan_item)
    update_item = _coroutine(ReviewService.update_item)
    reply = _coroutine(ReviewService.reply)
    confirm_closeout = _coroutine(ReviewService.confirm_closeout)
    close = _coroutine(ReviewService.close)
    waive = _coroutine(ReviewService.waive)
    cancel = _coroutine(ReviewService.cancel)
    mark_not_applicable = _coroutine(ReviewService.mark_not_applicable)

    coverage = _coroutine(ReviewService.coverage)
    summary = _coroutine(ReviewService.summary)
    issue_order = _coroutine(ReviewService.issue_order)
    report_order = _coroutine(ReviewService.report_order)
    verify_order = _coroutine(ReviewService.verify_order)
    orders = _coroutine(ReviewService.orders)
    record_inspection = _coroutine(ReviewService.record_inspection)
    inspections = _coroutine(ReviewService.inspections)
    record_exemplar = _coroutine(ReviewService.record_exemplar)
    exemplars = _coroutine(ReviewService.exemplars)
    record_publicity = _coroutine(ReviewService.record_publicity)
    submit_summary = _coroutine(ReviewService.submit_summary)
    summary_submissions = _coroutine(ReviewService.summary_submissions)
    check_deadlines = _coroutine(ReviewService.check_deadlines)
