import importlib.util
import socket
import ssl

import httpx
import pytest
from cryptography import x509
from mitmproxy import connection, exceptions
from mitmproxy.proxy import server_hooks
from mitmproxy.test import taddons

from analyzer.lab.backend import MAX_BODY_BYTES, LabBackend
from analyzer.lab.ca import LabCertError, make_lab_certs, make_truststore, san_names, spki_pin
from tests.lab.conftest import REPO

_spec = importlib.util.spec_from_file_location("labnet_under_test", REPO / "addons" / "labnet.py")
labnet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(labnet)


def test_san_names_cover_hosts_and_their_siblings():
    names = san_names(["ulogs.umeng.com", "api.labshop.example", "localhost", "  "])
    assert "ulogs.umeng.com" in names and "*.umeng.com" in names and "*.labshop.example" in names
    assert len(names) == len(set(names))


def test_lab_certs_chain_and_pin(tmp_path):
    certs = make_lab_certs(tmp_path, ["ulogs.umeng.com"])
    leaf, ca = x509.load_pem_x509_certificates(certs.server_cert.read_bytes())
    leaf.verify_directly_issued_by(ca)
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert "ulogs.umeng.com" in sans
    assert spki_pin(certs.ca_cert).startswith("sha256/") and spki_pin(certs.ca_cert) != spki_pin(certs.server_cert)
    assert oct(certs.server_key.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(LabCertError):
        spki_pin(b"not a certificate")


def test_truststore_rejects_garbage(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("garbage")
    with pytest.raises(LabCertError):
        make_truststore([bad], tmp_path / "t.p12")


def test_backend_serves_tls_and_cleartext_on_one_port():
    with LabBackend(hosts=["ulogs.umeng.com"]) as backend:
        host, port = backend.address
        assert host == "127.0.0.1"
        tls = ssl.create_default_context(cafile=str(backend.ca_cert))
        with httpx.Client(verify=tls) as client:
            # connect to 127.0.0.1 but present the lab host name, as mitmproxy does upstream
            r = client.post(f"https://127.0.0.1:{port}/unify_logs?x=1", content=b'{"imei":"1"}',
                            headers={"Host": "ulogs.umeng.com"}, extensions={"sni_hostname": "ulogs.umeng.com"})
            assert r.status_code == 200 and r.json()["code"] == 0
        r = httpx.post(f"http://127.0.0.1:{port}/rqd/async", content=b"aid=9", headers={"Host": "android.bugly.qq.com:80"})
        assert r.status_code == 200
        assert backend.wait_for(lambda reqs: len(reqs) == 2, timeout=5)
        first, second = backend.requests
        assert (first.method, first.host, first.path, first.body, first.tls) == ("POST", "ulogs.umeng.com", "/unify_logs?x=1", b'{"imei":"1"}', True)
        assert (second.host, second.tls, second.body) == ("android.bugly.qq.com", False, b"aid=9")
        assert backend.hosts() == {"ulogs.umeng.com", "android.bugly.qq.com"}


def test_backend_survives_bad_clients():
    with LabBackend(hosts=[]) as backend:
        host, port = backend.address
        with socket.create_connection((host, port)) as s:  # a TLS record header, then nonsense
            s.sendall(b"\x16\x03\x01\x00\x05hello")
        with socket.create_connection((host, port)) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1))
            assert b" 413 " in s.recv(200)
        r = httpx.post(f"http://{host}:{port}/ok", content=b"x")
        assert r.status_code == 200
        assert [req.path for req in backend.requests] == ["/ok"]


@pytest.mark.parametrize("spec", ["10.0.0.1:80", "example.com:443", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x", ":80"])
def test_labnet_rejects_non_loopback_or_malformed_backend(spec):
    addon = labnet.LabNet()
    with taddons.context(addon) as tctx:
        with pytest.raises(exceptions.OptionsError):
            tctx.configure(addon, labnet_backend=spec)


def _hook_data(address):
    client = connection.Client(peername=("127.0.0.1", 50000), sockname=("127.0.0.1", 8080), timestamp_start=0)
    return server_hooks.ServerConnectionHookData(server=connection.Server(address=address), client=client)


def test_labnet_rewrites_address_and_keeps_the_name():
    addon = labnet.LabNet()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, labnet_backend="127.0.0.1:8443")
        data = _hook_data(("ulogs.umeng.com", 443))
        addon.server_connect(data)
        assert data.server.address == ("127.0.0.1", 8443)
        assert data.server.sni == "ulogs.umeng.com"
        assert data.server.error is None


def test_labnet_without_backend_refuses_to_connect():
    addon = labnet.LabNet()
    with taddons.context(addon):
        data = _hook_data(("ulogs.umeng.com", 443))
        addon.server_connect(data)
        assert data.server.error and "refusing" in data.server.error
        assert data.server.address == ("ulogs.umeng.com", 443)
