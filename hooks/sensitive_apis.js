/*
 * Sensitive APIs: device identifiers, location, contacts, installed apps, sensors.
 *
 * What: every call to a target in targets.json "sensitive" becomes a counted api_call
 * (return value, arguments, Java stack), plus an identifier event the first time an
 * identifier value is seen. With canary identities configured, identifier getters return
 * the canary value instead of the device's, so any later appearance in traffic is
 * unambiguous.
 * Why: regulators ask which code read which personal data and when; the stack names the
 * SDK, the count shows over-frequent collection.
 */
(function () {
  /** The PII kind of this call: fixed, or chosen from an argument (Settings key, content URI). */
  function kindOf(target, args) {
    if (target.kind !== undefined) return target.kind;
    const rule = target.arg_kind;
    if (rule === undefined || args.length <= rule.index || args[rule.index] === null) return null;
    const text = String(args[rule.index]);
    if (rule.map !== undefined) return rule.map[text] !== undefined ? rule.map[text] : null;
    for (const needle of Object.keys(rule.contains || {})) {
      if (text.indexOf(needle) !== -1) return rule.contains[needle];
    }
    return null;
  }

  /** The value the app gets back, replaced by the canary identity when one is configured. */
  function substitute(target, kind, ret) {
    const canary = Consentry.canaryValue(kind);
    if (canary === undefined) return ret;
    if (target.ret === 'mac_bytes') {
      if (ret === null) return ret;
      return Java.array('byte', String(canary).split(':').map(function (h) { const b = parseInt(h, 16); return b > 127 ? b - 256 : b; }));
    }
    if (target.ret === 'latitude' || target.ret === 'longitude') {
      const parts = String(canary).split(',');
      return parseFloat(parts[target.ret === 'latitude' ? 0 : 1]);
    }
    if (target.ret === 'location') return ret;
    if (typeof ret === 'string' || (ret === null && target.identifier)) return String(canary);
    return ret;
  }

  /** WifiInfo.getIpAddress(): IPv4 as an int, lowest byte first (Android's byte order). */
  function ipv4FromInt(value) {
    if (typeof value !== 'number' || value === 0) return null;
    return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff].join('.');
  }

  const MAX_CURSOR_ROWS = 200;

  /** The rows of a returned Cursor (contacts, call log, SMS) as [{column: value}], the
   * cursor put back before its first row so the app reads it as if untouched; null when
   * it cannot be read (the call is then recorded with the cursor's text). */
  function cursorRows(cursor) {
    if (cursor === null || cursor === undefined || cursor.getColumnNames === undefined) return null;
    try {
      const names = cursor.getColumnNames();
      const rows = [];
      try {
        while (rows.length < MAX_CURSOR_ROWS && cursor.moveToNext()) {
          const row = {};
          for (let i = 0; i < names.length; i++) row[String(names[i])] = Consentry.stringify(cursor.getString(i));
          rows.push(row);
        }
      } finally {
        cursor.moveToPosition(-1);
      }
      return rows;
    } catch (e) {
      return null;
    }
  }

  function describeReturn(target, kind, ret) {
    if (target.ret === 'mac_bytes') return Consentry.macFromBytes(ret);
    if (target.ret === 'ipv4_int') return ipv4FromInt(ret);
    if (target.ret === 'cursor') {
      const rows = cursorRows(ret);
      if (rows !== null) return rows;
    }
    if (target.ret === 'location' && ret !== null) {
      const canary = Consentry.canaryValue('location');
      if (canary !== undefined) return String(canary);
    }
    return Consentry.stringify(ret);
  }

  function describeArgs(args) {
    const out = [];
    for (let i = 0; i < args.length; i++) out.push(Consentry.stringify(args[i]));
    return out;
  }

  /** "java.lang.SecurityException: msg" of a Java exception the call threw. */
  function describeException(error) {
    return String(error && error.message !== undefined ? error.message : error);
  }

  /*
   * The original runs first; a call the framework makes inside another hooked call (an
   * overload chain) is not recorded: only the app's own calls are. A call that throws (a
   * SecurityException for identifiers on Android 10+) is recorded with its exception
   * and the exception reaches the app unchanged: the attempt is what regulators count.
   */
  function install(overload, target) {
    const api = target.class + '.' + target.method;
    overload.implementation = function () {
      const args = arguments;
      if (Consentry.isBusy()) return overload.apply(this, args);
      const outermost = Consentry.enterCall();
      let ret;
      let thrown = null;
      try {
        ret = overload.apply(this, args);
      } catch (e) {
        thrown = e;
      } finally {
        Consentry.leaveCall();
      }
      if (!outermost) {
        if (thrown !== null) throw thrown;
        return ret;
      }
      const kind = kindOf(target, args);
      if (target.arg_kind !== undefined && kind === null) {
        if (thrown !== null) throw thrown;
        return ret;
      }
      if (thrown === null) ret = substitute(target, kind, ret);
      Consentry.guarded(target, function () {
        const shown = thrown === null ? describeReturn(target, kind, ret) : null;
        const exception = thrown === null ? null : describeException(thrown);
        // A probing loop (getPackageInfo over a list of packages) from one call site keeps
        // one event per package probed: the argument is part of what is counted.
        const distinct = target.distinct_arg !== undefined && args.length > target.distinct_arg ? Consentry.stringify(args[target.distinct_arg]) : null;
        Consentry.recordCall(api, kind, shown, function () { return describeArgs(args); }, Consentry.callStack(), exception, distinct);
        if (target.identifier && shown !== null) {
          const source = Consentry.canaryValue(kind) !== undefined ? 'canary' : 'hook';
          Consentry.identifier(kind, shown, source);
        }
      })();
      if (thrown !== null) throw thrown;
      return ret;
    };
  }

  Consentry.register('sensitive', function (targets) {
    for (const target of targets) Consentry.hookJavaTarget(target, install);
  });
})();
