package io.postsse.protocol;

/**
 * What the lifecycle needs of {@link Utf8StreamDecoder}, for a body read as bytes
 * ({@link StreamLifecycle#onBytes}). The lifecycle holds its decoder by this interface, not by the
 * final class: TeaVM links a call through a final class whether or not an instance is ever made,
 * while through an interface it links only what is made. The browser reads text and never makes
 * a decoder, so its script carries none.
 */
interface ByteDecoder {
    /** Decodes the next chunk; bytes of a character not yet complete are kept for the next call. */
    String decode(byte[] bytes, int offset, int length);

    /** Ends the stream: a character left incomplete becomes U+FFFD. */
    String finish();
}
