/*
 * Consent signals: dialogs shown (with their texts), clicks (with the clicked view's
 * text, classified accept/refuse/withdraw), SDK consent APIs, IAB TCF consent-state writes.
 *
 * What: emits `ui` and `consent` events, keeps the last shown dialog (Java.retain) and
 * views by their text so the host can click them through RPC (clickDialogButton,
 * clickViewByText) the way a tester's finger would.
 * Why: every finding is relative to the consent timeline; the timeline must come from
 * what the app actually showed and what was actually clicked.
 */
(function () {
  const BUTTON_POSITIVE = -1;
  const BUTTON_NEGATIVE = -2;
  const MAX_TRACKED_VIEWS = 512;
  // Order matters: "不同意" contains "同意", "disagree" contains "agree".
  const WITHDRAW_WORDS = ['撤回', '撤销', 'withdraw', 'revoke'];
  const REFUSE_WORDS = ['不同意', '拒绝', '不允许', '暂不', 'disagree', 'decline', 'reject', 'refuse', 'deny', "don't allow", 'do not allow'];
  const ACCEPT_WORDS = ['同意', '允许', '接受', 'agree', 'accept', 'allow'];
  const CONSENT_CONTEXT_WORDS = ['隐私', '个人信息', '协议', '政策', '授权', 'privacy', 'consent', 'personal data', 'cookie'];

  const ui = {
    dialog: null,
    builderTexts: {},
    viewsByText: new Map(),
    reportedClicks: new Set(),
    granted: false,
  };

  function containsAny(text, words) {
    const lower = text.toLowerCase();
    return words.some(function (w) { return lower.indexOf(w) !== -1; });
  }

  /** "accept" | "refuse" | "withdraw" | null, from a button or view text. */
  function classify(text) {
    if (text === null || text === undefined || text === '') return null;
    if (containsAny(text, WITHDRAW_WORDS)) return 'withdraw';
    if (containsAny(text, REFUSE_WORDS)) return 'refuse';
    if (containsAny(text, ACCEPT_WORDS)) return 'accept';
    return null;
  }

  function consentAction(choice) {
    if (choice === 'accept') { ui.granted = true; return 'granted'; }
    // A refusal after a grant is a withdrawal, whether it comes from a button or an SDK API.
    if (choice === 'withdraw') return 'withdrawn';
    if (choice === 'refuse') return ui.granted ? 'withdrawn' : 'refused';
    return null;
  }

  function textOf(view) {
    if (view === null || view === undefined || view.getText === undefined) return null;
    try {
      const t = view.getText();
      return t === null ? null : String(t.toString());
    } catch (e) {
      return null;
    }
  }

  function className(obj) {
    return Consentry.classNameOf(obj);
  }

  function dialogButton(dialog, which) {
    try {
      return dialog.getButton !== undefined ? dialog.getButton(which) : null;
    } catch (e) {
      return null;
    }
  }

  function rememberView(view, text) {
    if (text === null || text === '') return;
    const previous = ui.viewsByText.get(text);
    if (previous !== undefined) previous.$dispose();
    ui.viewsByText.delete(text);
    ui.viewsByText.set(text, Java.retain(Consentry.asRuntimeClass(view)));
    if (ui.viewsByText.size > MAX_TRACKED_VIEWS) {
      const oldest = ui.viewsByText.keys().next().value;
      ui.viewsByText.get(oldest).$dispose();
      ui.viewsByText.delete(oldest);
    }
  }

  function reportClick(clicked) {
    const view = Consentry.asRuntimeClass(clicked);  // the hook sees a View: getText is a subclass'
    const text = textOf(view);
    const ts = Date.now();
    Consentry.emit({ type: 'ui', ts: ts, action: 'click', text: text, view: className(view) });
    const action = consentAction(classify(text));
    if (action !== null) Consentry.emit({ type: 'consent', ts: ts, action: action, source: 'ui', text: text });
  }

  /*
   * A click the way a finger makes it: on the app's main thread. Click listeners touch
   * views and Handlers, which throw CalledFromWrongThreadException on any other thread.
   * ART: the bridge's scheduleOnMainThread (the main looper wakes up and runs it). HotSpot
   * (the lab): the click is posted to the main looper's Handler as a Runnable made by
   * java.beans.EventHandler (the bridge cannot define classes there). The click hook on
   * performClick reports it when it runs. Without a main looper the click runs here.
   */
  const MAIN_THREAD_WAIT_MS = 5000;

  function clickOnMainThread(view, done) {
    if (!isHotSpot() && Java.scheduleOnMainThread !== undefined) {
      const timer = setTimeout(function () { done(false, 'the main thread did not run the click within 5 s'); }, MAIN_THREAD_WAIT_MS);
      Java.scheduleOnMainThread(function () {
        clearTimeout(timer);
        performClickFromAgent(view);
        done(true, null);
      });
      return;
    }
    const posted = Consentry.quietly(function () { return postClick(view); });
    if (!posted) {
      Consentry.log('warning', 'no main looper in this process: the click runs on the agent thread');
      performClickFromAgent(view);
    }
    done(true, null);
  }

  /*
   * A call made from the agent may or may not pass through the performClick hook (on
   * HotSpot it does not): reported here, and the hook skips it on this thread if it does.
   */
  function performClickFromAgent(view) {
    Consentry.quietly(function () { reportClick(view); });
    const tid = Process.getCurrentThreadId();
    ui.reportedClicks.add(tid);
    try {
      view.performClick();  // not quietly: what the app does in its listener is the app's
    } finally {
      ui.reportedClicks.delete(tid);
    }
  }

  function postClick(view) {
    try {
      const looper = Java.use('android.os.Looper').getMainLooper();
      if (looper === null) return false;
      const handler = Java.use('android.os.Handler').$new(looper);
      const runnable = Java.use('java.lang.Runnable');
      const click = Java.use('java.beans.EventHandler').create(runnable.class, view, 'performClick');
      handler.post(Java.cast(click, runnable));
      return true;
    } catch (e) {
      Consentry.log('debug', 'cannot post to the main looper: ' + e.message);
      return false;
    }
  }

  function isHotSpot() {
    try {
      return Java.api !== undefined && Java.api.flavor === 'jvm';
    } catch (e) {
      return false;
    }
  }

  /** The RPC's answer once the click ran (ART) or was queued on the main looper (HotSpot). */
  function clickAsUser(view, result) {
    return new Promise(function (resolve) {
      Java.performNow(function () {
        clickOnMainThread(view, function (clicked, reason) {
          resolve(clicked ? result : { clicked: false, reason: reason });
        });
      });
    });
  }

  function buttonTexts(dialog) {
    const texts = [];
    for (const which of [BUTTON_POSITIVE, BUTTON_NEGATIVE]) {
      const t = textOf(dialogButton(dialog, which));
      if (t !== null && t !== '') texts.push(t);
    }
    return texts;
  }

  function reportDialog(dialog, target) {
    if (ui.dialog !== null) ui.dialog.$dispose();
    ui.dialog = Java.retain(dialog);
    const texts = [];
    for (const slot of ['title', 'message']) {
      if (ui.builderTexts[slot]) texts.push(ui.builderTexts[slot]);
    }
    for (const t of buttonTexts(dialog)) if (texts.indexOf(t) === -1) texts.push(t);
    ui.builderTexts = {};
    const joined = texts.join('\n');
    Consentry.emit({ type: 'ui', ts: Date.now(), action: 'dialog_shown', text: texts.length > 0 ? texts[0] : null, view: className(dialog), texts: texts, stack: Consentry.javaStack() });
    if (containsAny(joined, CONSENT_CONTEXT_WORDS) || texts.some(function (t) { return classify(t) !== null; })) {
      Consentry.emit({ type: 'consent', ts: Date.now(), action: 'shown', source: 'ui', text: texts.length > 0 ? texts[0] : null });
    }
  }

  // ---- per-role hook installers ------------------------------------------------

  const installers = {
    // Android creates an AlertDialog's buttons inside show() (onCreate on the first show):
    // a dialog without buttons yet is read after show() returns; one that has them (shown
    // before) is reported before, so the report precedes any click on it.
    dialog_show: function (overload, target) {
      overload.implementation = function () {
        const dialog = this;
        let runtimeDialog = null;
        let before = false;
        Consentry.guarded(target, function () {
          runtimeDialog = Consentry.asRuntimeClass(dialog);
          before = buttonTexts(runtimeDialog).length > 0;
          if (before) reportDialog(runtimeDialog, target);
        })();
        const ret = overload.apply(this, arguments);
        if (!before) Consentry.guarded(target, function () { reportDialog(runtimeDialog || Consentry.asRuntimeClass(dialog), target); })();
        return ret;
      };
    },

    builder_text: function (overload, target) {
      overload.implementation = function () {
        const first = arguments.length > 0 ? arguments[0] : null;
        if (first !== null && typeof first === 'object' && first.toString !== undefined && typeof first !== 'number') {
          Consentry.quietly(function () {
            try { ui.builderTexts[target.slot] = String(first.toString()); } catch (e) { /* resource ids carry no text */ }
          });
        } else if (typeof first === 'string') {
          ui.builderTexts[target.slot] = first;
        }
        return overload.apply(this, arguments);
      };
    },

    click: function (overload, target) {
      overload.implementation = function () {
        const tid = Process.getCurrentThreadId();
        if (ui.reportedClicks.has(tid)) {
          ui.reportedClicks.delete(tid);
        } else if (!Consentry.isBusy()) {
          const view = this;
          Consentry.guarded(target, function () { reportClick(view); })();
        }
        return overload.apply(this, arguments);
      };
    },

    track_text: function (overload, target) {
      overload.implementation = function () {
        const ret = overload.apply(this, arguments);
        const view = this;
        const first = arguments.length > 0 ? arguments[0] : null;
        if (first !== null && typeof first !== 'number') {
          Consentry.guarded(target, function () {
            rememberView(view, typeof first === 'string' ? first : String(first.toString()));
          })();
        }
        return ret;
      };
    },

    sdk_consent: function (overload, target) {
      overload.implementation = function () {
        const ret = overload.apply(this, arguments);
        const agreed = arguments[target.bool_arg];
        if (typeof agreed === 'boolean') {
          const action = consentAction(agreed ? 'accept' : 'refuse');
          Consentry.emit({ type: 'consent', ts: Date.now(), action: action, source: 'sdk_api', sdk: target.sdk, api: target.class + '.' + target.method, value: agreed });
        }
        return ret;
      };
    },

    sdk_shown: function (overload, target) {
      overload.implementation = function () {
        const ret = overload.apply(this, arguments);
        const shown = arguments[target.bool_arg];
        if (shown === true) {
          Consentry.emit({ type: 'consent', ts: Date.now(), action: 'shown', source: 'sdk_api', sdk: target.sdk, api: target.class + '.' + target.method });
        }
        return ret;
      };
    },

    iab_write: function (overload, target) {
      overload.implementation = function () {
        const key = arguments.length > 1 && arguments[0] !== null ? String(arguments[0]) : '';
        if (key.indexOf('IABTCF_') === 0) {
          const value = arguments[1];
          Consentry.guarded(target, function () {
            const shown = Consentry.stringify(value);
            if (key === 'IABTCF_PurposeConsents' && typeof shown === 'string') {
              const action = consentAction(shown.charAt(0) === '1' ? 'accept' : 'refuse');
              Consentry.emit({ type: 'consent', ts: Date.now(), action: action, source: 'sdk_api', api: target.class + '.' + target.method, key: key, value: shown });
            }
            Consentry.recordCall(target.class + '.' + target.method, 'consent_state', shown, [key, shown], Consentry.javaStack());
          })();
        }
        return overload.apply(this, arguments);
      };
    },
  };

  // ---- RPC: the host's finger --------------------------------------------------

  function clickDialogButton(which) {
    const code = which === 'positive' ? BUTTON_POSITIVE : which === 'negative' ? BUTTON_NEGATIVE : null;
    if (code === null) throw new Error('which must be "positive" or "negative"');
    if (ui.dialog === null) return { clicked: false, reason: 'no dialog shown yet' };
    let button = null;
    let text = null;
    Java.performNow(function () {
      button = dialogButton(ui.dialog, code);
      text = textOf(button);
    });
    if (button === null) return { clicked: false, reason: 'dialog has no such button' };
    return clickAsUser(button, { clicked: true, text: text });
  }

  function findViewByText(text) {
    const tracked = ui.viewsByText.get(text);
    if (tracked !== undefined && textOf(tracked) === text) return tracked;
    let found = null;
    try {
      Java.choose('android.widget.TextView', {
        onMatch: function (view) {
          if (textOf(view) === text) { found = Java.retain(view); return 'stop'; }
        },
        onComplete: function () {},
      });
    } catch (e) {
      Consentry.log('debug', 'Java.choose unavailable: ' + e.message);
    }
    return found;
  }

  function clickViewByText(text) {
    let view = null;
    let viewClass = null;
    Java.performNow(function () {
      view = findViewByText(String(text));
      if (view !== null) viewClass = className(view);
    });
    if (view === null) return { clicked: false, reason: 'no view with text ' + JSON.stringify(text) };
    return clickAsUser(view, { clicked: true, text: String(text), view: viewClass });
  }

  Consentry.rpcExports.clickDialogButton = clickDialogButton;
  Consentry.rpcExports.clickViewByText = clickViewByText;

  Consentry.register('consent', function (targets) {
    for (const target of targets) Consentry.hookJavaTarget(target, installers[target.role]);
  });
})();
