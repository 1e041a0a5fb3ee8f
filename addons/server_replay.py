"""mitmproxy addon: serve a recorded session's responses (server-side replay).

    mitmdump -s addons/server_replay.py --set consentry_replay_file=FLOWS.mitm

A thin front for mitmproxy's own ``serverplayback``: it sets the ``server_replay*``
options together, in one update, so the request hashes are computed with the
volatile parameters already ignored (a list option cannot be given that way with
``--set`` alone). Requests without a recorded response are killed by default, never
sent upstream; ``consentry_replay_unmatched=forward`` lets them through.
"""

from __future__ import annotations

import os
from typing import Optional

from mitmproxy import ctx, exceptions

from analyzer.runner.server_replay import UNMATCHED_MODES

# Query parameters SDKs fill with clocks, nonces and signatures: never part of the match.
VOLATILE_PARAMS = ("ts", "t", "_", "time", "timestamp", "nonce", "rnd", "rand", "random", "sign", "signature", "sig", "reqid", "request_id")


class ConsentryServerReplay:
    def load(self, loader) -> None:
        loader.add_option("consentry_replay_file", Optional[str], None, "Recorded flows (.mitm) to serve as responses.")
        loader.add_option("consentry_replay_unmatched", str, "kill",
                          "What happens to requests with no recorded response: kill (default) or forward upstream.")
        loader.add_option("consentry_replay_ignore_params", str, ",".join(VOLATILE_PARAMS),
                          "Comma-separated query parameters ignored when matching requests.")

    def configure(self, updated: set[str]) -> None:
        if not updated & {"consentry_replay_file", "consentry_replay_unmatched", "consentry_replay_ignore_params"}:
            return
        opts = ctx.options
        if opts.consentry_replay_unmatched not in UNMATCHED_MODES:
            raise exceptions.OptionsError(f"consentry_replay_unmatched must be one of {', '.join(UNMATCHED_MODES)}")
        path = opts.consentry_replay_file
        if not path:
            return
        if not os.path.isfile(path):
            raise exceptions.OptionsError(f"consentry_replay_file: no such file {path}")
        params = [p.strip() for p in opts.consentry_replay_ignore_params.split(",") if p.strip()]
        opts.update(
            server_replay=[path],
            server_replay_extra=opts.consentry_replay_unmatched,
            server_replay_reuse=True,
            server_replay_ignore_content=True,
            server_replay_ignore_params=params,
        )


addons = [ConsentryServerReplay()]
