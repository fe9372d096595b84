package tagllm.cli;

import org.junit.jupiter.api.Test;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `tagllm tokenize` against the shared tok512 reference cases. */
class TokenizeCommandTest {
    @Test
    void encodesWithPiecesAndDecodes() {
        String model = Shared.model("stories260K").toString();
        CliRun r = CliRun.of("tokenize", model, "Once upon a time");
        assertEquals(0, r.exit(), r.err());
        assertEquals("5 tokens: 1 403 407 261 378\n  <s> ▁Once ▁upon ▁a ▁time\n", r.out().replace("\r\n", "\n"));

        r = CliRun.of("tokenize", "--no-special", "--json", model + "/tokenizer.json", "Hello, world!");
        assertEquals(0, r.exit(), r.err());
        assertEquals("{\"text\":\"Hello, world!\",\"ids\":[346,306,414,432,263,304,341,443],"
                + "\"tokens\":[\"▁He\",\"ll\",\"o\",\",\",\"▁w\",\"or\",\"ld\",\"!\"]}", r.out().trim());

        r = CliRun.of("tokenize", "--no-special", model, "Once");
        assertEquals("1 token: 403\n  ▁Once\n", r.out().replace("\r\n", "\n"), "one token, not '1 tokens'");

        r = CliRun.of("tokenize", "--decode", model, "1 403 407 261 378");
        assertEquals("<s> Once upon a time", r.out().trim());
        r = CliRun.of("tokenize", "--decode", "--skip-special", model, "[1, 403, 407, 261, 378]");
        assertEquals("Once upon a time", r.out().trim());
    }

    /**
     * --json was ignored with --decode: the text came out raw, so ids decoding to a line break (13 is {@code <0x0A>})
     * took two output lines for one input. The expected texts are tok512's pieces joined by hand.
     */
    @Test
    void decodeWithJsonGivesOneObjectPerInput() throws Exception {
        String model = Shared.model("stories260K").toString();
        CliRun r = CliRun.of("tokenize", "--decode", "--json", "--skip-special", model, "1 261 13 268", "403");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().replace("\r\n", "\n").split("\n");
        assertEquals(2, lines.length, r.out());
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        var first = om.readTree(lines[0]);
        assertEquals("a\n b", first.get("text").asText());
        assertEquals("[1,261,13,268]", first.get("ids").toString());
        assertEquals("[\"<s>\",\"▁a\",\"<0x0A>\",\"▁b\"]", first.get("tokens").toString());
        assertEquals("Once", om.readTree(lines[1]).get("text").asText());
    }

    @Test
    void badIdsAndMissingModelsAreOneLineErrors() {
        String model = Shared.model("stories260K").toString();
        CliRun r = CliRun.of("tokenize", "--decode", model, "1 x");
        assertEquals(2, r.exit(), "ids given as arguments are the command line: a usage error");
        assertTrue(r.err().contains("\"x\" is not a token id"), r.err());
        // the same ids read from standard input are input: exit 1
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.ByteArrayInputStream("1 x\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            r = CliRun.of("tokenize", "--decode", model);
        } finally {
            System.setIn(stdin);
        }
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("\"x\" is not a token id"), r.err());
        CliRun ignored = CliRun.of("tokenize", "--skip-special", model, "Once"); // it was silently ignored
        assertEquals(2, ignored.exit(), "a usage error");
        assertTrue(ignored.err().contains("--skip-special applies to --decode"), ignored.err());
        r = CliRun.of("tokenize", "--decode", model, "999");
        assertTrue(r.err().contains("no token has id 999"), r.err());
        r = CliRun.of("tokenize", "./no/such/folder", "x");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("no/such/folder"), r.err());
    }

    /** --decode prints the ids it is given, so --no-special (which changes what encoding adds) was accepted and changed nothing. */
    @Test
    void noSpecialBesideDecodeIsAUsageError() {
        CliRun r = CliRun.of("tokenize", "--decode", "--no-special", tagllm.embedded.EmbeddedSamples.model().toString(), "1 2");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--no-special: --decode prints the text of the ids given, adding no token; leave out --no-special"
                + " (to leave special tokens out of the text: --skip-special)"), r.err());
        assertEquals("", r.out());
    }

    /** A wrong call is refused before standard input is read (on a terminal, the user waited for a prompt that never came). */
    @Test
    void aWrongCallDoesNotWaitForStandardInput() {
        java.util.concurrent.atomic.AtomicBoolean read = new java.util.concurrent.atomic.AtomicBoolean();
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.InputStream() {
            @Override
            public int read() {
                read.set(true);
                return -1;
            }
        });
        try {
            CliRun r = CliRun.of("tokenize", "--skip-special", tagllm.embedded.EmbeddedSamples.model().toString());
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains("--skip-special applies to --decode"), r.err());
        } finally {
            System.setIn(stdin);
        }
        assertTrue(!read.get(), "standard input was read before the refusal");
    }

    /** Invalid UTF-8 on standard input is an error naming its line; the JDK's decoder tokenized it as U+FFFD. */
    @Test
    void invalidUtf8OnStandardInputNamesItsLine() {
        String model = Shared.model("stories260K").toString();
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.ByteArrayInputStream(new byte[]{'O', 'n', 'c', 'e', '\n', 'u', 'p', (byte) 0xE9, 'n', '\n'}));
        CliRun r;
        try {
            r = CliRun.of("tokenize", model);
        } finally {
            System.setIn(stdin);
        }
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().contains("standard input:2: not valid UTF-8 text"), r.err());
        assertEquals("", r.out(), "nothing tokenized before the error: the input is read whole first");
    }
}
