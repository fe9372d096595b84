package tagllm.util;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.*;

/** The recorded version's format (BuildVersion): pom version, "+g" and the commit, ".dirty"; read back from hand-written strings. */
class BuildVersionTest {
    @Test
    void theRecordedFormIsThePomVersionThenTheCommitThenDirty() {
        assertEquals("0.1.0-SNAPSHOT+g1a2b3c4", new BuildVersion("0.1.0-SNAPSHOT", "1a2b3c4", false).toString());
        assertEquals("0.1.0-SNAPSHOT+g1a2b3c4.dirty", new BuildVersion("0.1.0-SNAPSHOT", "1a2b3c4", true).toString());
        assertEquals("0.1.0-SNAPSHOT", new BuildVersion("0.1.0-SNAPSHOT", null, false).toString());
        assertEquals("1.2.0+g0123456789abcdef", new BuildVersion("1.2.0", "0123456789abcdef", false).toString());
    }

    @Test
    void handWrittenStringsParseIntoTheirParts() {
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", "1a2b3c4", false), BuildVersion.parse("0.1.0-SNAPSHOT+g1a2b3c4"));
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", "1a2b3c4", true), BuildVersion.parse("0.1.0-SNAPSHOT+g1a2b3c4.dirty"));
        assertEquals(new BuildVersion("2.0.0", "ea95926", false), BuildVersion.parse("2.0.0+gea95926"));
        // what builds before 7 Dec 2026, and builds from a tarball, recorded: a bare version, no commit
        BuildVersion bare = BuildVersion.parse("0.1.0-SNAPSHOT");
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", null, false), bare);
        assertFalse(bare.commitKnown());
        assertTrue(BuildVersion.parse("0.1.0-SNAPSHOT+g1a2b3c4").commitKnown());
    }

    @Test
    void aStringInNoFormOfOursIsKeptWholeAsTheVersionNotRefused() {
        // another writer's build metadata, an upper-case or non-hex "commit", a second suffix: all release, no commit
        for (String s : new String[]{"0.3.0", "0.3.0+build.5", "0.1.0+gXYZ1234", "0.1.0+G1a2b3c4", "0.1.0+g1a2b3c4.clean",
                "0.1.0+g1a2+g1a2b3c4", "0.1.0+g12", "weird"}) {
            BuildVersion v = BuildVersion.parse(s);
            assertEquals(s, v.release(), s);
            assertNull(v.commit(), s);
            assertEquals(s, v.toString(), "read back as written: " + s);
        }
        assertThrows(IllegalArgumentException.class, () -> BuildVersion.parse(" "));
    }

    @Test
    void parseReadsBackWhatToStringWrote() {
        for (BuildVersion v : new BuildVersion[]{new BuildVersion("0.1.0-SNAPSHOT", "abcdef0", true),
                new BuildVersion("0.1.0-SNAPSHOT", "abcdef0", false), new BuildVersion("3.1.4", null, false)}) {
            assertEquals(v, BuildVersion.parse(v.toString()), v.toString());
        }
    }

    @Test
    void noCommitAndDirtyOrABadCommitIsRefusedWhenBuilt() {
        assertThrows(IllegalArgumentException.class, () -> new BuildVersion("0.1.0", null, true));
        assertThrows(IllegalArgumentException.class, () -> new BuildVersion("0.1.0", "1A2B3C4", false));
        assertThrows(IllegalArgumentException.class, () -> new BuildVersion("0.1.0", "abc", false));
        assertThrows(IllegalArgumentException.class, () -> new BuildVersion("0.1.0+x", "abcdef0", false));
    }

    @Test
    void describeSaysWhatTheSuffixOrItsLackMeans() {
        assertEquals("0.1.0-SNAPSHOT+g1a2b3c4 (commit 1a2b3c4)", BuildVersion.parse("0.1.0-SNAPSHOT+g1a2b3c4").describe());
        assertEquals("0.1.0-SNAPSHOT+g1a2b3c4.dirty (commit 1a2b3c4 with uncommitted changes)",
                BuildVersion.parse("0.1.0-SNAPSHOT+g1a2b3c4.dirty").describe());
        assertEquals("0.1.0-SNAPSHOT (unknown commit: the build found no git history)", BuildVersion.parse("0.1.0-SNAPSHOT").describe());
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        return p;
    }

    @Test
    void versionPropertiesAsMavenFillsThem() {
        assertEquals("0.1.0-SNAPSHOT+g1a2b3c4", Version.fromProperties(props("version", "0.1.0-SNAPSHOT", "commit", "1a2b3c4", "dirty", "false")).toString());
        assertEquals("0.1.0-SNAPSHOT+g1a2b3c4.dirty", Version.fromProperties(props("version", "0.1.0-SNAPSHOT", "commit", "1a2b3c4", "dirty", "true")).toString());
        // a source tarball: the profile did not run and Maven left the placeholders as they were
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", null, false), Version.fromProperties(
                props("version", "0.1.0-SNAPSHOT", "commit", "${git.commit.id.abbrev}", "dirty", "${git.dirty}")));
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", null, false), Version.fromProperties(props("version", "0.1.0-SNAPSHOT", "commit", "")));
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", null, false), Version.fromProperties(props("version", "0.1.0-SNAPSHOT")));
        // not a commit id: unknown, rather than a tagllm that does not start
        assertEquals(new BuildVersion("0.1.0-SNAPSHOT", null, false), Version.fromProperties(props("version", "0.1.0-SNAPSHOT", "commit", "HEAD")));
        assertThrows(IllegalStateException.class, () -> Version.fromProperties(props("version", "${project.version}")));
    }
}
