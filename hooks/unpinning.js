/*
 * SSL unpinning: lets the interception proxy's certificate through app-level pinning.
 *
 * What: conscrypt TrustManagerImpl.verifyChain returns the presented chain;
 * okhttp3.CertificatePinner.check returns without checking; X509TrustManagers that an app
 * hands to SSLContext.init get their checkServerTrusted replaced by a no-op; BoringSSL's
 * SSL_CTX_set_custom_verify / SSL_set_custom_verify get a callback that accepts, where
 * libssl is loaded. JDK-internal trust managers are never touched (replacing them was seen
 * to hang a HotSpot JVM; a lab JVM trusts the proxy CA through its trust store instead).
 * Why: pinned traffic is otherwise invisible to the proxy, and a silent SDK is not a
 * compliant SDK.
 */
(function () {
  const PLATFORM_TRUST_MANAGERS = ['sun.', 'com.sun.', 'jdk.', 'java.', 'javax.'];
  const SSL_VERIFY_OK = 0;
  const patchedTrustManagers = new Set();
  let acceptAll = null;

  function bypassed(target, detail) {
    Consentry.log('info', 'pinning bypassed: ' + Consentry.targetName(target) + (detail ? ' (' + detail + ')' : ''));
  }

  function patchTrustManager(manager) {
    const name = Consentry.classNameOf(manager);
    if (name === null) return;
    if (PLATFORM_TRUST_MANAGERS.some(function (p) { return name.indexOf(p) === 0; })) return;
    Consentry.hookObjectMethod(manager, 'checkServerTrusted', function (overload, target) {
      overload.implementation = function () {
        bypassed(target, 'custom X509TrustManager');
      };
    }, patchedTrustManagers);
  }

  const javaInstallers = {
    return_chain: function (overload, target) {
      overload.implementation = function () {
        bypassed(target);
        return arguments[0];
      };
    },
    skip: function (overload, target) {
      overload.implementation = function () {
        bypassed(target, arguments.length > 0 && typeof arguments[0] === 'string' ? arguments[0] : null);
      };
    },
    trust_managers: function (overload, target) {
      overload.implementation = function () {
        const managers = arguments.length > 1 ? arguments[1] : null;
        if (managers !== null && managers !== undefined) {
          Consentry.guarded(target, function () {
            for (let i = 0; i < managers.length; i++) if (managers[i] !== null) patchTrustManager(managers[i]);
          })();
        }
        return overload.apply(this, arguments);
      };
    },
  };

  /** BoringSSL: swap the app's verify callback for one that accepts every chain. */
  function hookNative(target) {
    // Android names it libssl.so; a versioned soname (libssl.so.3) is the same library.
    const module = Process.findModuleByName(target.module) ||
      Process.enumerateModules().find(function (m) { return m.name.indexOf(target.module + '.') === 0; }) || null;
    if (module === null) {
      Consentry.skipped(Consentry.targetName(target), 'module not loaded');
      return;
    }
    const address = module.findExportByName(target.export);
    if (address === null) {
      Consentry.skipped(Consentry.targetName(target), 'export not found');
      return;
    }
    if (acceptAll === null) {
      acceptAll = new NativeCallback(function () { return SSL_VERIFY_OK; }, 'int', ['pointer', 'pointer']);
    }
    Interceptor.attach(address, {
      onEnter: function (args) {
        if (!args[2].isNull()) {
          args[2] = acceptAll;
          bypassed(target);
        }
      },
    });
  }

  Consentry.register('unpinning', function (targets) {
    for (const target of targets) {
      if (target.module !== undefined) hookNative(target);
      else Consentry.hookJavaTarget(target, javaInstallers[target.role]);
    }
  });
})();
