/*
 * consentry agent runtime (always loaded first).
 *
 * What: configuration (RPC init), the one message envelope, batching of sensitive API
 * calls, Java stacks, first-seen identifiers, "skipped" reports, the generic Java hooking
 * loop and the RPC exports.
 * Why: every hook script reports the same way, so the host validates one format; a poller
 * calling an API every 10 ms must cost one message per flush, not one per call, while the
 * count stays exact.
 * Late classes: at spawn the app's own class loader does not exist yet, so app and SDK
 * classes (UMConfigure, okhttp3, app trust managers) are not findable. Such targets wait
 * ("pending") and are hooked when a class loader appears that defines them (the core
 * table's class-loader targets), before the app gets the loader back.
 *
 * Expects two globals from the bundle: `Java` (the frida-java-bridge) and
 * `CONSENTRY_TARGETS` (hooks/targets.json, filtered to the selected categories).
 */
const Consentry = (function () {
  const DEFAULTS = { canary: null, batch_ms: 250, stack_depth: 12, categories: null, exit_handshake: false, process: null, proxy_ca_pem: null };
  const MAX_PENDING = 5000;
  const MAX_STRING = 2048;
  const SELF_INIT_MS = 1000;
  const STANDALONE_EXIT_GRACE_S = 0.3;
  const DEFERRED_HOOK_WAIT_MS = 200;
  const DEFERRED_HOOK_POLL_S = 0.002;
  const ECHO_EVENTS_WITHOUT_HOST = true;
  // Classes of the platform (boot class path): complete at spawn, so one missing then never
  // appears; anything else may come with the app's class loader or a plugin loaded later.
  const PLATFORM_PREFIXES = ['java.', 'javax.', 'android.', 'dalvik.', 'com.android.', 'libcore.', 'sun.', 'jdk.', 'org.json.', 'org.w3c.', 'org.xml.'];
  const APP_LIBRARY_PREFIXES = ['android.support.', 'androidx.'];

  const state = {
    config: Object.assign({}, DEFAULTS),
    initialized: false,
    selfInitialized: false,
    installed: false,
    readySent: false,
    pending: [],
    droppedPending: 0,
    batches: new Map(),
    seenIdentifiers: new Set(),
    skipped: new Set(),
    erroredTargets: new Set(),
    installers: [],
    hookedTargets: 0,
    waiting: new Map(),
    waitingClasses: new Map(),
    lateHooked: 0,
    loaderChecks: 0,
    loaderCheckMs: 0,
    loaderFactories: new Map(),
    objectHooks: { in_place: 0, deferred: 0 },
    pendingReported: false,
    classLoaderClass: undefined,
    flushTimer: null,
    busyThreads: new Map(),
    callDepth: new Map(),
    siteProbe: undefined,
    siteStacks: new Map(),
    stats: { events: 0, calls: 0, flushes: 0, stacks_printed: 0 },
    stackClasses: null,
    objectClass: null,
    classClass: null,
    locationFields: undefined,
    systemFactory: null,
    javaAvailable: false,
  };

  // ---- envelope ------------------------------------------------------------------

  function deliver(event) {
    state.stats.events++;
    if (state.config.process !== null && state.config.process !== undefined) event.process = state.config.process;
    send(event);
    if (state.selfInitialized && ECHO_EVENTS_WITHOUT_HOST) console.log(JSON.stringify(event));
  }

  /** A session event: held back until init() so the host sees them with its config applied. */
  function emit(event) {
    if (event.ts === undefined) event.ts = Date.now();
    if (!state.initialized) {
      if (state.pending.length < MAX_PENDING) state.pending.push(event);
      else state.droppedPending++;
      return;
    }
    deliver(event);
  }

  /** Agent-protocol messages (hooks:*, log) are never held back. */
  function protocol(message) {
    send(message);
  }

  function log(level, message) {
    protocol({ type: 'log', level: level, message: String(message) });
  }

  function skipped(target, reason) {
    if (state.skipped.has(target)) return;
    state.skipped.add(target);
    protocol({ type: 'hooks:skipped', target: target, reason: reason });
  }

  function hookError(target, error) {
    if (state.erroredTargets.has(target)) return;
    state.erroredTargets.add(target);
    protocol({ type: 'hooks:error', target: target, message: String(error && error.message ? error.message : error) });
  }

  // ---- re-entrancy: our own Java calls must not be recorded as the app's ----------

  function isBusy() {
    return state.busyThreads.has(Process.getCurrentThreadId());
  }

  function quietly(fn) {
    const tid = Process.getCurrentThreadId();
    const depth = state.busyThreads.get(tid) || 0;
    state.busyThreads.set(tid, depth + 1);
    try {
      return fn();
    } finally {
      if (depth === 0) state.busyThreads.delete(tid);
      else state.busyThreads.set(tid, depth);
    }
  }

  // ---- values ----------------------------------------------------------------------

  function clip(text) {
    return text.length > MAX_STRING ? text.slice(0, MAX_STRING) + '…' : text;
  }

  /** Java's toString(), also for wrappers typed by an interface (List, Cursor) that lack it. */
  function javaToString(value) {
    try {
      const text = String(value.toString());
      if (text !== '[object Object]') return text;
    } catch (e) { /* try through java.lang.Object */ }
    try {
      if (state.objectClass === null) state.objectClass = Java.use('java.lang.Object');
      return String(Java.cast(value, state.objectClass).toString());
    } catch (e) {
      return typeof value.$className === 'string' ? value.$className : String(value);
    }
  }

  /** A return value or argument as evidence text (a Location as "lat,lon"). */
  function stringify(value) {
    if (value === null || value === undefined) return null;
    const t = typeof value;
    if (t === 'string') return clip(value);
    if (t === 'number' || t === 'boolean') return String(value);
    // JS arrays and the bridge's converted Java arrays have a length but no Java methods.
    if (Array.isArray(value) || (t === 'object' && typeof value.length === 'number' && value.getClass === undefined)) {
      const parts = [];
      for (let i = 0; i < value.length && i < 64; i++) parts.push(stringify(value[i]));
      return clip('[' + parts.join(',') + ']');
    }
    if (value.getLatitude !== undefined && value.getLongitude !== undefined) {
      const text = locationText(value);
      if (text !== null) return text;
      try {
        return value.getLatitude() + ',' + value.getLongitude();
      } catch (e) { /* fall through to toString */ }
    }
    return clip(javaToString(value));
  }

  /*
   * A Location as "lat,lon" from its fields (AOSP's mLatitude/mLongitude) through plain JNI:
   * the getters are hooked themselves, and the bridge's field wrappers cost about as much as
   * a hook, on every recorded call of a poller. null: no such fields (the getters are used).
   */
  function locationText(location) {
    const env = Java.vm.getEnv();
    let fields = state.locationFields;
    if (fields === undefined) {
      fields = null;
      const klass = env.getObjectClass(location.$h);
      try {
        const latitude = env.getFieldId(klass, 'mLatitude', 'D');
        const longitude = latitude.isNull() ? latitude : env.getFieldId(klass, 'mLongitude', 'D');
        if (latitude.isNull() || longitude.isNull()) env.exceptionClear();  // NoSuchFieldError
        else fields = { latitude: latitude, longitude: longitude, read: env.getField('double') };
      } finally {
        env.deleteLocalRef(klass);
      }
      state.locationFields = fields;
    }
    if (fields === null) return null;
    return fields.read(env.handle, location.$h, fields.latitude) + ',' + fields.read(env.handle, location.$h, fields.longitude);
  }

  function macFromBytes(bytes) {
    if (bytes === null || bytes === undefined) return null;
    const parts = [];
    for (let i = 0; i < bytes.length; i++) parts.push(((bytes[i] & 0xff) + 0x100).toString(16).slice(1));
    return parts.join(':');
  }

  function bytesToBase64(bytes, limit) {
    if (bytes === null || bytes === undefined) return '';
    const n = Math.min(bytes.length, limit || 65536);
    const u8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) u8[i] = bytes[i] & 0xff;
    return base64(u8);
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function base64(u8) {
    let out = '';
    let i = 0;
    for (; i + 2 < u8.length; i += 3) {
      const n = (u8[i] << 16) | (u8[i + 1] << 8) | u8[i + 2];
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (i < u8.length) {
      const rest = u8.length - i;
      const n = (u8[i] << 16) | (rest === 2 ? u8[i + 1] << 8 : 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (rest === 2 ? B64[(n >> 6) & 63] : '=') + '=';
    }
    return out;
  }

  function utf8Base64(text) {
    const bytes = [];
    const s = unescape(encodeURIComponent(text));
    for (let i = 0; i < s.length; i++) bytes.push(s.charCodeAt(i));
    return base64(new Uint8Array(bytes));
  }

  // ---- stacks ----------------------------------------------------------------------

  /*
   * The calling Java thread's stack, innermost first. Printing a fresh Throwable into a
   * StringWriter costs a handful of JNI calls whatever the depth (what Android's
   * Log.getStackTraceString does), instead of several per frame.
   */
  function javaStack() {
    return quietly(function () {
      if (state.stackClasses === null) {
        state.stackClasses = {
          throwable: Java.use('java.lang.Throwable'),
          stringWriter: Java.use('java.io.StringWriter'),
          printWriter: Java.use('java.io.PrintWriter'),
        };
      }
      const c = state.stackClasses;
      const writer = c.stringWriter.$new();
      c.throwable.$new().printStackTrace(c.printWriter.$new(writer));
      const lines = String(writer.toString()).split('\n');
      const frames = [];
      const depth = state.config.stack_depth;
      for (let i = 1; i < lines.length && frames.length < depth; i++) {
        const line = lines[i].trim();
        if (line.indexOf('at ') !== 0) continue;
        frames.push(stripModule(line.slice(3)));
      }
      return frames;
    });
  }

  /*
   * The stack of a recorded call, printed once per call site. A poller calls the same API
   * from the same frames thousands of times, and printing a stack is most of a hook's
   * cost; on HotSpot, JVMTI GetStackTrace names the frames (method ids and bytecode
   * positions, no objects made), which keys a cache of printed stacks. The key covers
   * more frames than are recorded, so a cached stack is exactly the one printing would
   * give. Without JVMTI (ART) every call prints its stack.
   */
  const JVMTI_GET_STACK_TRACE = 104; // function number in the JVMTI spec's table
  const JVMTI_FRAME_INFO_SIZE = 16; // jmethodID + jlocation
  const MAX_SITE_STACKS = 4096;

  function siteProbe() {
    const frames = state.config.stack_depth + 2;
    if (state.siteProbe !== undefined && (state.siteProbe === null || state.siteProbe.frames === frames)) return state.siteProbe;
    state.siteProbe = null;
    state.siteStacks.clear();
    try {
      const jvmti = Java.api.jvmti;
      if (jvmti === undefined || jvmti === null) return null;
      const address = jvmti.vtable.add((JVMTI_GET_STACK_TRACE - 1) * Process.pointerSize).readPointer();
      // exclusive: the shared buffer must not be reused by another thread mid-call.
      const getStackTrace = new NativeFunction(address, 'int32', ['pointer', 'pointer', 'int32', 'int32', 'pointer', 'pointer'],
        { exceptions: 'propagate', scheduling: 'exclusive' });
      state.siteProbe = { getStackTrace: getStackTrace, env: jvmti.handle, frames: frames,
        buffer: Memory.alloc(frames * JVMTI_FRAME_INFO_SIZE), count: Memory.alloc(4) };
    } catch (e) {
      log('debug', 'no JVMTI stack probe, stacks printed per call: ' + e.message);
    }
    return state.siteProbe;
  }

  function callSiteKey() {
    const probe = siteProbe();
    if (probe === null) return null;
    if (probe.getStackTrace(probe.env, NULL, 0, probe.frames, probe.buffer, probe.count) !== 0) return null;
    const words = new Uint32Array(probe.buffer.readByteArray(probe.count.readS32() * JVMTI_FRAME_INFO_SIZE));
    return words.join(',');
  }

  /** The Java stack of the call being recorded (innermost first), printed once per call site. */
  function callStack() {
    let key = null;
    try {
      key = callSiteKey();
    } catch (e) {
      state.siteProbe = null;
    }
    if (key === null) return javaStack();
    let stack = state.siteStacks.get(key);
    if (stack === undefined) {
      stack = javaStack();
      stack.joined = stack.join('\u0001');  // the batch key's part, made once per site
      state.stats.stacks_printed++;
      if (state.siteStacks.size < MAX_SITE_STACKS) state.siteStacks.set(key, stack);
    }
    return stack;
  }

  // ---- one app call, one record --------------------------------------------------

  /*
   * On Android the framework calls its own hooked methods: the short forms delegate
   * (getImei() -> getImei(int); ContentResolver.query 5-arg -> 6-arg -> Bundle form) and
   * some APIs call others (requestSingleUpdate -> requestLocationUpdates). Such an inner
   * call is an echo of the app's call, not a call of its own: a hooked call made while
   * another is active on the thread, directly from a platform class. A hooked call made
   * from app or SDK code inside another (an SDK's getOAID in the listener that
   * MdidSdkHelper.InitSdk calls) is its own call. Only nested calls pay for the check.
   */
  function enterCall() {
    const tid = Process.getCurrentThreadId();
    const depth = state.callDepth.get(tid) || 0;
    state.callDepth.set(tid, depth + 1);
    return depth === 0 || !calledFromPlatform();
  }

  function leaveCall() {
    const tid = Process.getCurrentThreadId();
    const depth = state.callDepth.get(tid) || 1;
    if (depth <= 1) state.callDepth.delete(tid);
    else state.callDepth.set(tid, depth - 1);
  }

  /** The hooked method's caller (the stack's second frame) is a platform class. */
  function calledFromPlatform() {
    const frames = javaStack();
    if (frames.length < 2) return false;
    const caller = frames[1];
    const paren = caller.indexOf('(');
    const qualified = paren === -1 ? caller : caller.slice(0, paren);
    return isPlatformClass(qualified.slice(0, qualified.lastIndexOf('.')));
  }

  /** "java.base/java.lang.Foo.bar(Foo.java:1)" -> "java.lang.Foo.bar(Foo.java:1)". */
  function stripModule(frame) {
    const paren = frame.indexOf('(');
    const head = paren === -1 ? frame : frame.slice(0, paren);
    const slash = head.lastIndexOf('/');
    return slash === -1 ? frame : frame.slice(slash + 1);
  }

  // ---- batching of API calls -------------------------------------------------------

  /**
   * Counts one sensitive API call; one event per (api, stack, ret, exception) goes out per
   * flush. exception: the Java exception the call threw (the attempt still counts), or null.
   */
  function recordCall(api, kind, ret, args, stack, exception, distinct) {
    const now = Date.now();
    state.stats.calls++;
    const thrown = exception === undefined ? null : exception;
    const key = api + '\u0000' + (stack.joined !== undefined ? stack.joined : stack.join('\u0001')) + '\u0000' + ret + '\u0000' + thrown + (distinct === undefined || distinct === null ? '' : '\u0000' + distinct);
    const batch = state.batches.get(key);
    if (batch !== undefined) {
      batch.count++;
      batch.ts = now;
      return;
    }
    // args may be a function: described only for the first call of a batch.
    const described = typeof args === 'function' ? args() : args;
    state.batches.set(key, { api: api, kind: kind, ret: ret, args: described, stack: stack, exception: thrown, count: 1, first_ts: now, ts: now });
  }

  function flush() {
    if (!state.initialized) return 0;
    const batches = Array.from(state.batches.values());
    state.batches.clear();
    batches.sort(function (a, b) { return a.first_ts - b.first_ts; });
    for (const b of batches) {
      const event = { type: 'api_call', ts: b.ts, first_ts: b.first_ts, api: b.api, ret: b.ret, args: b.args, stack: b.stack, count: b.count };
      if (b.kind !== null && b.kind !== undefined) event.kind = b.kind;
      if (b.exception !== null) event.exception = b.exception;
      deliver(event);
    }
    state.stats.flushes++;
    return batches.length;
  }

  /** An identifier event the first time this (kind, value) pair is seen. */
  function identifier(kind, value, source) {
    if (value === null || value === undefined || value === '' || kind === null || kind === undefined) return;
    const key = kind + '\u0000' + value;
    if (state.seenIdentifiers.has(key)) return;
    state.seenIdentifiers.add(key);
    emit({ type: 'identifier', ts: Date.now(), kind: kind, value: String(value), source: source || 'hook' });
  }

  function canaryValue(kind) {
    const canary = state.config.canary;
    if (canary === null || canary === undefined || kind === null || kind === undefined) return undefined;
    const value = canary[kind];
    return value === null || value === undefined ? undefined : value;
  }

  // ---- the generic Java hooking loop -----------------------------------------------

  function targetName(target) {
    return target.module !== undefined ? target.module + '!' + target.export : target.class + '.' + target.method;
  }

  /*
   * Inside a hook, class lookups go through the hooked method's class loader (the boot
   * loader for javax.net.ssl.SSLContext), which cannot see app classes; so fall back to
   * the system loader's factory, captured while installing.
   */
  function useClass(name) {
    try {
      return Java.use(name);
    } catch (e) { /* try the system loader */ }
    if (state.systemFactory === null) return null;
    try {
      return state.systemFactory.use(name);
    } catch (e) {
      return null;
    }
  }

  function captureSystemFactory() {
    try {
      const loader = Java.use('java.lang.ClassLoader').getSystemClassLoader();
      if (loader === null) return;
      state.systemFactory = Java.ClassFactory.get(loader);
      // Looking this one up again from inside a hook fails on HotSpot: remember it now.
      state.loaderFactories.set(String(Java.use('java.lang.System').identityHashCode(loader)), state.systemFactory);
    } catch (e) {
      log('debug', 'no system class loader factory: ' + e.message);
    }
  }

  function isPlatformClass(name) {
    if (APP_LIBRARY_PREFIXES.some(function (p) { return name.indexOf(p) === 0; })) return false;
    return PLATFORM_PREFIXES.some(function (p) { return name.indexOf(p) === 0; });
  }

  /**
   * Calls install(overload, target) for every overload of target.method; a missing method
   * is reported once as skipped, never thrown. A missing app class waits for its loader.
   */
  function hookJavaTarget(target, install) {
    const name = targetName(target);
    if (!state.javaAvailable) {
      skipped(name, 'no Java runtime in this process');
      return 0;
    }
    const wrapper = useClass(target.class);
    if (wrapper === null) {
      if (isPlatformClass(target.class)) skipped(name, 'class not found');
      else await_(target, install);
      return 0;
    }
    return hookOverloads(wrapper, target, install);
  }

  function hookOverloads(wrapper, target, install) {
    const name = targetName(target);
    let method;
    try {
      method = wrapper[target.method];
    } catch (e) {
      method = undefined;
    }
    if (method === undefined || method === null || method.overloads === undefined) {
      skipped(name, 'method not found');
      return 0;
    }
    let hooked = 0;
    for (const overload of method.overloads) {
      try {
        install(overload, target);
        hooked++;
      } catch (e) {
        skipped(name + '(' + overload.argumentTypes.map(function (t) { return t.className; }).join(',') + ')', 'cannot hook: ' + e.message);
      }
    }
    state.hookedTargets += hooked > 0 ? 1 : 0;
    return hooked;
  }

  // ---- targets whose class comes with a later class loader -------------------------

  function await_(target, install) {
    const name = targetName(target);
    if (state.waiting.has(name)) return;
    state.waiting.set(name, { target: target, install: install });
    const names = state.waitingClasses.get(target.class) || [];
    names.push(name);
    state.waitingClasses.set(target.class, names);
  }

  /** Our own class-loader calls must neither be recorded nor re-enter the loader hooks. */
  function classLoaderType() {
    if (state.classLoaderClass === undefined) state.classLoaderClass = Java.use('java.lang.ClassLoader');
    return state.classLoaderClass;
  }

  /** The bridge's class factory for a class loader (null: the boot loader), one per loader. */
  function factoryOf(loader) {
    if (loader === null) return Java.classFactory;
    const key = String(Java.use('java.lang.System').identityHashCode(loader));
    let factory = state.loaderFactories.get(key);
    if (factory === undefined) {
      factory = Java.ClassFactory.get(Java.retain(loader));
      state.loaderFactories.set(key, factory);
    }
    return factory;
  }

  /*
   * Links a loaded class without initializing it (getDeclaredMethods does): HotSpot's
   * JVMTI refuses to list the methods of a loaded but unlinked class, and the bridge then
   * frees garbage and aborts the process.
   */
  function linked(klass) {
    klass.getDeclaredMethods();
    return klass;
  }

  /*
   * The wrapper of a loaded class through the loader that defined it, usable on any
   * thread. Such a per-loader factory cannot convert object-array arguments or results
   * (see defaultWrapperOfClass).
   */
  function wrapperOfClass(klass) {
    linked(klass);
    return factoryOf(klass.getClassLoader()).use(String(klass.getName()));
  }

  /*
   * The wrapper to hook a late class through: the default factory's, which converts
   * object arrays (OkHttp's check(String, Certificate...)); at call time its lookups run
   * inside the hooked method, so JNI FindClass resolves through that class's own loader.
   * Should it fail, wrap another class of that name (the default factory caches by name,
   * and in an Android app it looks names up in the app's loader, not with FindClass) or
   * not see an awaited method (one inherited from a class FindClass cannot see from here),
   * the loader's own factory is used: everything works but object arrays.
   */
  function lateWrapperOf(klass, className, methods) {
    try {
      const wrapper = defaultWrapperOfClass(klass, className);
      if (!Java.vm.getEnv().isSameObject(wrapper.class.$h, klass.$h)) {
        log('debug', 'default wrapper of ' + className + ' is another class of that name, hooked through its loader');
      } else if (methods.every(function (m) { return hasMethod(wrapper, m); })) {
        return wrapper;
      } else {
        log('debug', 'default wrapper of ' + className + ' lacks ' + methods.join('/') + ', hooked through its loader');
      }
    } catch (e) {
      log('debug', 'default wrapper of ' + className + ' failed, hooked through its loader: ' + e.message);
    }
    return wrapperOfClass(klass);
  }

  /** The class through this loader, or null. */
  function classIn(loader, className, methods) {
    let klass;
    try {
      klass = loader.loadClass(className);
    } catch (e) {
      return null;
    }
    return klass === null ? null : lateWrapperOf(klass, className, methods);
  }

  /**
   * A class loader appeared or became usable: hook every waiting target it can now see.
   * Runs on the app's thread before the loader is handed back, so no call is missed.
   */
  function retryWaiting(loaderObject, origin) {
    if (state.waitingClasses.size === 0 || loaderObject === null || loaderObject === undefined) return 0;
    const started = Date.now();
    let installed = 0;
    quietly(function () {
      const loader = Java.cast(loaderObject, classLoaderType());
      const loaderName = classNameOf(loader);
      state.loaderChecks++;
      for (const className of Array.from(state.waitingClasses.keys())) {
        const names = state.waitingClasses.get(className);
        let wrapper = null;
        try {
          wrapper = classIn(loader, className, names.map(function (n) { return state.waiting.get(n).target.method; }));
        } catch (e) {
          log('debug', 'late lookup of ' + className + ' failed: ' + e.message);
        }
        if (wrapper === null) continue;
        state.waitingClasses.delete(className);
        for (const name of names) {
          const entry = state.waiting.get(name);
          state.waiting.delete(name);
          if (hookOverloads(wrapper, entry.target, entry.install) > 0) {
            installed++;
            state.lateHooked++;
            protocol({ type: 'hooks:installed', target: name, late: true, loader: loaderName, origin: origin });
          }
        }
      }
    });
    state.loaderCheckMs += Date.now() - started;
    return installed;
  }

  /** What never got hooked because its class never came: one summary, at the end. */
  function reportPending() {
    if (state.pendingReported || !state.installed) return;
    state.pendingReported = true;
    protocol({ type: 'hooks:pending', targets: Array.from(state.waiting.keys()), reason: 'class never loaded', late_installed: state.lateHooked });
  }

  const loaderInstallers = {
    // A new class loader (URLClassLoader, BaseDexClassLoader: Path/Dex/InMemoryDex): after
    // its constructor it can find its classes.
    new_loader: function (overload, target) {
      overload.implementation = function () {
        const ret = overload.apply(this, arguments);
        if (state.waitingClasses.size > 0 && !isBusy()) {
          try {
            retryWaiting(this, target.class + '.<init>');
          } catch (e) {
            hookError(targetName(target), e);
          }
        }
        return ret;
      };
    },
    // The app's own loader is ready (LoadedApk.makeApplication, Application.attach).
    app_loader: function (overload, target) {
      overload.implementation = function () {
        const ret = overload.apply(this, arguments);
        if (state.waitingClasses.size > 0 && !isBusy()) {
          const self = this;
          try {
            const loader = quietly(function () { return self.getClassLoader !== undefined ? self.getClassLoader() : null; });
            retryWaiting(loader, targetName(target));
          } catch (e) {
            hookError(targetName(target), e);
          }
        }
        return ret;
      };
    },
    // Explicit loadClass(name) of a waiting class in an existing loader; one Map lookup per
    // call otherwise. Not on HotSpot: replacing loadClass there hangs the VM's class resolution.
    // Both overloads are hooked (loadClass(String) and loadClass(String, boolean)): every
    // argument is passed through, whatever the arity.
    load_class: function (overload, target) {
      overload.implementation = function () {
        const name = arguments[0];
        const klass = overload.apply(this, arguments);
        if (klass !== null && state.waitingClasses.has(name) && !isBusy()) {
          try {
            retryWaiting(quietly(function () { return klass.getClassLoader(); }), targetName(target));
          } catch (e) {
            hookError(targetName(target), e);
          }
        }
        return klass;
      };
    },
  };

  function isHotSpot() {
    try {
      return Java.api !== undefined && Java.api.flavor === 'jvm';
    } catch (e) {
      return false;
    }
  }

  /** Watches for class loaders only when some target waits for one: otherwise free. */
  function installLoaderWatch(targets) {
    if (state.waiting.size === 0) return;
    for (const target of targets) {
      if (target.runtime === 'art' && isHotSpot()) {
        skipped(targetName(target), 'not hooked on HotSpot');
        continue;
      }
      const install = loaderInstallers[target.role];
      if (target.class === undefined || install === undefined) continue;
      hookJavaTarget(target, install);
    }
  }

  /*
   * The java.lang.Class of a Java object, whatever type its wrapper was declared with
   * (interfaces too). Through JNI GetObjectClass: inside a hook on a platform method,
   * Java.cast to java.lang.Object was seen to fail on HotSpot.
   */
  function classOf(obj) {
    if (state.classClass === null) state.classClass = Java.use('java.lang.Class');
    const handle = obj.$h;
    if (handle === undefined || handle === null) throw new Error('not a Java object');
    const env = Java.vm.getEnv();
    const local = env.getObjectClass(handle);
    try {
      return Java.cast(local, state.classClass);
    } finally {
      env.deleteLocalRef(local);
    }
  }

  /** The runtime class name of a Java object, whatever type its wrapper was declared with (interfaces too). */
  function classNameOf(obj) {
    if (obj === null || obj === undefined) return null;
    try {
      if (obj.getClass !== undefined) return String(obj.getClass().getName());
    } catch (e) { /* an interface-typed wrapper: fall through */ }
    try {
      return String(classOf(obj).getName());
    } catch (e) {
      // Array elements are wrapped with their runtime class already.
      return typeof obj.$className === 'string' ? obj.$className : null;
    }
  }

  /*
   * The bridge's default-factory wrapper of a class in hand, from any thread. The default
   * factory is the one that converts object-array arguments (checkServerTrusted's
   * X509Certificate[]): a per-loader factory resolves "[L…;" through ClassLoader.loadClass,
   * which rejects array names, so such a hook would throw on every call. The default
   * factory finds classes with JNI FindClass, which inside a hook on a platform method
   * resolves through that method's loader (the boot loader for javax.net.ssl.SSLContext)
   * and cannot see app classes; so for this one lookup FindClass of this name answers with
   * the class in hand, linked first.
   */
  function defaultWrapperOfClass(klass, className) {
    linked(klass);
    const env = Java.vm.getEnv();
    const envType = Object.getPrototypeOf(env);
    const findClass = envType.findClass;
    const jniName = className.replace(/\./g, '/');
    const classHandle = klass.$h;
    envType.findClass = function (name) {
      return name === jniName ? this.newLocalRef(classHandle) : findClass.call(this, name);
    };
    try {
      return Java.use(className);
    } finally {
      envType.findClass = findClass;
    }
  }

  /*
   * Hooks a method on the runtime class of a live object (an app's own implementation of
   * a platform interface, e.g. the X509TrustManager handed to SSLContext.init), from
   * inside another hook and before that hook returns, so the object's first call is
   * already caught. The object's class is loaded, so it is wrapped right here on the
   * app's thread (a few milliseconds, once per class). Should that fail, the
   * lookup is left to the agent's thread, which sees app classes through the system
   * loader (see hookOnAgentThread).
   */
  function hookObjectMethod(obj, methodName, install, seen) {
    const className = classNameOf(obj);
    if (className === null) return false;
    const key = className + '.' + methodName;
    if (seen.has(key)) return true;
    seen.add(key);
    const target = { class: className, method: methodName };
    let wrapper = null;
    try {
      wrapper = quietly(function () { return defaultWrapperOfClass(classOf(obj), className); });
    } catch (e) {
      log('debug', 'in-place lookup of ' + className + ' failed, left to the agent thread: ' + e.message);
    }
    // A method inherited from an app superclass needs that class too, which FindClass
    // cannot see here: the agent's thread can.
    if (wrapper !== null && hasMethod(wrapper, methodName)) {
      state.objectHooks.in_place++;
      return hookOverloads(wrapper, target, install) > 0;
    }
    state.objectHooks.deferred++;
    return hookOnAgentThread(target, install);
  }

  function hasMethod(wrapper, methodName) {
    try {
      const method = wrapper[methodName];
      return method !== undefined && method !== null && method.overloads !== undefined;
    } catch (e) {
      return false;
    }
  }

  /*
   * The fallback of hookObjectMethod: the hook is made on the agent's thread. This thread
   * waits for it a little, in case that thread gets the script lock meanwhile (on HotSpot
   * it was seen to run only once this hook returned, so a longer wait only stalls the app).
   */
  function hookOnAgentThread(target, install) {
    let done = false;
    setTimeout(function () {
      try {
        Java.perform(function () { hookJavaTarget(target, install); });
      } finally {
        done = true;
      }
    }, 0);
    const deadline = Date.now() + DEFERRED_HOOK_WAIT_MS;
    while (!done && Date.now() < deadline) Thread.sleep(DEFERRED_HOOK_POLL_S);
    return done;
  }

  /** The object seen through its runtime class, so subclass methods (getButton) are callable. */
  function asRuntimeClass(obj) {
    const name = classNameOf(obj);
    if (name === null) return obj;
    const wrapper = useClass(name);
    if (wrapper === null) return obj;
    try {
      return Java.cast(obj, wrapper);
    } catch (e) {
      return obj;
    }
  }

  /** Wraps an implementation so that errors in reporting never reach the app. */
  function guarded(target, report) {
    return function () {
      try {
        quietly(report);
      } catch (e) {
        hookError(targetName(target), e);
      }
    };
  }

  function register(category, install) {
    state.installers.push({ category: category, install: install });
  }

  function targetsOf(category) {
    const entry = CONSENTRY_TARGETS.categories[category];
    return entry === undefined ? [] : entry.targets;
  }

  // ---- process exit ---------------------------------------------------------------

  /*
   * Runtime.exit: report the exit and flush the counts. With a host that asked for the
   * exit handshake, wait until it has received everything (it answers "hooks:exit-ack");
   * standalone (no host), give the transport a moment. Then end the process directly:
   * tearing the agent down while the VM is exiting can deadlock (the bridge's clean-up
   * needs the VM that is waiting for it), which leaves a process that never exits.
   */
  function installExitHook(targets) {
    for (const target of targets) {
      hookJavaTarget(target, function (overload) {
        overload.implementation = function (status) {
          guarded(target, function () {
            emit({ type: 'lifecycle', ts: Date.now(), state: 'exit', component: 'java.lang.Runtime', status: status });
            flush();
            reportPending();
          })();
          if (state.config.exit_handshake && state.initialized && !state.selfInitialized) endProcess(status, true);
          else if (state.selfInitialized) endProcess(status, false);
          return overload.apply(this, arguments);
        };
      });
    }
  }

  function endProcess(status, handshake) {
    let exitNow = null;
    try {
      exitNow = new NativeFunction(Module.getGlobalExportByName('_exit'), 'void', ['int']);
    } catch (e) {
      log('warning', 'no _exit in this process; normal exit path used');
      return;
    }
    quietly(function () {
      const system = Java.use('java.lang.System');
      system.out.value.flush();
      system.err.value.flush();
    });
    send({ type: 'hooks:exiting', status: status });
    if (handshake) recv('hooks:exit-ack', function () {}).wait();
    else Thread.sleep(STANDALONE_EXIT_GRACE_S);
    exitNow(status);
  }

  // ---- start-up, init and readiness ------------------------------------------------

  function installAll() {
    if (state.javaAvailable) captureSystemFactory();
    const core = targetsOf('core');
    installExitHook(core.filter(function (t) { return t.role === 'exit'; }));
    for (const installer of state.installers) {
      try {
        installer.install(targetsOf(installer.category));
      } catch (e) {
        protocol({ type: 'hooks:error', target: installer.category, message: String(e.message || e) });
      }
    }
    installLoaderWatch(core.filter(function (t) { return t.role !== 'exit'; }));
    state.installed = true;
    maybeReady();
  }

  function maybeReady() {
    if (!state.installed || !state.initialized || state.readySent) return;
    state.readySent = true;
    protocol({ type: 'hooks:ready', targets: state.hookedTargets, skipped: state.skipped.size, pending: state.waiting.size, categories: Object.keys(CONSENTRY_TARGETS.categories) });
  }

  function applyConfig(config) {
    const merged = Object.assign({}, DEFAULTS);
    if (config !== null && config !== undefined && typeof config === 'object') {
      for (const key of Object.keys(DEFAULTS)) {
        if (config[key] !== undefined) merged[key] = config[key];
      }
    }
    merged.batch_ms = Math.max(10, Math.min(60000, Number(merged.batch_ms) || DEFAULTS.batch_ms));
    merged.stack_depth = Math.max(1, Math.min(256, Number(merged.stack_depth) || DEFAULTS.stack_depth));
    state.config = merged;
    state.siteProbe = undefined;
  }

  function init(config) {
    if (state.initialized) {
      applyConfig(config);
      return status();
    }
    applyConfig(config);
    state.initialized = true;
    const canary = state.config.canary;
    if (canary !== null && canary !== undefined) {
      for (const kind of Object.keys(canary)) identifier(kind, canary[kind], 'canary');
    }
    const held = state.pending;
    state.pending = [];
    for (const event of held) deliver(event);
    if (state.droppedPending > 0) log('warning', state.droppedPending + ' events before init() were dropped');
    state.flushTimer = setInterval(flush, state.config.batch_ms);
    maybeReady();
    return status();
  }

  function status() {
    return {
      initialized: state.initialized,
      self_initialized: state.selfInitialized,
      installed: state.installed,
      targets: state.hookedTargets,
      skipped: Array.from(state.skipped),
      pending: Array.from(state.waiting.keys()),
      late_installed: state.lateHooked,
      loader_checks: state.loaderChecks,
      loader_check_ms: state.loaderCheckMs,
      object_hooks: state.objectHooks,
      pending_batches: state.batches.size,
      events: state.stats.events,
      calls: state.stats.calls,
      flushes: state.stats.flushes,
      stacks_printed: state.stats.stacks_printed,
      call_site_cache: state.siteProbe !== undefined && state.siteProbe !== null,
      config: state.config,
    };
  }

  function start() {
    setTimeout(function () {
      if (state.initialized) return;
      state.selfInitialized = true;
      init(null);
    }, SELF_INIT_MS);
    // A process without a Java VM (a native app, a Flutter engine) still gets the native hooks.
    state.javaAvailable = Java.available;
    if (!state.javaAvailable) {
      log('warning', 'no Java runtime in this process: only native targets are hooked');
      installAll();
      return;
    }
    Java.perform(installAll);
  }

  const rpcExports = {
    init: init,
    flush: function () { return flush(); },
    status: status,
    reportPending: function () { reportPending(); return Array.from(state.waiting.keys()); },
    dispose: function () { flush(); reportPending(); },
  };

  return {
    emit: emit, protocol: protocol, log: log, skipped: skipped, hookError: hookError,
    isBusy: isBusy, quietly: quietly, guarded: guarded,
    stringify: stringify, macFromBytes: macFromBytes, bytesToBase64: bytesToBase64, utf8Base64: utf8Base64,
    javaStack: javaStack, callStack: callStack, enterCall: enterCall, leaveCall: leaveCall, recordCall: recordCall, flush: flush, identifier: identifier, canaryValue: canaryValue,
    asRuntimeClass: asRuntimeClass, classNameOf: classNameOf, hookJavaTarget: hookJavaTarget, hookObjectMethod: hookObjectMethod, useClass: useClass, targetName: targetName,
    register: register, start: start, rpcExports: rpcExports, config: function () { return state.config; },
  };
})();
