"""The suite's order and its spread over xdist workers: the longest tests start first.

The suite mostly waits (on JVMs, proxies, brokers and databases), so it runs more workers than
there are cores, and its wall time is the longest chain of tests any one worker runs. A long
test collected late would run alone at the end while the other workers idle; so the tests
known to be long are collected first (``LONGEST_FIRST``), and the scheduler deals them out
one per worker instead of xdist's default of two consecutive tests to each.
"""

from __future__ import annotations

import os

# Node-id prefixes, longest first; a test takes the rank of the first prefix it starts with.
# Then come the other modules with a slow test, then the rest, each in collection order.
# The first ones alternate between campaigns and single-device tests: the first deal starts
# them together, and two campaigns of several stations each at once would crowd the cores.
LONGEST_FIRST = (
    "tests/campaign/test_celery_e2e.py::test_campaign_of_4_apps_by_3_plans",  # 12 jobs on Celery stations, one killed
    "tests/runner/test_lab_e2e.py::test_demo_end_to_end",  # the demo's three lab sessions
    "tests/campaign/test_celery_e2e.py::test_broker_restart_mid_campaign",  # a private RabbitMQ node, restarted
    "tests/runner/test_driver_lab_e2e.py::test_data_cleared_between_runs_unless_kept",
    "tests/campaign/test_celery_e2e.py",
    # builds the bombs store the module's other tests copy: they wait for it, so they come later
    "tests/robust/test_budgets_rss.py::test_analyze_stays_under_512_mb",
    "tests/campaign/test_embedded.py::test_embedded_campaign_on_two_lab_devices",
    "tests/test_packaging.py::test_wheel_ships_every_package",  # a wheel built, installed and run on the lab device
    "tests/runner/test_lab_e2e.py",  # a lab session per scenario x consent choice
    "tests/runner/test_driver_lab_e2e.py",
    "tests/hooks/test_hooks_lab.py",
    "tests/campaign/test_embedded.py",
)

# Workers per core for ``-n auto``. Lab sessions now end once the app is quiet, so a
# lab-session test is CPU-bound (about 4.5 CPU-s a session) rather than waiting: with 2
# workers per core on two cores the load reached 7-8, and the consent tap of a lab session
# started alongside two Celery campaigns could land after the app's idle timer (a session
# without its consent step). One worker per core until a session costs less CPU.
WORKERS_PER_CORE = 1


def rank(nodeid: str, slow_modules: set[str]) -> int:
    for index, prefix in enumerate(LONGEST_FIRST):
        if nodeid.startswith(prefix):
            return index
    module = nodeid.split("::", 1)[0]
    return len(LONGEST_FIRST) + (0 if module in slow_modules else 1)


def auto_workers() -> int:
    """``-n auto``: PYTEST_XDIST_AUTO_NUM_WORKERS if set, else WORKERS_PER_CORE per usable core."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    return WORKERS_PER_CORE * len(os.sched_getaffinity(0))


def make_scheduler(config, log):
    from xdist.scheduler import LoadScheduling

    class LongestFirstScheduling(LoadScheduling):
        """xdist's load scheduling with one change: the first tests are dealt round robin, so
        worker i starts test i and holds test N+i next (a worker always holds the test after
        its current one: it needs it to tear fixtures down). xdist's own first deal gives each
        worker two consecutive tests, which queues the second longest behind the longest.
        Afterwards each worker gets one test as it finishes one."""

        def __init__(self, config, log=None) -> None:
            super().__init__(config, log)
            self.maxschedchunk = 1

        def schedule(self) -> None:
            if self.collection is not None or not self._check_nodes_have_same_collection():
                super().schedule()
                return
            self.collection = next(iter(self.node2collection.values()))
            self.pending[:] = range(len(self.collection))
            for _ in range(2):
                for node in self.nodes:
                    self._send_tests(node, 1)
            if not self.pending:
                for node in self.nodes:
                    node.shutdown()

    return LongestFirstScheduling(config, log)
