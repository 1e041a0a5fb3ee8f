// consentry dashboard: triage actions, live session view, campaign progress.
// Loaded with the page's CSP nonce; it builds DOM with textContent only, so
// captured content it shows (URLs, API names, values) stays text.
(function () {
  "use strict";

  function api(method, url, body) {
    var init = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { throw new Error(data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : r.statusText); }
        return data;
      });
    });
  }

  function enc(s) { return encodeURIComponent(s); }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) { var code = document.createElement("code"); code.textContent = text; td.appendChild(code); }
    else { td.textContent = text; }
    row.appendChild(td);
    return td;
  }

  // -- triage marks on the session page
  document.querySelectorAll("form.triage-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var result = form.querySelector(".triage-result");
      var state = form.elements.state.value, reason = form.elements.reason.value;
      var url = "/api/sessions/" + enc(form.dataset.session) + "/findings/" + enc(form.dataset.finding) + "/triage";
      api("PUT", url, { state: state, reason: reason }).then(function (mark) {
        var article = form.closest("article");
        if (article) {
          article.dataset.triage = mark.state;
          var badge = article.querySelector(".badge.triage");
          if (badge) {
            badge.dataset.triage = mark.state;
            badge.className = "badge triage triage-" + mark.state;
            badge.textContent = mark.state.replace("_", " ");
          }
        }
        result.textContent = "saved (" + mark.by + ")";
      }).catch(function (err) { result.textContent = "error: " + err.message; });
    });
  });

  // -- suppression rules on the triage page
  var suppress = document.getElementById("suppress-form");
  if (suppress) {
    suppress.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      ["app", "host", "rule", "pii_type", "sdk", "state", "reason"].forEach(function (k) {
        var v = suppress.elements[k].value.trim();
        if (v) { body[k] = v; }
      });
      api("POST", "/api/suppressions", body).then(function () { window.location.reload(); })
        .catch(function (err) { suppress.querySelector(".suppress-result").textContent = "error: " + err.message; });
    });
  }
  document.querySelectorAll("button.unsuppress").forEach(function (b) {
    b.addEventListener("click", function () {
      api("DELETE", "/api/suppressions/" + enc(b.dataset.ruleId)).then(function () { window.location.reload(); });
    });
  });

  // -- live session view: poll for what arrived after our cursors
  var live = document.getElementById("live");
  if (live && live.dataset.recording === "true") {
    var flowCursor = Number(live.dataset.flowCursor) || 0, eventCursor = Number(live.dataset.eventCursor) || 0;
    var known = live.dataset.run, state = document.getElementById("live-state");
    var flowsBody = document.getElementById("live-flows"), callsBody = document.getElementById("live-calls");
    var idleAfterStop = 0;
    var poll = function () {
      var url = "/api/sessions/" + enc(live.dataset.session) + "/live?flow_after=" + flowCursor + "&event_after=" + eventCursor;
      api("GET", url).then(function (d) {
        d.flows.forEach(function (f) {
          var tr = document.createElement("tr");
          tr.className = "live-flow";
          cell(tr, String(f.seq)); cell(tr, f.ts || ""); cell(tr, f.method + " " + f.url, true);
          cell(tr, f.status_code === null ? (f.error || "") : String(f.status_code));
          flowsBody.appendChild(tr);
        });
        d.calls.forEach(function (c) {
          var tr = document.createElement("tr");
          tr.className = "live-call";
          cell(tr, String(c.seq)); cell(tr, c.ts || "");
          cell(tr, c.type === "consent" ? "consent " + (c.action || "") : (c.api || ""), true);
          cell(tr, c.kind || "");
          callsBody.appendChild(tr);
        });
        flowCursor = d.flow_cursor; eventCursor = d.event_cursor;
        document.getElementById("session-status").textContent = d.status;
        if (d.analysis && d.analysis.run_id !== known) {
          state.textContent = "Analysed: " + d.analysis.findings + " findings. ";
          var a = document.createElement("a");
          a.href = window.location.pathname; a.id = "live-reload"; a.textContent = "Show them";
          state.appendChild(a);
          return;  // the findings are in: stop polling
        }
        if (!d.recording) {
          state.textContent = "Recording stopped (" + d.status + "); waiting for the analysis.";
          idleAfterStop += 1;
          if (idleAfterStop > 300) { return; }
        }
        setTimeout(poll, 1000);
      }).catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 500);
  }

  // -- campaign progress
  var campaigns = document.getElementById("campaigns");
  if (campaigns) {
    var refresh = function () {
      api("GET", "/api/campaigns").then(function (d) {
        d.campaigns.forEach(function (c) {
          var row = campaigns.querySelector('tr[data-campaign="' + CSS.escape(c.id) + '"]');
          if (!row) { return; }
          row.querySelector("progress").value = c.progress;
          row.querySelector(".progress-text").textContent = Math.round(c.progress * 100) + "%";
          row.querySelector(".by-state").textContent = Object.keys(c.by_state).sort().map(function (k) { return k + " " + c.by_state[k]; }).join(" · ");
        });
        setTimeout(refresh, 3000);
      }).catch(function () { setTimeout(refresh, 10000); });
    };
    setTimeout(refresh, 3000);
  }
})();
