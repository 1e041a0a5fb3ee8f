from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analyzer.capture.upstream import Upstream, make_test_ca

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def upstream_ca(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("upstream-ca"))


@pytest.fixture(scope="session")
def upstream(upstream_ca):
    server = Upstream(upstream_ca).start()
    yield server
    server.stop()
