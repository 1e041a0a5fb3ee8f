"""The lab/hook contract with a real Frida attach: the host keeps the dialog from its show()
hook, clicks 同意 through getButton(BUTTON_POSITIVE).performClick(), then clicks the
撤回同意 button found by its text; the withdraw scenario's traffic follows the clicks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from analyzer.lab.launch import LabProcess, lab_command

frida = pytest.importorskip("frida")
frida_tools = pytest.importorskip("frida_tools")

AGENT = r"""
globalThis.Java = bridge;
let dialog = null;
let withdrawButton = null;
Java.perform(() => {
  const Dialog = Java.use("android.app.Dialog");
  Dialog.show.implementation = function () { dialog = Java.retain(this); return this.show(); };
  const TextView = Java.use("android.widget.TextView");
  TextView.setText.implementation = function (text) {
    this.setText(text);
    if (String(text) === "撤回同意") withdrawButton = Java.retain(this);
  };
  send({type: "hooks:ready", targets: 2});
});
rpc.exports = {
  clickDialog(which) {
    let clicked = false;
    Java.perform(() => {
      const alert = Java.cast(dialog, Java.use("android.app.AlertDialog"));
      clicked = alert.getButton(which === "accept" ? -1 : -2).performClick();
    });
    return clicked;
  },
  clickWithdraw() {
    let clicked = false;
    Java.perform(() => { clicked = Java.cast(withdrawButton, Java.use("android.view.View")).performClick(); });
    return clicked;
  },
};
"""


@pytest.mark.slow
def test_host_clicks_consent_and_withdrawal_through_frida(lab_network):
    bridge = (Path(frida_tools.__file__).parent / "bridges" / "java.js").read_text(encoding="utf-8")
    lab_network.backend.clear()
    cmd = lab_command("withdraw", proxy=lab_network.proxy, truststore=lab_network.truststore,
                      dialog_timeout_ms=20_000, withdraw_timeout_ms=20_000)
    with LabProcess(cmd) as app:
        app.wait_for_line("LAB:WAITING", timeout=30)
        session = frida.attach(app.pid)
        try:
            script = session.create_script(bridge + AGENT)
            messages: list[dict] = []
            script.on("message", lambda message, data: messages.append(message))
            script.load()
            deadline = time.monotonic() + 30
            while not any(m.get("payload", {}).get("type") == "hooks:ready" for m in messages):
                assert time.monotonic() < deadline, messages
                time.sleep(0.05)
            app.release_gate()
            app.wait_for_line("LAB:DIALOG_SHOWN", timeout=30)
            assert script.exports_sync.click_dialog("accept") is True
            app.wait_for_line("LAB:SETTINGS_SHOWN", timeout=30)
            assert script.exports_sync.click_withdraw() is True
            app.wait_for_line("LAB:DONE", timeout=30)
        finally:
            session.detach()
        lines = app.lines()
    order = [lines.index(x) for x in ("LAB:CONSENT accept", "LAB:WITHDRAWN", "LAB:DONE")]
    assert order == sorted(order)
    after_withdrawal = lines[lines.index("LAB:WITHDRAWN"):]
    assert "LAB:HTTP 200 POST https://ulogs.umeng.com/unify_logs" in after_withdrawal
    umeng = [r for r in lab_network.backend.requests if r.host == "ulogs.umeng.com"]
    assert len(umeng) == 2, "one report after 同意, one more after 撤回同意"
