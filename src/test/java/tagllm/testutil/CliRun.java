package tagllm.testutil;

import picocli.CommandLine;
import tagllm.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.fail;

/** The CLI run in-process with stdout and stderr captured: the one runner every command test uses. */
public record CliRun(int exit, String out, String err) {
    public static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** As {@link #of} for a command expected to end by itself (a server that must refuse to start): fails past the deadline. */
    public static CliRun withDeadline(Duration deadline, String... args) throws InterruptedException {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(cl.execute(args)));
        t.start();
        t.join(deadline.toMillis());
        if (t.isAlive()) {
            t.interrupt();
            t.join(10_000);
            fail("did not end within " + deadline + ": " + out + err);
        }
        return new CliRun(exit.get(), out.toString(), err.toString());
    }
}
