/*
 * SSL unpinning: lets the interception proxy's certificate through app-level pinning, and
 * nothing else.
 *
 * What: every pinning check keeps running; when it rejects a chain, the chain is accepted
 * only if it was issued by the proxy's CA (given by the host, `proxy_ca_pem`) or, for an
 * app's own checks, if the platform's default trust manager accepts it (the device trusts
 * the proxy CA: `consentry run` checks that first). A chain from any other CA still fails.
 * Covered: conscrypt TrustManagerImpl (checkServerTrusted in all forms, the List-returning
 * ones that X509TrustManagerExtensions and WebView use, and verifyChain), the network
 * security config's RootTrustManager, NetworkSecurityConfig pin sets (cleared), OkHttp
 * CertificatePinner (named, and obfuscated ones found by their shape), X509TrustManagers
 * an app hands to SSLContext.init, and BoringSSL custom verify callbacks.
 * JDK-internal trust managers are never replaced (replacing one was seen to hang a
 * HotSpot JVM; the lab trusts the proxy CA through its trust store), only called.
 * Why: pinned traffic is otherwise invisible to the proxy; switching certificate checks
 * off app-wide would change what the app does with other servers.
 */
(function () {
  const PLATFORM_TRUST_MANAGERS = ['sun.', 'com.sun.', 'jdk.', 'java.', 'javax.'];
  const PLATFORM_PREFIXES = ['java.', 'javax.', 'sun.', 'com.sun.', 'jdk.', 'android.', 'androidx.', 'com.android.', 'dalvik.', 'libcore.', 'kotlin.', 'org.json.', 'org.w3c.', 'org.xml.'];
  const OBFUSCATED_NAME_MAX = 3; // R8/ProGuard simple names: a, b, ..., aa, abc
  const SSL_VERIFY_OK = 0;
  const patchedTrustManagers = new Set();
  const trust = { proxyCa: undefined, proxyCaPem: undefined, platform: undefined, pinnerScanDone: false };
  let acceptAll = null;

  function bypassed(target, detail) {
    Consentry.log('info', 'pinning bypassed: ' + Consentry.targetName(target) + (detail ? ' (' + detail + ')' : ''));
  }

  // ---- what may pass -----------------------------------------------------------

  function proxyCa() {
    const pem = Consentry.config().proxy_ca_pem;
    // Built once per configured CA (the host's init() may come after a first look).
    if (trust.proxyCa !== undefined && trust.proxyCaPem === pem) return trust.proxyCa;
    trust.proxyCa = null;
    trust.proxyCaPem = pem;
    if (typeof pem !== 'string' || pem === '') return null;
    Consentry.quietly(function () {
      const bytes = Java.array('byte', Array.prototype.map.call(unescape(encodeURIComponent(pem)), function (c) { const b = c.charCodeAt(0); return b > 127 ? b - 256 : b; }));
      const factory = Java.use('java.security.cert.CertificateFactory').getInstance('X.509');
      const cert = factory.generateCertificate(Java.use('java.io.ByteArrayInputStream').$new(bytes));
      trust.proxyCa = Java.retain(Java.cast(cert, Java.use('java.security.cert.X509Certificate')));
    });
    return trust.proxyCa;
  }

  function signedBy(cert, issuer) {
    try {
      // verify(PublicKey) is declared by Certificate, not X509Certificate.
      const asCertificate = Java.cast(cert, Java.use('java.security.cert.Certificate'));
      asCertificate.verify.overload('java.security.PublicKey').call(asCertificate, issuer.getPublicKey());
      return true;
    } catch (e) {
      return false;
    }
  }

  /** Every certificate valid now, each signed by the next, the last one by the proxy CA. */
  function issuedByProxyCa(chain) {
    const ca = proxyCa();
    if (ca === null || chain === null || chain === undefined || chain.length === 0) return false;
    return Consentry.quietly(function () {
      const x509 = Java.use('java.security.cert.X509Certificate');
      for (let i = 0; i < chain.length; i++) {
        const cert = Java.cast(chain[i], x509);
        try {
          cert.checkValidity();
        } catch (e) {
          return false;
        }
        if (cert.equals(ca) || signedBy(cert, ca)) return true;
        if (i + 1 >= chain.length || !signedBy(cert, Java.cast(chain[i + 1], x509))) return false;
      }
      return false;
    });
  }

  /** The platform's default trust manager (the device store, which trusts the proxy CA). */
  function platformTrustManager() {
    if (trust.platform !== undefined) return trust.platform;
    trust.platform = null;
    Consentry.quietly(function () {
      const factoryClass = Java.use('javax.net.ssl.TrustManagerFactory');
      const factory = factoryClass.getInstance(factoryClass.getDefaultAlgorithm());
      factory.init.overload('java.security.KeyStore').call(factory, null);
      const managers = factory.getTrustManagers();
      const x509 = Java.use('javax.net.ssl.X509TrustManager');
      for (let i = 0; i < managers.length; i++) {
        try {
          trust.platform = Java.retain(Java.cast(managers[i], x509));
          return;
        } catch (e) { /* not an X509TrustManager */ }
      }
    });
    return trust.platform;
  }

  function trustedByPlatform(chain, authType) {
    const manager = platformTrustManager();
    if (manager === null) return false;
    return Consentry.quietly(function () {
      try {
        manager.checkServerTrusted(chain, authType || 'RSA');
        return true;
      } catch (e) {
        return false;
      }
    });
  }

  /** A chain out of whatever a check was given: an array, a List, OkHttp 4's lambda. */
  function chainOf(value) {
    if (value === null || value === undefined) return null;
    return Consentry.quietly(function () {
      const x509 = Java.use('java.security.cert.X509Certificate');
      const certs = [];
      if (typeof value.length === 'number' && value.getClass === undefined) {
        for (let i = 0; i < value.length; i++) certs.push(Java.cast(value[i], x509));
      } else {
        const list = Java.cast(value.invoke !== undefined ? value.invoke() : value, Java.use('java.util.List'));
        for (let i = 0; i < list.size(); i++) certs.push(Java.cast(list.get(i), x509));
      }
      return Java.array('java.security.cert.X509Certificate', certs);
    });
  }

  /** The value a check that passed returns: nothing, or the chain as the List callers expect. */
  function accepted(overload, chain) {
    const type = overload.returnType.className;
    if (type === 'void') return undefined;
    if (type === 'java.util.List') return Java.use('java.util.Arrays').asList(chain);
    if (type === 'boolean') return true;
    return undefined;
  }

  // ---- the wrapper: run the check, let only the proxy's chain past a rejection ------

  function guardCheck(overload, target, chainIndex, options) {
    overload.implementation = function () {
      if (Consentry.isBusy()) return overload.apply(this, arguments);
      try {
        return overload.apply(this, arguments);
      } catch (e) {
        let chain = null;
        let ok = false;
        // Any failure while deciding keeps the check's own verdict: the rejection stands.
        try {
          chain = chainOf(arguments[chainIndex]);
          const authType = arguments.length > 1 && typeof arguments[1] === 'string' ? arguments[1] : null;
          ok = issuedByProxyCa(chain) || (options.platformFallback && chain !== null && trustedByPlatform(chain, authType));
        } catch (decideError) {
          Consentry.hookError(Consentry.targetName(target), decideError);
        }
        if (!ok) throw e;
        bypassed(target, options.detail || (typeof arguments[0] === 'string' ? arguments[0] : null));
        return options.returns !== undefined ? options.returns(arguments) : accepted(overload, chain);
      }
    };
  }

  function patchTrustManager(manager) {
    const name = Consentry.classNameOf(manager);
    if (name === null) return;
    if (PLATFORM_TRUST_MANAGERS.some(function (p) { return name.indexOf(p) === 0; })) return;
    Consentry.hookObjectMethod(manager, 'checkServerTrusted', function (overload, target) {
      guardCheck(overload, target, 0, { platformFallback: true, detail: 'custom X509TrustManager' });
    }, patchedTrustManagers);
  }

  // ---- obfuscated OkHttp: CertificatePinner found by its shape ----------------------

  /*
   * R8 renames okhttp3.CertificatePinner, but its shape stays: a final class holding a
   * static final instance of itself (DEFAULT) and a public void method (String, List) —
   * check(hostname, peerCertificates). Looked for once, when the app builds its TLS
   * context (OkHttpClient's builder has loaded its pinner by then), among loaded classes
   * with obfuscated names.
   */
  function looksLikePinner(klass) {
    const Modifier = Java.use('java.lang.reflect.Modifier');
    const className = String(klass.getName());
    if (!Modifier.isFinal(klass.getModifiers())) return null;
    const fields = klass.getDeclaredFields();
    let selfInstance = false;
    for (let i = 0; i < fields.length; i++) {
      const m = fields[i].getModifiers();
      if (Modifier.isStatic(m) && Modifier.isFinal(m) && String(fields[i].getType().getName()) === className) selfInstance = true;
    }
    if (!selfInstance) return null;
    const methods = klass.getDeclaredMethods();
    for (let i = 0; i < methods.length; i++) {
      const method = methods[i];
      const params = method.getParameterTypes();
      if (params.length === 2 && String(params[0].getName()) === 'java.lang.String' && String(params[1].getName()) === 'java.util.List' &&
          String(method.getReturnType().getName()) === 'void' && Modifier.isPublic(method.getModifiers())) {
        return String(method.getName());
      }
    }
    return null;
  }

  function isObfuscatedAppClass(name) {
    if (name.charAt(0) === '[') return false;
    if (PLATFORM_PREFIXES.some(function (p) { return name.indexOf(p) === 0; })) return false;
    const simple = name.slice(name.lastIndexOf('.') + 1);
    return simple.length <= OBFUSCATED_NAME_MAX && simple.indexOf('$') === -1;
  }

  const NAMED_PINNERS = ['okhttp3.CertificatePinner', 'com.squareup.okhttp.CertificatePinner'];

  function scanForObfuscatedPinners(origin) {
    if (trust.pinnerScanDone) return;
    trust.pinnerScanDone = true;
    // An app that kept OkHttp's names has its pinner hooked by name: no search needed.
    if (NAMED_PINNERS.some(function (name) { return Consentry.useClass(name) !== null; })) return;
    Consentry.quietly(function () {
      let names;
      try {
        names = Java.enumerateLoadedClassesSync().filter(isObfuscatedAppClass);
      } catch (e) {
        Consentry.log('debug', 'cannot list loaded classes: ' + e.message);
        return;
      }
      for (const name of names) {
        const wrapper = Consentry.useClass(name);
        if (wrapper === null) continue;
        let method = null;
        try {
          // Through the default factory's java.lang.Class: it converts the Field[] and
          // Method[] results (a class loader's own factory cannot load array types).
          method = looksLikePinner(Java.cast(wrapper.class, Java.use('java.lang.Class')));
        } catch (e) {
          continue;
        }
        if (method === null) continue;
        const target = { class: name, method: method };
        Consentry.log('info', 'obfuscated certificate pinner found: ' + name + '.' + method + ' (' + origin + ')');
        Consentry.hookJavaTarget(target, function (overload, t) {
          guardCheck(overload, t, 1, { platformFallback: true });
        });
      }
    });
  }

  // ---- per-role installers ---------------------------------------------------------

  const javaInstallers = {
    // TrustManagerImpl / RootTrustManager.checkServerTrusted (void and List forms).
    platform_check: function (overload, target) {
      guardCheck(overload, target, 0, { platformFallback: false });
    },
    // TrustManagerImpl.verifyChain(untrustedChain, trustAnchorChain, host, ...): List.
    platform_verify_chain: function (overload, target) {
      guardCheck(overload, target, 0, { platformFallback: false, returns: function (args) { return args[0]; } });
    },
    // NetworkSecurityConfig.getPins(): the app's declared pins, cleared.
    empty_pins: function (overload, target) {
      overload.implementation = function () {
        const pins = overload.apply(this, arguments);
        try {
          const empty = Java.use('android.security.net.config.PinSet').EMPTY_PINSET.value;
          bypassed(target, 'pin set cleared');
          return empty;
        } catch (e) {
          return pins;
        }
      };
    },
    // OkHttp's CertificatePinner.check(hostname, peer chain in some form).
    pinner: function (overload, target) {
      guardCheck(overload, target, 1, { platformFallback: true });
    },
    trust_managers: function (overload, target) {
      overload.implementation = function () {
        const managers = arguments.length > 1 ? arguments[1] : null;
        if (managers !== null && managers !== undefined) {
          Consentry.guarded(target, function () {
            for (let i = 0; i < managers.length; i++) if (managers[i] !== null) patchTrustManager(managers[i]);
          })();
        }
        Consentry.guarded(target, function () { scanForObfuscatedPinners(Consentry.targetName(target)); })();
        return overload.apply(this, arguments);
      };
    },
  };

  /*
   * BoringSSL: the app's verify callback is replaced by one that accepts (native code has
   * no Java chain to check against the proxy CA here); only where the app installs its
   * own callback, which is what pinning in native code does.
   */
  function hookNativeExport(module, target) {
    const address = module.findExportByName(target.export);
    if (address === null) {
      Consentry.skipped(Consentry.targetName(target), 'export not found in ' + module.name);
      return;
    }
    if (acceptAll === null) {
      acceptAll = new NativeCallback(function () { return SSL_VERIFY_OK; }, 'int', ['pointer', 'pointer']);
    }
    Interceptor.attach(address, {
      onEnter: function (args) {
        if (!args[2].isNull()) {
          args[2] = acceptAll;
          bypassed(target, module.name);
        }
      },
    });
  }

  /** Android names it libssl.so; a versioned soname (libssl.so.3) or a bundled copy
   *  (libcronet.*.so, libflutter.so export the same BoringSSL API) count too. */
  function matchesModule(target, name) {
    if (name === target.module || name.indexOf(target.module + '.') === 0) return true;
    return (target.also_in || []).some(function (prefix) { return name.indexOf(prefix) === 0; });
  }

  function hookNative(targets) {
    const hooked = new Set();
    function visit(module) {
      for (const target of targets) {
        const key = module.path + '!' + target.export;
        if (hooked.has(key) || !matchesModule(target, module.name)) continue;
        hooked.add(key);
        hookNativeExport(module, target);
      }
    }
    const modules = Process.enumerateModules();
    modules.forEach(visit);
    // Libraries loaded later (cronet, Flutter's engine) are hooked as they load.
    const watching = Process.attachModuleObserver !== undefined;
    if (watching) Process.attachModuleObserver({ onAdded: visit });
    for (const target of targets) {
      if (!modules.some(function (m) { return matchesModule(target, m.name); })) {
        Consentry.skipped(Consentry.targetName(target), watching ? 'module not loaded (hooked when it loads)' : 'module not loaded');
      }
    }
  }

  Consentry.register('unpinning', function (targets) {
    // Loading the device's trust store is slow (and runs through the crypto hooks): done
    // on the agent's thread now rather than inside the app's first handshake.
    if (Java.available) {
      setTimeout(function () {
        Java.perform(function () {
          try {
            platformTrustManager();
            proxyCa();
          } catch (e) {
            Consentry.log('debug', 'trust store not preloaded: ' + e.message);
          }
        });
      }, 0);
    }
    hookNative(targets.filter(function (t) { return t.module !== undefined; }));
    for (const target of targets) {
      if (target.module === undefined) Consentry.hookJavaTarget(target, javaInstallers[target.role]);
    }
  });
})();
