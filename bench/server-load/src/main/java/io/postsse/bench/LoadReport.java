package io.postsse.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Merges the delay histograms that several {@link LoadClient} processes wrote, and prints the
 * overall percentiles as JSON: {@code {"delayP50Ms":…,"delayP99Ms":…,"delayMaxMs":…}}.
 */
public final class LoadReport {
    public static void main(String[] args) throws Exception {
        long[] merged = new long[LoadClient.BUCKETS];
        for (String file : args) {
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] bucketAndCount = line.split(" ");
                merged[Integer.parseInt(bucketAndCount[0])] += Long.parseLong(bucketAndCount[1]);
            }
        }
        System.out.printf("{\"delayP50Ms\":%.1f,\"delayP99Ms\":%.1f,\"delayMaxMs\":%.1f}%n",
                LoadClient.percentile(merged, 50), LoadClient.percentile(merged, 99), LoadClient.percentile(merged, 100));
    }
}
