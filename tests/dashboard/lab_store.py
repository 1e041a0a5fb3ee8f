"""A small store of analysed sessions for the dashboard and triage tests (no device runs).

Two versions of one app, each recorded with consent accepted late (so there are
pre-consent leaks), analysed by the real pipeline; version 2.0 adds a leak to a new host.
"""

from __future__ import annotations

import datetime as dt

from replay_sessions import T0, Send, recorded

from analyzer.analysis import analyze_session

APP = "com.labshop.app"
V1_SENDS = [
    Send(2, "https://api.umeng.com/u/collect", ("imei", "android_id")),
    Send(3, "https://api.labshop.example/v1/start", ("android_id",)),
    Send(30, "https://api.umeng.com/u/collect", ("oaid",)),
]
V2_SENDS = V1_SENDS + [Send(4, "https://restapi.amap.com/v3/ip", ("location",), in_query=True)]


def build_lab_store(store, *, v1: str = "shop-1.0-accept", v2: str = "shop-2.0-accept", extra=()) -> tuple[str, str]:
    recorded(store, v1, V1_SENDS, app=(APP, "1.0"), consent_at_s=20)
    recorded(store, v2, V2_SENDS + list(extra), app=(APP, "2.0"), consent_at_s=20, started=T0 + dt.timedelta(days=1))
    analyze_session(store, v1)
    analyze_session(store, v2)
    return v1, v2
