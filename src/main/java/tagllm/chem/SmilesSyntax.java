package tagllm.chem;

import org.openscience.cdk.config.Elements;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMILES grammar checked strictly, the way RDKit's parser reads it, before CDK (which forgives a dangling bond,
 * an empty branch or an unknown bracket symbol). Refused: a bond with no atom after it ({@code C=}, {@code C(=)C},
 * {@code C=(C)C}), a string starting with a bond, ring number or dot ({@code =C}), empty branches ({@code C()C}),
 * a ring number right after an open parenthesis, a dot with no atom after it, unknown atoms ({@code [Cx]}, {@code X})
 * and malformed bracket atoms ({@code [C@X]}, {@code [HO-]}), {@code %} without two digits.
 *
 * <p>Returns, per atom in order of appearance (CDK's atom order), whether it was written in the organic subset
 * (outside brackets: its hydrogens are implicit) and whether it was written aromatic (lower case).
 */
final class SmilesSyntax {
    /** One parsed atom: organic subset (implicit H) or bracket, and aromatic (lower-case) or not. */
    record Atom(boolean organic, boolean aromatic, String symbol) {}

    private static final Pattern BRACKET = Pattern.compile(
            "\\[(\\d{1,3})?(\\*|[A-Z][a-z]{0,2}|se|as|te|si|b|c|n|o|p|s)"
                    + "(@(?:@|TH[12]|AL[12]|SP[123]|TB(?:1\\d|20|[1-9])|OH(?:30|[12]\\d|[1-9]))?)?"
                    + "(H\\d?)?([+-](?:\\d{1,2}|[+]|-)?)?(:\\d{1,5})?]");
    private static final String BONDS = "-=#$:/\\";

    private SmilesSyntax() {}

    /** The atoms, or a SmilesException naming what is wrong and where (1-based character). */
    static List<Atom> check(String s) {
        List<Atom> atoms = new ArrayList<>();
        // what came last: 'S'tart, 'A'tom, 'B'ond, 'R'ing number, '(' , ')', '.'
        char last = 'S';
        int depth = 0;
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            int at = i + 1;
            if (c == '[') {
                int close = s.indexOf(']', i);
                if (close < 0) throw error(s, "unclosed '[' (at character " + at + ")");
                String bracket = s.substring(i, close + 1);
                Matcher m = BRACKET.matcher(bracket);
                if (!m.matches()) throw error(s, "malformed bracket atom " + bracket + " (at character " + at + ")");
                String sym = m.group(2);
                boolean aromatic = Character.isLowerCase(sym.charAt(0));
                if (!sym.equals("*") && !aromatic && !knownElement(sym)) {
                    throw error(s, "unknown element " + sym + " in " + bracket + " (at character " + at + ")");
                }
                atoms.add(new Atom(false, aromatic, sym));
                last = 'A';
                i = close + 1;
                continue;
            }
            String organic = organic(s, i);
            if (organic != null) {
                atoms.add(new Atom(true, Character.isLowerCase(organic.charAt(0)), organic));
                last = 'A';
                i += organic.length();
                continue;
            }
            if (BONDS.indexOf(c) >= 0) {
                if (last == 'B') throw error(s, "two bonds in a row (at character " + at + ")");
                if (last != 'A' && last != 'R' && last != ')' && last != '(') throw error(s, "bond '" + c + "' with no atom before it (at character " + at + ")");
                last = 'B';
                i++;
                continue;
            }
            if (Character.isDigit(c) || c == '%') {
                if (last != 'A' && last != 'R' && last != 'B' && last != ')') {
                    throw error(s, "ring number with no atom before it (at character " + at + ")");
                }
                if (c == '%') {
                    if (i + 2 >= s.length() || !Character.isDigit(s.charAt(i + 1)) || !Character.isDigit(s.charAt(i + 2)) || s.charAt(i + 1) == '0') {
                        throw error(s, "'%' must be followed by a two-digit ring number 10..99 (at character " + at + ")");
                    }
                    i += 3;
                } else {
                    i++;
                }
                last = 'R';
                continue;
            }
            switch (c) {
                case '(' -> {
                    if (last == 'B') throw error(s, "bond with no atom after it, before a branch (at character " + at + ")");
                    if (last != 'A' && last != 'R' && last != ')') throw error(s, "branch with no atom before it (at character " + at + ")");
                    depth++;
                    last = '(';
                }
                case ')' -> {
                    if (last == '(') throw error(s, "empty branch '()' (at character " + at + ")");
                    if (last == 'B') throw error(s, "bond with no atom after it (at character " + at + ")");
                    if (last == '.') throw error(s, "'.' with no atom after it (at character " + at + ")");
                    if (depth == 0) throw error(s, "')' closes no branch (at character " + at + ")");
                    depth--;
                    last = ')';
                }
                case '.' -> {
                    if (last != 'A' && last != 'R' && last != ')') throw error(s, "'.' with no atom before it (at character " + at + ")");
                    last = '.';
                }
                default -> throw error(s, "unexpected character '" + c + "' (at character " + at + ")");
            }
            i++;
        }
        if (last == 'B') throw error(s, "bond with no atom after it at the end");
        if (last == '.') throw error(s, "'.' with no atom after it at the end");
        if (last == '(' || depth > 0) throw error(s, "unclosed branch '('");
        return atoms;
    }

    /** The organic-subset atom starting at i (Cl and Br before C and B), or null. */
    private static String organic(String s, int i) {
        if (s.startsWith("Cl", i) || s.startsWith("Br", i)) return s.substring(i, i + 2);
        char c = s.charAt(i);
        return "BCNOPSFIbcnops*".indexOf(c) >= 0 ? String.valueOf(c) : null;
    }

    private static boolean knownElement(String symbol) {
        if (symbol.equals("H")) return true;
        Elements e = Elements.ofString(symbol);
        return e != Elements.Unknown && e.symbol().equals(symbol);
    }

    private static SmilesException error(String s, String reason) { return new SmilesException(s, reason); }
}
