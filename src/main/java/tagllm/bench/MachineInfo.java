package tagllm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** What the report says about the machine and the process: CPU model, cores, peak resident memory (Linux /proc). */
public final class MachineInfo {
    private MachineInfo() {}

    /** "model name" of /proc/cpuinfo, or the OS architecture where that file does not exist. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or not readable: fall through
        }
        return System.getProperty("os.arch");
    }

    /** The process's peak resident set (VmHWM) in bytes, when the OS reports it. */
    public static OptionalLong peakResidentBytes() {
        return statusField("VmHWM:");
    }

    /** The process's resident set (VmRSS) in bytes now, when the OS reports it. */
    public static OptionalLong residentBytes() {
        return statusField("VmRSS:");
    }

    /** The 1-minute load average, or NaN where the OS does not report it. */
    public static double loadAverage() {
        return loadOrNaN(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** The JDK reports "not available" (Windows) as a negative load, which the bench printed as "load -1.0". */
    static double loadOrNaN(double reported) {
        return reported < 0 ? Double.NaN : reported;
    }

    private static OptionalLong statusField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    long v = Long.parseLong(parts[0]);
                    return OptionalLong.of(parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? v * 1024 : v);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: no figure
        }
        return OptionalLong.empty();
    }
}
