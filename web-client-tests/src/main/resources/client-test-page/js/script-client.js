// The test page's harness for postsse.js: window.jsClient.stream(url, options) and
// window.jsClient.resume(key, options) log every callback to window.log in the same lines as the
// Java API's harness (ClientTestPage, whose main() defines window.log and window.javaClient), take
// the same options where postsse.js has them, and keep the stream in window.currentStream.
main();

function scriptOptions(o) {
  var log = window.log;
  function throwIf(callback) { if (o.throwIn === callback) throw new Error('boom in ' + callback); }
  var opts = {method: o.method, headers: o.headers, credentials: o.credentials, maxRetries: o.maxRetries,
    initialRetryMillis: o.initialRetryMillis, maxRetryMillis: o.maxRetryMillis, persist: o.persist, on: {},
    body: o.body === undefined ? undefined : JSON.parse(o.body),
    onOpen: function (e) {
      log.push('open ' + e.status + (o.openHeader ? ' ' + o.openHeader + '=' + e.headers.get(o.openHeader) : ''));
      throwIf('onOpen');
    },
    onEvent: function (e) {
      log.push('event ' + e.type + ' ' + e.data + ' #' + e.lastEventId);
      if (o.renderInto) { var p = document.createElement('p'); p.textContent = e.data;
        document.getElementById(o.renderInto).appendChild(p); }
      throwIf('onEvent');
    },
    onError: function (e) {
      log.push('error ' + e.kind + ' ' + e.status + ' ' + e.message + ' | ' + e.detail + ' retrying=' + e.retrying);
      throwIf('onError');
    },
    onClose: function (e) { log.push('close ' + e.reason); throwIf('onClose'); }};
  (o.types || []).forEach(function (t) { opts.on[t] = function (e) {
    log.push('on:' + e.type + ' ' + e.data + ' #' + e.lastEventId);
    if (o.throwOn === t) throw new Error('boom in ' + t); }; });
  return opts;
}

window.jsClient = {
  stream: function (url, o) {
    try { window.currentStream = postsse.stream(url, scriptOptions(o)); }
    catch (e) { window.log.push('threw ' + e); }
  },
  resume: function (key, o) { var s = postsse.resume(key, scriptOptions(o)); if (s) window.currentStream = s; return !!s; }
};
