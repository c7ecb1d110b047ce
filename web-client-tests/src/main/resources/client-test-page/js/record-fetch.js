// Records every fetch the page makes, as "METHOD url", in window.fetchLog: a client's stop of a
// stream (a DELETE sent from within close()) is there, or not, as soon as close() returns.
window.fetchLog = [];
(function (fetch) {
  window.fetch = function (url, init) {
    window.fetchLog.push(((init && init.method) || 'GET') + ' ' + url);
    return fetch.apply(this, arguments);
  };
})(window.fetch);
