package tagllm.util;

/**
 * What tagllm needs from the java command line, checked where it is first needed so that a missing flag is one
 * sentence naming the flag, not a {@code NoClassDefFoundError} from deep inside a kernel.
 */
public final class JdkModules {
    public static final String VECTOR = "jdk.incubator.vector";

    /** The flag and where to put it, for every message that asks for it. */
    public static final String VECTOR_FIX = "run java with --add-modules " + VECTOR
            + " (the JDK resolves an incubating module only when asked; Maven: add it to surefire's argLine or exec's"
            + " arguments; Gradle: jvmArgs). java -jar tagllm.jar and ./tagllm add it themselves.";

    private JdkModules() {}

    /** Whether the Vector API (an incubator module in JDK 25) is resolved in this JVM. */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule(VECTOR).isPresent();
    }

    /** Throws IllegalStateException naming the flag when the Vector API, which the engine's kernels use, is absent. */
    public static void requireVectorApi() {
        if (!vectorApiPresent()) throw new IllegalStateException("tagllm's kernels need the JDK's Vector API: " + VECTOR_FIX);
    }

    /** Whether this code may call native functions without the JDK warning about it. */
    public static boolean nativeAccessEnabled() {
        return JdkModules.class.getModule().isNativeAccessEnabled();
    }
}
