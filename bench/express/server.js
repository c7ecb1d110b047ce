// The seed's server shape, for comparison: Express, one res.write per event.
// POST /stream {count, intervalMs, size} sends `count` events `intervalMs` apart, each carrying its
// send time in epoch microseconds, then ends. GET /stats reports the heap after a collection.
const express = require('express');

const app = express();
app.use(express.json());

function nowMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

app.post('/stream', (req, res) => {
  const { count, intervalMs, size } = req.body;
  const padding = 'x'.repeat(Math.max(0, size | 0));
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let sent = 0;
  let timer = null;
  const sendOne = () => res.write(`data: ${nowMicros()} ${padding}\n\n`);
  if (intervalMs > 0) {
    timer = setInterval(() => {
      sendOne();
      if (++sent >= count) { clearInterval(timer); res.end(); }
    }, intervalMs);
  } else {
    // As fast as the socket takes it, yielding when its buffer is full.
    const pump = () => {
      while (sent < count) {
        sent++;
        if (!sendOne()) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
  }
  res.on('close', () => { if (timer) clearInterval(timer); });
});

app.get('/stats', (req, res) => {
  if (global.gc) global.gc();
  res.json({ heapBytes: process.memoryUsage().heapUsed });
});

const port = Number(process.argv[2] || 7091);
app.listen(port, '127.0.0.1', () => console.log(`ready on ${port}`));
