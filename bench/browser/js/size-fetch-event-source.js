import { fetchEventSource } from '@microsoft/fetch-event-source';
window.p = fetchEventSource;
