package tagllm.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command's help text goes through String.format in picocli (so that %n is a newline): a bare '%' (write
 * '%%') makes picocli print a "[picocli WARN] Could not format" line instead of the help. Checked for every command
 * and subcommand, every description, header, footer, option and parameter.
 */
class HelpTextTest {
    @Test
    void everyHelpTextIsAValidFormatString() {
        List<String> bad = new ArrayList<>();
        int[] checked = {0};
        walk(Main.commandLine(), bad, checked);
        assertTrue(checked[0] > 100, "walked the whole command tree: " + checked[0] + " texts");
        assertEquals(List.of(), bad, "texts with a bare % (write %%)");
    }

    /**
     * A parent's command list (tagllm, tagllm chem, ...) shows only the first line of each subcommand's description (or
     * its header): that line must be a whole sentence, else the list cuts it off mid-sentence (suite's read "... score
     * each stage-2/3 task on its test split", its probe and predictor left on the next line, which the list never shows).
     */
    @Test
    void everyCommandListShowsWholeSentences() {
        List<String> cut = new ArrayList<>();
        walkListed(Main.commandLine(), cut);
        assertEquals(List.of(), cut, "commands whose listed first line is not a whole sentence");
    }

    private static void walkListed(CommandLine cl, List<String> cut) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.name().equals("help")) continue; // picocli's own
            String[] header = spec.usageMessage().header(), description = spec.usageMessage().description();
            String listed = header.length > 0 ? header[0] : description.length > 0 ? description[0] : "";
            if (!listed.strip().endsWith(".")) cut.add(spec.qualifiedName() + ": " + listed);
            walkListed(sub, cut);
        }
    }

    @Test
    void theCheckCatchesABarePercent() {
        assertThrows(IllegalFormatException.class, () -> String.format(Locale.ROOT, "a 95% bootstrap interval"));
        assertEquals("a 95% bootstrap interval%n".replace("%n", System.lineSeparator()), String.format(Locale.ROOT, "a 95%% bootstrap interval%n"));
    }

    private static void walk(CommandLine cl, List<String> bad, int[] checked) {
        CommandSpec spec = cl.getCommandSpec();
        List<String> texts = new ArrayList<>();
        texts.addAll(List.of(spec.usageMessage().description()));
        texts.addAll(List.of(spec.usageMessage().header()));
        texts.addAll(List.of(spec.usageMessage().footer()));
        for (ArgSpec a : spec.args()) texts.addAll(List.of(a.description()));
        for (String t : texts) {
            checked[0]++;
            try {
                String.format(Locale.ROOT, t);
            } catch (IllegalFormatException e) {
                bad.add(spec.qualifiedName() + ": " + t);
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) walk(sub, bad, checked);
    }
}
