// Puts the peers where the benchmark page can reach them.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { fetchEventSource } from '@microsoft/fetch-event-source';

window.peers = { EventSourceParserStream, fetchEventSource };
