package tagllm.cli;

import tagllm.train.Trainer;

import java.util.Locale;

/**
 * The heap running out, said in words: the JVM's answer was "Exception in thread "main" java.lang.OutOfMemoryError:
 * Java heap space" and forty lines of stack, naming neither the heap's size nor how to give it more.
 */
final class OutOfMemory {
    private OutOfMemory() {}

    /** The OutOfMemoryError in e's cause chain, or null. */
    static OutOfMemoryError in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof OutOfMemoryError o) return o;
        return null;
    }

    /**
     * One line: what ran out and, where a larger heap helps (heap space, GC overhead), the heap's current limit and the
     * option that raises it, through ./tagllm (TAGLLM_JAVA_OPTS) and through java -jar (the parent's options reach the
     * child that runs the CLI).
     */
    static String message(OutOfMemoryError e, long maxHeapBytes) {
        String what = e.getMessage() == null ? "" : e.getMessage();
        String where = where(e);
        if (what.startsWith("Java heap space") || what.startsWith("GC overhead")) {
            long mb = Math.max(1, maxHeapBytes >> 20);
            String more = mb >= 1024 ? ((mb * 2 + 1023) / 1024) + "g" : (mb * 2) + "m";
            return String.format(Locale.ROOT, "out of memory (%s)%s: the Java heap may grow to %d MB here, too little for this run; "
                    + "give it more with TAGLLM_JAVA_OPTS=-Xmx%s ./tagllm ... (or java -Xmx%s -jar tagllm.jar ...)", what, where, mb, more, more);
        }
        return "out of memory" + where + (what.isEmpty() ? "" : ": " + what);
    }

    /**
     * " in stage NAME at step N of M" (or " in stage NAME while reading its rows from FILE") where training ran out
     * (Trainer.OutOfMemoryInStage), else empty.
     */
    private static String where(OutOfMemoryError e) {
        if (!(e instanceof Trainer.OutOfMemoryInStage s)) return "";
        if (s.during() != null) return " in stage " + s.stage() + " while " + s.during();
        return " in stage " + s.stage() + (s.step() > 0 ? " at step " + s.step() + " of " + s.totalSteps() : " before its first step");
    }
}
