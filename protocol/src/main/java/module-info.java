/** The event-stream protocol, pure Java: parser, decoder, encoder and the connection rules. */
module io.postsse.protocol {
    exports io.postsse.protocol;
}
