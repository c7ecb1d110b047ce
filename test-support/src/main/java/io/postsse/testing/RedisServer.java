package io.postsse.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server}, started by a test on a free loopback port, with no persistence, and
 * killed by {@link #close()}. The binary is {@code $REDIS_SERVER}, else {@code /usr/bin/redis-server}
 * (Debian's package, which CI installs), else {@code redis-server} on the {@code PATH}; likewise
 * {@code redis-cli} for {@link #cli}.
 */
public final class RedisServer implements AutoCloseable {
    private static final long READY_MILLIS = 10_000;

    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a redis-server on a free port, and waits (10 s at most) until it answers PING. */
    public static RedisServer start() throws IOException {
        Path dir = Files.createTempDirectory("postsse-redis");
        IOException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken meanwhile
            RedisServer server = new RedisServer(dir, freePort());
            try {
                server.launch();
                return server;
            } catch (IOException e) {
                server.kill();
                failure = e;
            }
        }
        deleteTree(dir);
        throw failure;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String binary(String name, String variable) {
        String configured = System.getenv(variable);
        if (configured != null && !configured.isEmpty()) {
            return configured;
        }
        File debian = new File("/usr/bin/" + name);
        return debian.canExecute() ? debian.getPath() : name;
    }

    private void launch() throws IOException {
        List<String> command = List.of(binary("redis-server", "REDIS_SERVER"), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--loglevel", "warning");
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile()))
                .start();
        awaitReady();
    }

    /** Polls PING until PONG, the process's exit, or the deadline. */
    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + " on port " + port
                        + ": " + log());
            }
            try {
                if (ping()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                process.waitFor(20, TimeUnit.MILLISECONDS); // between two tries, or its exit
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while redis-server started", e);
            }
        }
        throw new IOException("redis-server did not answer PING on port " + port + " within " + READY_MILLIS + " ms",
                last);
    }

    private boolean ping() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[64];
            int read = in.read(reply);
            return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis-" + port + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** The process's id, for a test that kills it. */
    public long pid() {
        return process.pid();
    }

    /** Runs {@code redis-cli -p <port> <args>} and returns its output, trimmed; fails on a non-zero exit. */
    public String cli(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary("redis-cli", "REDIS_CLI"), "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
        cli.getOutputStream().close();
        byte[] output = cli.getInputStream().readAllBytes();
        try {
            if (!cli.waitFor(10, TimeUnit.SECONDS)) {
                cli.destroyForcibly();
                throw new IOException("redis-cli " + args[0] + " did not return within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String text = new String(output, StandardCharsets.UTF_8).trim();
        if (cli.exitValue() != 0) {
            throw new IOException("redis-cli " + String.join(" ", args) + " exited with " + cli.exitValue() + ": " + text);
        }
        return text;
    }

    /** Stops redis-server and starts it again on the same port, empty: what a restart without persistence does. */
    public void restart() throws IOException {
        kill();
        Files.deleteIfExists(dir.resolve("dump.rdb"));
        launch();
    }

    /**
     * Saves the data, stops redis-server (SIGKILL) and leaves it stopped until
     * {@link #restartWithData()}: a Redis out of reach for a while, which loses nothing.
     */
    public void killKeepingData() throws IOException {
        cli("SAVE");
        kill();
    }

    /** Starts redis-server again on the same port with the data {@link #killKeepingData()} saved. */
    public void restartWithData() throws IOException {
        launch();
        Files.deleteIfExists(dir.resolve("dump.rdb")); // loaded: the next restart starts empty
    }

    /** Stops redis-server (SIGKILL, at once), leaving it stopped until {@link #restart()}. */
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server (pid " + process.pid() + ") did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A temporary directory: left behind at worst.
        }
    }
}
