package tagllm.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heap running out is one error line naming the heap's limit and how to raise it, exit 1, not the JVM's stack trace. */
class OutOfMemoryTest {
    @CommandLine.Command(name = "boom")
    static final class Boom implements Runnable {
        final RuntimeException wrapper;

        Boom(boolean wrapped) { wrapper = wrapped ? new IllegalStateException("worker failed", new OutOfMemoryError("Java heap space")) : null; }

        @Override
        public void run() {
            if (wrapper != null) throw wrapper;
            throw new OutOfMemoryError("Java heap space");
        }
    }

    private static String[] run(boolean wrapped) {
        CommandLine cl = Main.commandLine();
        cl.addSubcommand("boom", new Boom(wrapped));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int exit = Main.execute(cl, new String[]{"boom"});
        return new String[]{String.valueOf(exit), err.toString()};
    }

    @Test
    void anOutOfMemoryErrorFromACommandIsOneLineWithTheHeapAndTheOption() {
        for (boolean wrapped : new boolean[]{false, true}) {
            String[] r = run(wrapped);
            assertEquals("1", r[0], r[1]);
            long mb = Runtime.getRuntime().maxMemory() >> 20;
            assertTrue(r[1].startsWith("error: out of memory (Java heap space): the Java heap may grow to " + mb + " MB here"), r[1]);
            assertTrue(r[1].contains("TAGLLM_JAVA_OPTS=-Xmx"), r[1]);
            assertEquals(1, r[1].lines().count(), "one line, no stack trace: " + r[1]);
        }
    }

    @Test
    void theAdviceDoublesTheHeapAndIsOnlyGivenWhereAHeapHelps() {
        assertEquals("out of memory (Java heap space): the Java heap may grow to 247 MB here, too little for this run; "
                + "give it more with TAGLLM_JAVA_OPTS=-Xmx494m ./tagllm ... (or java -Xmx494m -jar tagllm.jar ...)",
                OutOfMemory.message(new OutOfMemoryError("Java heap space"), 247L << 20));
        assertTrue(OutOfMemory.message(new OutOfMemoryError("GC overhead limit exceeded"), 3L << 30).contains("-Xmx6g"));
        assertTrue(OutOfMemory.message(new OutOfMemoryError("Java heap space"), 1500L << 20).contains("-Xmx3g"), "2 x 1500 MB rounded up to whole GB");
        assertEquals("out of memory: Metaspace", OutOfMemory.message(new OutOfMemoryError("Metaspace"), 1L << 30));
        assertFalse(OutOfMemory.message(new OutOfMemoryError(), 1L << 30).contains("-Xmx"));
    }

    /** Training's heap running out (Trainer.OutOfMemoryInStage) names the stage and the step, and still the option. */
    @Test
    void trainingRunningOutNamesTheStageAndTheStep() {
        assertEquals("out of memory (Java heap space) in stage s2 at step 3 of 40: the Java heap may grow to 247 MB here, too little for this run; "
                + "give it more with TAGLLM_JAVA_OPTS=-Xmx494m ./tagllm ... (or java -Xmx494m -jar tagllm.jar ...)",
                OutOfMemory.message(new tagllm.train.Trainer.OutOfMemoryInStage("s2", 3, 40, new OutOfMemoryError("Java heap space")), 247L << 20));
        assertTrue(OutOfMemory.message(new tagllm.train.Trainer.OutOfMemoryInStage("s1", 0, 40, new OutOfMemoryError("Java heap space")), 247L << 20)
                .startsWith("out of memory (Java heap space) in stage s1 before its first step: "));
        assertEquals("out of memory in stage s1 at step 2 of 4: Metaspace",
                OutOfMemory.message(new tagllm.train.Trainer.OutOfMemoryInStage("s1", 2, 4, new OutOfMemoryError("Metaspace")), 1L << 30));
    }

    /** The heap running out while a stage's rows are read, before its steps, names the stage and the file. */
    @Test
    void readingAStagesRowsNamesTheStageAndTheFile() {
        assertTrue(OutOfMemory.message(new tagllm.train.Trainer.OutOfMemoryInStage("s1", "reading its rows from d.csv",
                new OutOfMemoryError("Java heap space")), 247L << 20).startsWith("out of memory (Java heap space) in stage s1 while reading its rows from d.csv: "
                + "the Java heap may grow to 247 MB here"));
    }
}
