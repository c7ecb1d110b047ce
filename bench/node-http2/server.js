// The HTTP/2 peer: the same endpoint as bench/express on Node's built-in http2 module, without TLS
// (h2c, prior knowledge), one stream.write per event. Express cannot speak HTTP/2.
// POST /stream {count, intervalMs, size} sends `count` events `intervalMs` apart, each carrying its
// send time in epoch microseconds, then ends. GET /stats reports the heap after a collection.
const http2 = require('node:http2');

function nowMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function stream(h2, request) {
  const { count, intervalMs, size } = request;
  const padding = 'x'.repeat(Math.max(0, size | 0));
  h2.respond({ ':status': 200, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  let timer = null;
  const sendOne = () => h2.write(`data: ${nowMicros()} ${padding}\n\n`);
  if (intervalMs > 0) {
    timer = setInterval(() => {
      sendOne();
      if (++sent >= count) { clearInterval(timer); h2.end(); }
    }, intervalMs);
  } else {
    const pump = () => {
      while (sent < count) {
        sent++;
        if (!sendOne()) { h2.once('drain', pump); return; }
      }
      h2.end();
    };
    pump();
  }
  h2.on('close', () => { if (timer) clearInterval(timer); });
}

// Streams per connection: as many as the client opens (Node's own default is unlimited too).
const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on('stream', (h2, headers) => {
  h2.on('error', () => {});
  const method = headers[':method'];
  const path = headers[':path'];
  if (method === 'GET' && path.split('?')[0] === '/stats') {
    if (global.gc) global.gc();
    h2.respond({ ':status': 200, 'content-type': 'application/json' });
    h2.end(JSON.stringify({ heapBytes: process.memoryUsage().heapUsed }));
  } else if (method === 'POST' && path === '/stream') {
    const chunks = [];
    h2.on('data', (chunk) => chunks.push(chunk));
    h2.on('end', () => {
      let request;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        h2.respond({ ':status': 400 });
        h2.end();
        return;
      }
      stream(h2, request);
    });
  } else {
    h2.respond({ ':status': 404 });
    h2.end();
  }
});

const port = Number(process.argv[2] || 7093);
server.listen(port, '127.0.0.1', () => console.log(`ready on ${port}`));
