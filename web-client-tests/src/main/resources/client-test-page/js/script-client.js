// The test page's harness for postsse.js: window.jsClient.stream(url, options) and
// window.jsClient.resume(key, options) log every callback to window.log in the same lines as the
// Java API's harness (ClientTestPage), whose main() defines window.log and window.javaClient.
main();

function scriptOptions(o) {
  var log = window.log, opts = {method: o.method, headers: o.headers, maxRetries: o.maxRetries,
    initialRetryMillis: o.initialRetryMillis, maxRetryMillis: o.maxRetryMillis, persist: o.persist, on: {},
    body: o.body === undefined ? undefined : JSON.parse(o.body),
    onOpen: function (e) { log.push('open ' + e.status); },
    onEvent: function (e) { log.push('event ' + e.type + ' ' + e.data + ' #' + e.lastEventId);
      if (o.renderInto) { var p = document.createElement('p'); p.textContent = e.data;
        document.getElementById(o.renderInto).appendChild(p); } },
    onError: function (e) { log.push('error ' + e.kind + ' ' + e.status + ' ' + e.message + ' | '
      + e.detail + ' retrying=' + e.retrying); },
    onClose: function (e) { log.push('close ' + e.reason); }};
  (o.types || []).forEach(function (t) { opts.on[t] = function (e) {
    log.push('on:' + e.type + ' ' + e.data + ' #' + e.lastEventId);
    if (o.throwOn === t) throw new Error('boom in ' + t); }; });
  return opts;
}

window.jsClient = {
  stream: function (url, o) { window.currentStream = postsse.stream(url, scriptOptions(o)); },
  resume: function (key, o) { var s = postsse.resume(key, scriptOptions(o)); if (s) window.currentStream = s; return !!s; }
};
