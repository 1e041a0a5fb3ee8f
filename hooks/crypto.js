/*
 * Crypto and encoding: javax.crypto.Cipher, java.security.MessageDigest, Base64
 * (java.util and android.util).
 *
 * What: one `crypto` event per completed operation with the algorithm, the whole input
 * and output (update() chunks are joined per object until doFinal()/digest()), capped at
 * 64 KiB each, and the Java stack.
 * Why: SDKs hash, encode or encrypt identifiers before sending them; the plaintext /
 * ciphertext pair lets the analyzer recognise an identifier inside an opaque payload.
 * The TLS stack's own record encryption and hashing is skipped (by caller package, and
 * ByteBuffer overloads carry no evidence), so traffic keeps its speed.
 */
(function () {
  const MAX_BYTES = 64 * 1024;
  const MAX_OPEN_OBJECTS = 64;
  const INTERNAL_CALLERS = ['sun.security.', 'com.android.org.conscrypt.', 'org.conscrypt.', 'com.sun.crypto.', 'java.util.jar.', 'jdk.internal.', 'javax.net.ssl.', 'okhttp3.internal.tls.'];
  const BYTES = '[B';

  const openObjects = new Map();
  const depthByThread = new Map();
  let systemClass = null;

  function identity(obj) {
    if (systemClass === null) systemClass = Java.use('java.lang.System');
    return systemClass.identityHashCode(obj);
  }

  function enter() {
    const tid = Process.getCurrentThreadId();
    const depth = depthByThread.get(tid) || 0;
    depthByThread.set(tid, depth + 1);
    return depth === 0;
  }

  function leave() {
    const tid = Process.getCurrentThreadId();
    const depth = depthByThread.get(tid) || 1;
    if (depth <= 1) depthByThread.delete(tid);
    else depthByThread.set(tid, depth - 1);
  }

  /** Runs the original; `report` runs only for the outermost hooked call on this thread. */
  function outermost(self, overload, args, target, report) {
    if (Consentry.isBusy()) return overload.apply(self, args);
    const top = enter();
    let ret;
    try {
      ret = overload.apply(self, args);
    } finally {
      leave();
    }
    if (top) Consentry.guarded(target, function () { report(ret); })();
    return ret;
  }

  function appendBytes(into, array, offset, length) {
    if (array === null || array === undefined) return into;
    const start = offset || 0;
    const end = length === undefined ? array.length : Math.min(array.length, start + length);
    for (let i = start; i < end && into.length < MAX_BYTES; i++) into.push(array[i] & 0xff);
    return into;
  }

  function utf8Bytes(text) {
    const s = unescape(encodeURIComponent(String(text)));
    const out = [];
    for (let i = 0; i < s.length && out.length < MAX_BYTES; i++) out.push(s.charCodeAt(i));
    return out;
  }

  function b64(bytes) {
    return Consentry.bytesToBase64(bytes, MAX_BYTES);
  }

  /** The input and output bytes of one call, from its overload's shape; null when it has no byte evidence. */
  function callIo(overload, args, ret) {
    const types = overload.argumentTypes.map(function (t) { return t.className; });
    const retType = overload.returnType.className;
    const io = { input: [], output: [] };
    if (types.indexOf('java.nio.ByteBuffer') !== -1) return null;
    if (types.length >= 1 && types[0] === 'java.lang.String') io.input = utf8Bytes(args[0]);
    else if (types.length >= 3 && types[0] === BYTES && types[1] === 'int' && types[2] === 'int') appendBytes(io.input, args[0], args[1], args[2]);
    else if (types.length === 2 && types[0] === BYTES && types[1] === 'int' && retType === 'int') appendBytes(io.output, args[0], args[1], ret);
    else if (types.length >= 1 && types[0] === BYTES) appendBytes(io.input, args[0]);
    if (retType === BYTES) appendBytes(io.output, ret);
    else if (retType === 'java.lang.String' && ret !== null) io.output = utf8Bytes(ret);
    else if (retType === 'int') {
      const out = types.lastIndexOf(BYTES);
      if (out > 0) appendBytes(io.output, args[out], types.length > out + 1 ? args[out + 1] : 0, ret);
    }
    return io;
  }

  function isInternal(stack) {
    for (let i = 0; i < stack.length && i < 6; i++) {
      const frame = stack[i];
      if (frame.indexOf('javax.crypto.') === 0 || frame.indexOf('java.security.MessageDigest') === 0 || frame.indexOf('java.util.Base64') === 0 || frame.indexOf('android.util.Base64') === 0) continue;
      return INTERNAL_CALLERS.some(function (p) { return frame.indexOf(p) === 0; });
    }
    return false;
  }

  function openState(obj) {
    const id = identity(obj);
    let st = openObjects.get(id);
    if (st === undefined) {
      st = { mode: null, input: [], output: [] };
      openObjects.set(id, st);
      if (openObjects.size > MAX_OPEN_OBJECTS) openObjects.delete(openObjects.keys().next().value);
    }
    return st;
  }

  function emitCrypto(op, algorithm, input, output) {
    const stack = Consentry.javaStack();
    if (isInternal(stack)) return;
    Consentry.emit({ type: 'crypto', ts: Date.now(), op: op, algorithm: algorithm, input_b64: b64(input), output_b64: b64(output), stack: stack, truncated: input.length >= MAX_BYTES || output.length >= MAX_BYTES });
  }

  function cipherOp(cipher, st) {
    let mode = st.mode;
    if (mode === null) {
      try { mode = cipher.opmode.value; } catch (e) { mode = null; }
    }
    return mode === 2 || mode === 4 ? 'decrypt' : 'encrypt';
  }

  const installers = {
    cipher_init: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        const self = this;
        return outermost(this, overload, args, target, function () {
          const st = openState(self);
          st.mode = typeof args[0] === 'number' ? args[0] : null;
          st.input = [];
          st.output = [];
        });
      };
    },

    cipher_update: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        const self = this;
        return outermost(this, overload, args, target, function (ret) {
          const io = callIo(overload, args, ret);
          if (io === null) return;
          const st = openState(self);
          appendBytes(st.input, io.input);
          appendBytes(st.output, io.output);
        });
      };
    },

    cipher_final: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        const self = this;
        return outermost(this, overload, args, target, function (ret) {
          const st = openState(self);
          const io = callIo(overload, args, ret);
          const input = appendBytes(st.input.slice(), io === null ? null : io.input);
          const output = appendBytes(st.output.slice(), io === null ? null : io.output);
          st.input = [];
          st.output = [];
          if (io === null) return;
          emitCrypto(cipherOp(self, st), String(self.getAlgorithm()), input, output);
        });
      };
    },

    digest_update: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        const self = this;
        return outermost(this, overload, args, target, function () {
          const st = openState(self);
          const types = overload.argumentTypes.map(function (t) { return t.className; });
          if (types.length === 1 && types[0] === 'byte') st.input.push(args[0] & 0xff);
          else if (types[0] === BYTES) appendBytes(st.input, args[0], args[1], types.length === 3 ? args[2] : undefined);
        });
      };
    },

    digest_final: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        const self = this;
        return outermost(this, overload, args, target, function (ret) {
          const st = openState(self);
          const types = overload.argumentTypes.map(function (t) { return t.className; });
          const input = st.input.slice();
          const output = [];
          if (types.length === 1 && types[0] === BYTES) appendBytes(input, args[0]);
          if (types.length === 0 || types.length === 1) appendBytes(output, ret);
          else appendBytes(output, args[0], args[1], ret);
          st.input = [];
          emitCrypto('digest', String(self.getAlgorithm()), input, output);
        });
      };
    },

    encode: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        return outermost(this, overload, args, target, function (ret) {
          const io = callIo(overload, args, ret);
          if (io !== null) emitCrypto('encode', 'base64', io.input, io.output);
        });
      };
    },

    decode: function (overload, target) {
      overload.implementation = function () {
        const args = arguments;
        return outermost(this, overload, args, target, function (ret) {
          const io = callIo(overload, args, ret);
          if (io !== null) emitCrypto('decode', 'base64', io.input, io.output);
        });
      };
    },
  };

  Consentry.register('crypto', function (targets) {
    for (const target of targets) Consentry.hookJavaTarget(target, installers[target.role]);
  });
})();
