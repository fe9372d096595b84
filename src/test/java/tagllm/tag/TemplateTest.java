package tagllm.tag;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TemplateTest {
    private static final FakeEncoder ENC = new FakeEncoder();

    private static Template.TagLookup tags(Map<String, TagKind> kinds, int p) {
        return new Template.TagLookup() {
            public TagKind kind(String name) {
                TagKind k = kinds.get(name);
                if (k == null) throw new TemplateException("unknown tag " + name);
                return k;
            }

            public int length(String name) { return p; }
        };
    }

    /** The expected element list: ints are tokens, "<X>#j" strings are tag slots. */
    private static String expected(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object o : parts) {
            if (o instanceof int[] ids) for (int id : ids) out.add(Integer.toString(id));
            else if (o instanceof Integer id) out.add(Integer.toString(id));
            else out.add((String) o);
        }
        return "[" + String.join(" ", out) + "]";
    }

    @Test
    void parsesTagsPlaceholdersAndEscapes() {
        Template t = Template.parse("a {x} <Protein> {seq:spaced} {{lit}} \\<NotATag> <b c> 1<2 <QED>");
        List<Template.Part> p = t.parts();
        assertEquals(new Template.Text("a "), p.get(0));
        assertEquals(new Template.Field("x", false), p.get(1));
        assertEquals(new Template.TagRef("<Protein>"), p.get(3));
        assertEquals(new Template.Field("seq", true), p.get(5));
        assertEquals(new Template.Text(" {lit} <NotATag> <b c> 1<2 "), p.get(6));
        assertEquals(new Template.TagRef("<QED>"), p.get(7));
        assertEquals(List.of("x", "seq"), List.copyOf(t.columns()));
        assertEquals(List.of("<Protein>", "<QED>"), List.copyOf(t.tagNames()));
    }

    @Test
    void rejectsBrokenTemplates() {
        assertTrue(assertThrows(TemplateException.class, () -> Template.parse("a {x")).getMessage().contains("unclosed"));
        assertTrue(assertThrows(TemplateException.class, () -> Template.parse("a } b")).getMessage().contains("unmatched"));
        assertTrue(assertThrows(TemplateException.class, () -> Template.parse("a {x:bold}")).getMessage().contains("unknown option 'bold'"));
        assertThrows(TemplateException.class, () -> Template.parse("  "));
    }

    @Test
    void cutsPartsAtTagsAndPlaceholdersLikeTheFixtures() {
        // the fixtures' domain_function scenario: "The protein sequence is" <D> "MKTAYIAKQRQ" ". The score is" <F>
        Template t = Template.parse("The protein sequence is <D> {seq}. The score is <F>");
        Sequence s = t.render(Map.of("seq", "MKTAYIAKQRQ")::get,
                tags(Map.of("<D>", TagKind.DOMAIN, "<F>", TagKind.FUNCTION), 3), ENC, Template.RenderOptions.plain());
        assertEquals(expected(1, FakeEncoder.part("The protein sequence is"), "<D>#0", "<D>#1", "<D>#2",
                FakeEncoder.part("MKTAYIAKQRQ"), FakeEncoder.part(". The score is"), "<F>#0", "<F>#1", "<F>#2"), s.toString());
        assertEquals(s.length() - 1, s.readPosition());
        assertEquals(0, s.spans().length, "plain causal attention records no spans");
    }

    @Test
    void domainSpanCoversTheTagAndTheDataAfterIt() {
        Template t = Template.parse("Seq <D> {seq}. Score <F>");
        Sequence s = t.render(Map.of("seq", "MKT")::get, tags(Map.of("<D>", TagKind.DOMAIN, "<F>", TagKind.FUNCTION), 2), ENC,
                new Template.RenderOptions(true, true, null, true, false));
        int start = 1 + FakeEncoder.part("Seq").length;
        assertEquals(1, s.spans().length);
        assertArrayEquals(new int[]{start, start + 2 + FakeEncoder.part("MKT").length}, s.spans()[0]);
        assertEquals("<D>", s.tagName(start));
    }

    @Test
    void promptStopsBeforeTheOutputAndFullRenderEndsWithEos() {
        Template t = Template.parse("Input: <EN> {src} \nOutput: <FR> <Translate> {tgt}");
        var lookup = tags(Map.of("<EN>", TagKind.DOMAIN, "<FR>", TagKind.DOMAIN, "<Translate>", TagKind.FUNCTION), 1);
        Map<String, String> row = Map.of("src", "hi", "tgt", "salut");
        Sequence prompt = t.render(row::get, lookup, ENC, new Template.RenderOptions(true, false, "tgt", false, true));
        Sequence full = t.render(row::get, lookup, ENC, new Template.RenderOptions(true, false, "tgt", true, true));
        assertEquals(expected(1, FakeEncoder.part("Input:"), "<EN>#0", FakeEncoder.part("hi"), FakeEncoder.part("\nOutput:"),
                "<FR>#0", "<Translate>#0"), prompt.toString());
        assertEquals(prompt.length(), prompt.outputStart());
        assertEquals(prompt.length(), full.outputStart());
        assertEquals(prompt.length() + FakeEncoder.part("salut").length + 1, full.length());
        assertEquals(2, full.tokenId(full.length() - 1), "EOS ends the output");
        // CE over the output only: every output token plus EOS is a target, predicted from the previous row
        int[][] ce = full.ceTargets(true);
        assertEquals(FakeEncoder.part("salut").length + 1, ce.length);
        assertEquals(prompt.length() - 1, ce[0][0], "the last tag slot predicts the first output token");
    }

    @Test
    void ceTargetsSkipTagSlotsButTheLastSlotPredictsTheNextToken() {
        Sequence s = Sequence.builder().tokens(1, 5).tag("<A>", 2).tokens(7, 8).build();
        int[][] t = s.ceTargets(false);
        assertArrayEquals(new int[][]{{0, 5}, {3, 7}, {4, 8}}, t);
    }

    @Test
    void spacedPlaceholderPutsOneResiduePerPart() {
        assertEquals("M K T A", Template.spaced("MKTA"));
        Template t = Template.parse("<Protein> {seq:spaced}");
        Sequence s = t.render(Map.of("seq", "MK")::get, tags(Map.of("<Protein>", TagKind.DOMAIN), 1), ENC,
                new Template.RenderOptions(false, false, null, true, false));
        assertEquals(expected("<Protein>#0", FakeEncoder.part("M K")), s.toString());
    }

    @Test
    void missingColumnAndUnknownTagAreNamed() {
        Template t = Template.parse("x <F> {y}");
        var lookup = tags(Map.of("<F>", TagKind.FUNCTION), 1);
        var e = assertThrows(TemplateException.class, () -> t.render(Map.<String, String>of()::get, lookup, ENC, Template.RenderOptions.plain()));
        assertTrue(e.getMessage().contains("{y}"), e.getMessage());
        Template u = Template.parse("x <G>");
        var e2 = assertThrows(TemplateException.class, () -> u.render(Map.<String, String>of()::get, lookup, ENC, Template.RenderOptions.plain()));
        assertTrue(e2.getMessage().contains("<G>"), e2.getMessage());
    }

    @Test
    void truncateKeepsSpansAndReadPositionInside() {
        Sequence s = Sequence.builder().tokens(1).tag("<D>", 2).tokens(4, 5).tag("<F>", 2).tokens(9, 9)
                .span(1, 5).readPosition(6).outputStart(7).build();
        Sequence c = s.truncate(7);
        assertEquals(7, c.length());
        assertEquals(6, c.readPosition());
        assertEquals(-1, c.outputStart());
        assertArrayEquals(new int[]{1, 5}, c.spans()[0]);
    }

    @Test
    void withoutTagsDropsEveryTagAndKeepsLiterals() {
        Template t = Template.parse("Seq is <Protein> {seq:spaced}. {{x}} \\<Y> is <QED> {label}.");
        Template u = t.withoutTags();
        assertTrue(u.tagNames().isEmpty());
        assertEquals(t.columns(), u.columns());
        assertEquals(u.parts(), Template.parse(u.source()).parts(), "the source of the tag-free template parses back to it");
        assertTrue(u.source().contains("{{x}}") && u.source().contains("\\<Y>"), u.source());
    }

    @Test
    void maxKeepsTheFirstCharacters() {
        Template t = Template.parse("<Protein> {seq:max=3:spaced}");
        assertEquals(new Template.Field("seq", true, 3), t.parts().get(2));
        Sequence s = t.render(Map.of("seq", "MKTAYI")::get, tags(Map.of("<Protein>", TagKind.DOMAIN), 1), ENC,
                new Template.RenderOptions(false, false, null, true, false));
        assertEquals(expected("<Protein>#0", FakeEncoder.part("M K T")), s.toString());
        assertThrows(TemplateException.class, () -> Template.parse("{seq:max=0}"));
        assertEquals("{seq:spaced:max=3}", t.withoutTags().source().strip());
    }
}
