// Progressive enhancement only: every page works without this file.
// Live progress: any element with data-progress-url is refreshed from that JSON endpoint
// ({percent, status, label, done}) until the work is done, then the page reloads once.
(function () {
  var els = document.querySelectorAll('[data-progress-url]');
  els.forEach(function (el) {
    var url = el.getAttribute('data-progress-url');
    var bar = el.querySelector('progress');
    var label = el.querySelector('[data-progress-label]');
    function tick() {
      fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return setTimeout(tick, 2000);
          if (bar) { bar.value = p.percent; bar.textContent = p.percent + '%'; }
          if (label) label.textContent = p.label;
          // The status badge follows the run ("running · 86%"), where the page has one.
          var badge = document.querySelector('[data-progress-badge]');
          if (badge && p.badge) badge.textContent = p.badge;
          el.setAttribute('data-status', p.status);
          if (p.done) { if (el.getAttribute('data-reload') !== 'no') window.location.reload(); }
          else setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    if (el.getAttribute('data-status') !== 'done') tick();
  });
  // A page still waiting on work but without a live progress element (board packets, say) reloads
  // as it would without JavaScript.
  var refresh = document.querySelector('meta[name="lethe-refresh"]');
  if (!els.length && refresh) {
    setTimeout(function () { window.location.reload(); }, Number(refresh.getAttribute('content')) * 1000);
  }
})();
