package tagllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class PyTextTest {

    @Test
    void whitespaceIsExactlyPythonsIsspace() {
        // [c for c in range(0x110000) if chr(c).isspace()] in CPython 3 (Unicode 14)
        Set<Integer> python = Set.of(0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
                0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
                0x2028, 0x2029, 0x202f, 0x205f, 0x3000);
        Set<Integer> ours = new TreeSet<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) if (PyText.isSpace(cp)) ours.add(cp);
        assertEquals(new TreeSet<>(python), ours);
    }

    @Test
    void splitAndStripLikePython() {
        assertEquals(List.of("a", "b", "c"), PyText.split("  a\u00a0b\tc\u3000 "));
        assertEquals(List.of(), PyText.split(" \n "));
        assertEquals("  x", PyText.rstrip("  x \u2007\n"));
        assertEquals("ab", PyText.removeSpaces(" a \u202f b "));
    }

    @Test
    void fixedRoundsTheBinaryValueHalfToEven() {
        // Python: f"{0.125:.2f}" == "0.12", f"{1.005:.2f}" == "1.00" (1.005 is 1.00499... in binary), f"{2.675:.2f}" == "2.67"
        assertEquals("0.12", ScoreFormat.fixed(0.125, 2));
        assertEquals("1.00", ScoreFormat.fixed(1.005, 2));
        assertEquals("2.67", ScoreFormat.fixed(2.675, 2));
        assertEquals("0.375", ScoreFormat.fixed(0.375, 3));
        assertEquals("-0.00", ScoreFormat.fixed(-0.001, 2));
    }
}
