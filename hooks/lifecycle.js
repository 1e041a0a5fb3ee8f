/*
 * App lifecycle: Application.onCreate -> start, Activity.onResume -> foreground,
 * Activity.onPause -> background (exit is reported by the runtime core at Runtime.exit).
 *
 * What: one `lifecycle` event per transition, with the component's class name.
 * Why: collection while the app is in the background is a finding of its own.
 */
(function () {
  function install(overload, target) {
    overload.implementation = function () {
      const component = this;
      Consentry.guarded(target, function () {
        const name = Consentry.classNameOf(component) || target.class;
        Consentry.emit({ type: 'lifecycle', ts: Date.now(), state: target.state, component: name });
      })();
      return overload.apply(this, arguments);
    };
  }

  Consentry.register('lifecycle', function (targets) {
    for (const target of targets) Consentry.hookJavaTarget(target, install);
  });
})();
