package io.postsse.protocol;

/**
 * Decodes a UTF-8 byte stream in chunks, exactly as the WHATWG Encoding standard's UTF-8 decoder
 * does (the browser's {@code TextDecoder}): each maximal invalid subsequence becomes one U+FFFD, a
 * character split across chunks is decoded once, and one byte order mark at the very start of the
 * stream is dropped.
 *
 * <p>Not thread-safe: one decoder per stream.
 */
public final class Utf8StreamDecoder implements ByteDecoder {
    private static final char REPLACEMENT = '\uFFFD';

    private int codePoint;
    private int bytesSeen;
    private int bytesNeeded;
    private int lowerBoundary = 0x80;
    private int upperBoundary = 0xBF;
    private boolean atStart = true;
    /** Reused output buffer: each chunk's text is copied out of it into a String. */
    private char[] buffer = new char[0];

    /** Decodes the next chunk; bytes of a character not yet complete are kept for the next call. */
    @Override
    public String decode(byte[] bytes, int offset, int length) {
        // At most one character per byte, plus one for a sequence left from the last chunk.
        char[] out = buffer;
        if (out.length < length + 2) {
            out = new char[length + 2];
            buffer = out;
        }
        int count = 0;
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (bytesNeeded == 0) {
                // ASCII runs, the bulk of an event stream, in a tight loop of their own.
                byte ascii;
                while (i < end && (ascii = bytes[i]) >= 0) {
                    out[count++] = (char) ascii;
                    i++;
                }
                if (i == end) {
                    break;
                }
            }
            int b = bytes[i] & 0xFF;
            if (bytesNeeded == 0) {
                i++;
                if (b < 0x80) {
                    out[count++] = (char) b;
                } else if (b >= 0xC2 && b <= 0xDF) {
                    bytesNeeded = 1;
                    codePoint = b & 0x1F;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    if (b == 0xE0) {
                        lowerBoundary = 0xA0;
                    } else if (b == 0xED) {
                        upperBoundary = 0x9F; // no surrogates
                    }
                    bytesNeeded = 2;
                    codePoint = b & 0x0F;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    if (b == 0xF0) {
                        lowerBoundary = 0x90;
                    } else if (b == 0xF4) {
                        upperBoundary = 0x8F; // nothing above U+10FFFF
                    }
                    bytesNeeded = 3;
                    codePoint = b & 0x07;
                } else {
                    out[count++] = REPLACEMENT;
                }
                continue;
            }
            if (b < lowerBoundary || b > upperBoundary) {
                // The sequence so far is invalid: replace it, then read this byte afresh.
                resetSequence();
                out[count++] = REPLACEMENT;
                continue;
            }
            i++;
            lowerBoundary = 0x80;
            upperBoundary = 0xBF;
            codePoint = (codePoint << 6) | (b & 0x3F);
            if (++bytesSeen == bytesNeeded) {
                count = emit(out, count, codePoint);
                resetSequence();
            }
        }
        return finishChunk(out, count);
    }

    /** Ends the stream: a character left incomplete becomes U+FFFD. */
    @Override
    public String finish() {
        if (bytesNeeded == 0) {
            return "";
        }
        resetSequence();
        return finishChunk(new char[] {REPLACEMENT}, 1);
    }

    private static int emit(char[] out, int count, int codePoint) {
        if (codePoint < 0x10000) {
            out[count++] = (char) codePoint;
        } else {
            int offsetCodePoint = codePoint - 0x10000;
            out[count++] = (char) (0xD800 + (offsetCodePoint >>> 10));
            out[count++] = (char) (0xDC00 + (offsetCodePoint & 0x3FF));
        }
        return count;
    }

    private void resetSequence() {
        codePoint = 0;
        bytesSeen = 0;
        bytesNeeded = 0;
        lowerBoundary = 0x80;
        upperBoundary = 0xBF;
    }

    private String finishChunk(char[] out, int count) {
        int start = 0;
        if (atStart && count > 0) {
            atStart = false;
            if (out[0] == '\uFEFF') {
                start = 1;
            }
        }
        return new String(out, start, count - start);
    }
}
