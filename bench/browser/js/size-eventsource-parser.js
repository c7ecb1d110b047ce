import { EventSourceParserStream } from 'eventsource-parser/stream';
window.p = EventSourceParserStream;
