"""The capture addon cut short at one step of its data path, for the overhead breakdown.

    mitmdump -s benchmarks/capture_variants.py --set capture_variant=STEP --set consentry_db=... ...

``benchmarks/capture_overhead.py --breakdown`` runs one proxy per step beside plain mitmdump
and the full addon, under the same load at the same time, so each step's cost is its
difference from the step before. The steps, each doing everything the one before does:

* ``hooks``: the addon is loaded, opens the store and starts its writer thread, and
  mitmproxy calls each of its flow hooks, which return at once;
* ``snapshot``: the hooks take each flow's snapshot on the event loop and drop it;
* ``rows``: the writer thread gets the snapshots and makes the store rows (values,
  body hashes) but never opens a transaction: the store write is all that is left out.

The real addon (``addons/capture.py``) is loaded and subclassed, so each step runs the
addon's own code up to its cut.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mitmproxy import exceptions

from analyzer.store.bulk_flows import BulkFlows

STEPS = ("hooks", "snapshot", "rows")


def _addon_module():
    path = Path(__file__).resolve().parents[1] / "addons" / "capture.py"
    spec = importlib.util.spec_from_file_location("consentry_capture_for_breakdown", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_capture = _addon_module()


class _NoTransaction(BulkFlows):
    """Rows made as for the store, the transaction skipped."""

    def _transaction(self, session_id, rows, ws_rows, bodies) -> None:
        return None


def _drop(_snapshot) -> None:
    return None


class CaptureStep(_capture.ConsentryCapture):
    step = "rows"

    def load(self, loader) -> None:
        super().load(loader)
        loader.add_option("capture_variant", str, "rows", f"Where the addon stops: {', '.join(STEPS)}.")

    def configure(self, updated: set[str]) -> None:
        from mitmproxy import ctx

        if "capture_variant" in updated:
            if ctx.options.capture_variant not in STEPS:
                raise exceptions.OptionsError(f"capture_variant must be one of {', '.join(STEPS)}")
            self.step = ctx.options.capture_variant
        super().configure(updated)
        writer = self.writer
        if writer is None:
            return
        if self.step == "snapshot":
            writer.put_snapshot = _drop
        elif writer._bulk is not None and not isinstance(writer._bulk, _NoTransaction):
            bulk = _NoTransaction(self.store)
            writer._bulk, writer._add_flows = bulk, bulk.add_flows

    def request(self, flow) -> None:
        if self.step != "hooks":
            super().request(flow)

    def response(self, flow) -> None:
        if self.step != "hooks":
            super().response(flow)

    def error(self, flow) -> None:
        if self.step != "hooks":
            super().error(flow)

    def websocket_end(self, flow) -> None:
        if self.step != "hooks":
            super().websocket_end(flow)


addons = [CaptureStep()]
