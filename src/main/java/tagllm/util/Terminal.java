package tagllm.util;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;

/**
 * Whether standard error is a terminal, for progress bars: a redrawn line there, a few plain lines in a log. The JDK
 * only says whether stdin and stdout are one ({@code System.console()}), so this asks the C library's isatty(2)
 * where native access is enabled, and otherwise falls back to the console. {@code -Dtagllm.terminal=true|false}
 * decides outright (the launcher sets it, because it knows before any redirection).
 */
public final class Terminal {
    private static final boolean STDERR = detect();

    private Terminal() {}

    public static boolean stderr() { return STDERR; }

    private static boolean detect() {
        String forced = System.getProperty("tagllm.terminal");
        if (forced != null && !forced.isBlank()) return Boolean.parseBoolean(forced);
        if (JdkModules.nativeAccessEnabled() && !System.getProperty("os.name", "").startsWith("Windows")) {
            try {
                Linker linker = Linker.nativeLinker();
                var isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                return (int) isatty.invokeExact(2) == 1;
            } catch (Throwable e) {
                // no isatty in the default lookup: the console's answer below
            }
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }
}
